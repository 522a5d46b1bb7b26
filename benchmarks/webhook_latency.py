"""Time from a candidate's final submission to a local receiver getting the signed webhook.

The app runs with its background jobs (the webhook deliverer among them) on a SQLite file; a receiver
(http.server on 127.0.0.1) checks each signature. For each of ``--candidates`` candidates: follow the
link, start, submit the three sections; the clock starts just before the last section's submit (which
closes and grades the attempt) and stops when the receiver has the "attempt.submitted" and the
"attempt.graded" webhook.

    .venv/bin/python benchmarks/webhook_latency.py --candidates 10 [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from exam.app import create_app  # noqa: E402
from exam.db import make_engine  # noqa: E402
from exam.services import webhooks  # noqa: E402
from exam.settings import Settings  # noqa: E402
from tests.web.candidate_helpers import (  # noqa: E402
    csrf,
    follow_and_start,
    hr_user,
    make_invitation,
    make_opening,
    seed_bank,
)
from tests.web.webhook_receivers import generic_checker, receiver  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="exam-webhook-latency-"))
    url = f"sqlite:///{folder / 'exam.sqlite3'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    settings = Settings(
        environment="test",
        data_dir=folder,
        database_url=url,
        secret_key="test-secret-key-0123456789abcdef",
        base_url="https://exam.example.com",
    )
    with Session(engine, expire_on_commit=False) as session:
        seed_bank(session)
        opening = make_opening(session)
        owner = hr_user(session)
        endpoint = webhooks.add_endpoint(
            session, settings, owner, opening.id, kind="generic", url="https://1.1.1.1/placeholder"
        )
        tokens = [make_invitation(session, opening, f"候选人{i}")[1] for i in range(args.candidates)]
        submit_ms: list[float] = []
        to_submitted: list[float] = []
        to_graded: list[float] = []
        with receiver(generic_checker(endpoint.secret)) as rx:
            endpoint.url = rx.url
            session.add(endpoint)
            session.commit()
            app = create_app(settings, engine=engine, run_background=True)
            with TestClient(app, follow_redirects=False) as client:
                time.sleep(1.0)  # the jobs' first runs
                for token in tokens:
                    client.cookies.clear()
                    _, attempt_id = follow_and_start(client, token)
                    t = csrf(client, f"/candidate/attempts/{attempt_id}")
                    for section in ("typing", "knowledge"):
                        client.post(
                            f"/candidate/attempts/{attempt_id}/sections/{section}/submit", data={"csrf_token": t}
                        )
                    seen = len(rx.received)
                    start = time.time()
                    client.post(
                        f"/candidate/attempts/{attempt_id}/sections/communication/submit", data={"csrf_token": t}
                    )
                    submit_ms.append((time.time() - start) * 1000)
                    got = rx.wait_for(seen + 2, timeout=30)[seen:]
                    assert all(r.ok for r in got), [r.problem for r in got]
                    at = {r.json()["event"]: r.at for r in got}
                    to_submitted.append((at["attempt.submitted"] - start) * 1000)
                    to_graded.append((at["attempt.graded"] - start) * 1000)
    result = {
        "candidates": args.candidates,
        "submit_request_ms_median": round(statistics.median(submit_ms), 1),
        "submitted_webhook_ms_median": round(statistics.median(to_submitted), 1),
        "graded_webhook_ms_median": round(statistics.median(to_graded), 1),
        "graded_webhook_ms_p90": round(_pct(to_graded, 0.9), 1),
        "graded_webhook_ms_max": round(max(to_graded), 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()

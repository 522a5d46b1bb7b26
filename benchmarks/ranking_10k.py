"""Speed of an opening's ranking with 10,000 candidates: the queries and the whole page over HTTP.

Seeds one opening with N graded candidates (synthetic results, no answers) into a SQLite file
(kept between runs unless --fresh), then times, for several sort orders and filters, the first,
middle and last page: ``ranking.fetch_page`` (the SQL alone) and ``GET /hr/openings/{id}/ranking``
through the app (queries, chart, template), plus the htmx partial; then the CSV/XLSX export jobs of all rows
(from the click to the file) and the ranking page measured while an export job runs.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, SQLModel, select  # noqa: E402

import exam.models  # noqa: E402,F401
from exam.db import make_engine  # noqa: E402
from exam.models import Opening  # noqa: E402
from exam.services import ranking  # noqa: E402
from exam.services.sample import seed_opening  # noqa: E402

CASES = [
    ("rank", True, {}),
    ("score", False, {}),
    ("name", False, {}),
    ("signals", True, {}),
    ("rank", True, {"requirements": "met", "score_min": "60"}),
    ("rank", True, {"signals": "none", "decision": "none", "status": "graded"}),
    ("rank", True, {"q": "王"}),
]


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def seed(path: Path, n: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.exec(select(Opening)).first() is None:
            start = time.perf_counter()
            from exam.models import Role
            from exam.services import accounts

            owner = accounts.create_user(session, "bench-hr", Role.hr, "Bench-hr-pass-2026")
            seed_opening(session, n, in_progress=n // 100, with_answers=False, seed=42, created_by=owner)  # its owner
            session.commit()
            print(f"seeded {n} candidates in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "exam-ranking-10k.sqlite3")
    parser.add_argument("--fresh", action="store_true", help="Delete the database file first.")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
    seed(args.db, args.candidates)

    from fastapi.testclient import TestClient

    from exam.app import create_app
    from exam.settings import Settings

    engine = make_engine(f"sqlite:///{args.db}")
    with Session(engine) as session:
        opening_id = session.exec(select(Opening.id)).first()
        total = ranking.count_matching(session, opening_id)  # type: ignore[arg-type]
    settings = Settings(
        environment="test",
        data_dir=args.db.parent,
        database_url=f"sqlite:///{args.db}",
        secret_key="bench-secret-key-0123456789abcdef",
    )
    app = create_app(settings, engine=engine, run_background=False)
    client = TestClient(app)
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert (
        client.post(
            "/login",
            data={"username": "bench-hr", "password": "Bench-hr-pass-2026", "csrf_token": token},
            follow_redirects=False,
        ).status_code
        == 303
    )

    results = []
    for sort, desc, filters in CASES:
        f = ranking.Filters.parse(filters)
        with Session(engine) as session:
            matching = ranking.count_matching(session, opening_id, f)  # type: ignore[arg-type]
        pages = max(1, -(-matching // ranking.PER_PAGE))
        for label, page in (("first", 1), ("middle", max(1, pages // 2)), ("last", pages)):
            with Session(engine) as session:
                sql = timed(
                    lambda: ranking.fetch_page(session, opening_id, f, sort=sort, desc=desc, page=page),  # type: ignore[arg-type]
                    args.repeat,
                )
            params = {**filters, "sort": sort, "dir": "desc" if desc else "asc", "page": str(page)}
            http = timed(
                lambda: client.get(f"/hr/openings/{opening_id}/ranking", params=params).raise_for_status(), args.repeat
            )
            htmx = timed(
                lambda: client.get(
                    f"/hr/openings/{opening_id}/ranking",
                    params=params,
                    headers={"HX-Request": "true", "HX-Target": "ranking-results"},
                ).raise_for_status(),
                args.repeat,
            )
            results.append(
                {
                    "sort": sort,
                    "desc": desc,
                    "filters": filters,
                    "matching": matching,
                    "page": label,
                    "page_no": page,
                    "sql_ms": round(statistics.median(sql), 1),
                    "page_ms": round(statistics.median(http), 1),
                    "partial_ms": round(statistics.median(htmx), 1),
                }
            )
    jobs = export_jobs(client, engine, settings, opening_id)  # type: ignore[arg-type]
    report = {
        "candidates": total,
        "per_page": ranking.PER_PAGE,
        "repeat": args.repeat,
        "cases": results,
        "export_jobs": jobs,
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"{total} candidates in one opening, {ranking.PER_PAGE} per page, median of {args.repeat} runs (ms)")
    print(f"{'sort':<8} {'filters':<44} {'match':>6} {'page':>11} {'SQL':>7} {'page':>7} {'htmx':>7}")
    for r in results:
        fl = ",".join(f"{k}={v}" for k, v in r["filters"].items()) or "-"
        order = f"{r['sort']}{'↓' if r['desc'] else '↑'}"
        print(
            f"{order:<8} {fl:<44} {r['matching']:>6} {r['page'] + ' ' + str(r['page_no']):>11} "
            f"{r['sql_ms']:>7} {r['page_ms']:>7} {r['partial_ms']:>7}"
        )
    print_export_jobs(jobs)


# --- export jobs -----------------------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, int(round(0.95 * len(ordered))) - 1))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def export_jobs(client, engine, settings, opening_id: int, idle_requests: int = 20) -> dict:  # type: ignore[no-untyped-def]
    """Each export of all rows as HR asks for it: the request that starts the job, the time from that click to the
    finished file, the download; and the ranking page's latency while the job runs vs. idle. The runner runs as the
    app's job loop runs it, in a thread of this process (``asyncio.to_thread``) that waits for a child process
    (``exports.run_due_isolated``, "process"); and, for comparison, with the export's work in that thread itself
    (``exports.run_due``, "thread")."""
    import threading

    from exam.models import ExportJob
    from exam.services import exports

    page = f"/hr/openings/{opening_id}/ranking"
    idle = _percentiles(timed(lambda: client.get(page).raise_for_status(), idle_requests))
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', client.get(page).text).group(1)  # type: ignore[union-attr]
    out: dict = {"ranking_idle": idle}
    runners = {"process": lambda: exports.run_due_isolated(engine, settings), "thread": lambda: exports.run_due(engine)}
    for mode, kind in (("process", "csv"), ("process", "xlsx"), ("thread", "csv"), ("thread", "xlsx")):
        clicked = time.perf_counter()
        started = client.post(
            f"/hr/openings/{opening_id}/exports",
            data={"csrf_token": token, "kind": kind, "query": ""},
            follow_redirects=False,
        )
        start_ms = (time.perf_counter() - clicked) * 1000
        assert started.status_code == 303, started.text
        job_id = int(started.headers["location"].rsplit("/", 1)[1])
        runner = threading.Thread(target=runners[mode])
        runner.start()
        during: list[float] = []
        while runner.is_alive():  # HR keeps working on the ranking while the export runs
            during += timed(lambda: client.get(page).raise_for_status(), 1)
        runner.join()
        done_s = time.perf_counter() - clicked
        with Session(engine) as session:
            job = session.get(ExportJob, job_id)
            assert job is not None and job.status == "done", job
            rows, size = job.rows_done, job.size
        got = time.perf_counter()
        body = client.get(f"/hr/openings/{opening_id}/exports/{job_id}/file").raise_for_status().content
        download_ms = (time.perf_counter() - got) * 1000
        assert len(body) == size and (kind != "csv" or body.count(b"\r\n") == rows + 1)
        out[f"{mode}.{kind}"] = {
            "rows": rows,
            "bytes": size,
            "start_request_ms": round(start_ms, 1),
            "click_to_done_s": round(done_s, 2),
            "download_ms": round(download_ms, 1),
            "ranking_during": _percentiles(during) if during else None,
        }
    return out


def print_export_jobs(jobs: dict) -> None:  # type: ignore[type-arg]
    """The export jobs' figures as lines of text."""
    idle = jobs["ranking_idle"]
    print(f"ranking page idle: p50 {idle['p50_ms']} ms, p95 {idle['p95_ms']} ms ({idle['n']} requests)")
    for key, j in jobs.items():
        if key == "ranking_idle":
            continue
        d = j["ranking_during"] or {"p50_ms": "-", "p95_ms": "-", "n": 0}
        print(
            f"export job {key}: {j['rows']} rows, {j['bytes'] / 1e6:.1f} MB; start request "
            f"{j['start_request_ms']} ms; click to done {j['click_to_done_s']} s; download {j['download_ms']} ms; "
            f"ranking page meanwhile p50 {d['p50_ms']} ms, p95 {d['p95_ms']} ms ({d['n']} requests)"
        )


if __name__ == "__main__":
    main()

"""Latency of each JSON API endpoint (/api/v1/) against a real `exam serve` subprocess.

Creates a fresh SQLite database (WAL) in a temporary folder (or uses ``--database-url``), seeds an HR user's
opening with ``--candidates`` graded candidates (real answers, ``exam.services.sample.seed_opening``), makes
a token with every scope through ``exam token create``, starts ``exam serve`` (one worker) on 127.0.0.1 and
calls every endpoint ``--calls`` times over one keep-alive connection (after a few warm-up calls), one call
at a time: the figures are the latency of one request, the token check, the rate-limit count and the use log
included. Reported: median, p95 and max in milliseconds per endpoint. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.server import HOST, TLS, launch, stop_server  # noqa: E402

EXAM_BIN = str(Path(sys.executable).with_name("exam"))
SCOPES = ("invitations:write", "results:read", "decisions:write")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def seed(env: dict[str, str], url: str, candidates: int) -> tuple[int, list[int], str]:
    """(opening id, graded attempt ids, token): the database, an HR user's opening, a token from the CLI."""
    done = subprocess.run([EXAM_BIN, "init"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"exam init failed:\n{done.stdout}{done.stderr}")
    from exam.db import make_engine, session_scope
    from exam.models import Role
    from exam.services import accounts
    from exam.services.sample import seed_opening

    engine = make_engine(url)
    with session_scope(engine) as session:
        hr = accounts.create_user(session, "bench-hr", Role.hr, "Bench-hr-2026!")
        sample = seed_opening(session, candidates, seed=11, created_by=hr)
        opening_id, attempt_ids = sample.opening.id, list(sample.attempt_ids)
    engine.dispose()
    command = [EXAM_BIN, "token", "create", "bench-hr", "--name", "bench", "--expires-days", "1"]
    for scope in SCOPES:
        command += ["--scope", scope]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"exam token create failed:\n{done.stdout}{done.stderr}")
    return opening_id, attempt_ids, done.stdout.strip().splitlines()[-1]  # type: ignore[return-value]


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    """`exam serve` with one worker, once it answers."""
    return launch([EXAM_BIN, "serve", "--host", HOST, "--port", str(port), "--workers", "1"], env, port, log_path)


def timed(call: Callable[[int], httpx.Response], runs: int, warmup: int, expect: int) -> dict[str, Any]:
    """Median, p95 and max of ``runs`` calls (after ``warmup``), each checked for its status."""
    for i in range(warmup):
        call(-1 - i)
    times = []
    for i in range(runs):
        start = time.perf_counter()
        response = call(i)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != expect:
            sys.exit(f"unexpected {response.status_code}: {response.text[:300]}")
    times.sort()
    return {
        "calls": runs,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
    }


def measure(base: str, token: str, opening_id: int, attempt_ids: list[int], calls: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    client = httpx.Client(verify=TLS, base_url=base, headers=headers, timeout=60)
    api = "/api/v1"
    first = client.post(f"{api}/openings/{opening_id}/invitations", json={"name": "预热", "phone": "13599999999"})
    invitation_id = first.json()["items"][0]["id"]
    tag = client.get(f"{api}/attempts/{attempt_ids[0]}/result").headers["ETag"]
    phone = iter(range(10_000_000))
    results: dict[str, Any] = {}
    cases: list[tuple[str, Callable[[int], httpx.Response], int, int]] = [
        ("GET /healthz (reference: no token, no API)", lambda i: client.get("/healthz"), calls, 200),
        ("GET /openings", lambda i: client.get(f"{api}/openings"), calls, 200),
        ("GET /openings/{id}", lambda i: client.get(f"{api}/openings/{opening_id}"), calls, 200),
        (
            "GET /openings/{id}/invitations (50 a page)",
            lambda i: client.get(f"{api}/openings/{opening_id}/invitations"),
            calls,
            200,
        ),
        ("GET /invitations/{id}", lambda i: client.get(f"{api}/invitations/{invitation_id}"), calls, 200),
        (
            "GET /attempts/{id}/result",
            lambda i: client.get(f"{api}/attempts/{attempt_ids[i % len(attempt_ids)]}/result"),
            calls,
            200,
        ),
        (
            "GET /attempts/{id}/result (If-None-Match: 304)",
            lambda i: client.get(f"{api}/attempts/{attempt_ids[0]}/result", headers={"If-None-Match": tag}),
            calls,
            304,
        ),
        (
            "PUT /attempts/{id}/decision",
            lambda i: client.put(
                f"{api}/attempts/{attempt_ids[-1]}/decision",
                json={"decision": ("hold", "shortlist")[i % 2], "note": f"压测 {i}"},
            ),
            calls,
            200,
        ),
        (
            "POST /openings/{id}/invitations (1)",
            lambda i: client.post(
                f"{api}/openings/{opening_id}/invitations", json={"name": "单个", "phone": f"137{next(phone):08d}"}
            ),
            calls,
            201,
        ),
        (
            "POST /openings/{id}/invitations (100)",
            lambda i: client.post(
                f"{api}/openings/{opening_id}/invitations",
                json=[{"name": f"批量{k}", "phone": f"136{next(phone):08d}"} for k in range(100)],
            ),
            max(3, calls // 10),
            201,
        ),
        (
            "POST /openings/{id}/invitations?qr=false (100)",
            lambda i: client.post(
                f"{api}/openings/{opening_id}/invitations?qr=false",
                json=[{"name": f"批量{k}", "phone": f"138{next(phone):08d}"} for k in range(100)],
            ),
            max(3, calls // 10),
            201,
        ),
    ]
    for name, call, runs, expect in cases:
        results[name] = timed(call, runs, warmup=min(5, runs), expect=expect)
        print(f"  {name}: {results[name]}", file=sys.stderr)
    client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="exam-api-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        **os.environ,
        "EXAM_DATABASE_URL": url,
        "EXAM_DATA_DIR": str(tmp),
        "EXAM_SECRET_KEY": secrets.token_hex(32),
        "EXAM_ENVIRONMENT": "production",
        "EXAM_API_RATE_PER_MINUTE": "1000000",
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("EXAM_")})
    proc = None
    try:
        opening_id, attempt_ids, token = seed(env, url, args.candidates)
        port = free_port()
        proc = start_server(env, port, tmp / "server.log")
        results = measure(f"http://{HOST}:{port}", token, opening_id, attempt_ids, args.calls)
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"{'endpoint':<50} {'median':>8} {'p95':>8} {'max':>8}  (ms, {args.calls} calls, one at a time)")
    for name, r in results.items():
        print(f"{name:<50} {r['median_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8}")


if __name__ == "__main__":
    main()

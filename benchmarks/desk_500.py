"""Load test of the reception desk (模拟接待台): N candidates at their desks at once, against a real server.

Creates a fresh SQLite database (WAL) in a temporary folder, imports the shipped simulations with a one-section
profile (the pre-sale desk, sim.presale.shirts), opens a position, invites N candidates and starts their exams
through the services (``openings.invite``, ``attempts.start_attempt``, ``accounts.start_session``: setting up is
not what is measured), then starts ``exam serve --workers W`` on 127.0.0.1. The candidates' desks open one
after the other over ``--ramp`` seconds (each section's clock starts when its candidate sits down). Every
candidate (asyncio + httpx, own cookies) opens the desk's live stream (server-sent events) and, every
``--interval`` s, sends one message to a customer who is waiting: the reply an experienced agent would give
(the demo's answers, found by the customer's last message).

Measured, client side:
- sending: the time of ``POST /candidate/attempts/{id}/desk/{pos}/messages`` (request to response);
- receiving: for every customer message that arrives on a stream, the time from the moment it happened on the
  server's clock (the desk's start + its ``at``) to its arrival at the client: the stream's wake-up, the desk's
  write transaction and the delivery together. Snapshots (the first event of a stream) are not counted.
Both on one machine, so the clocks agree. Reported: p50/p95/p99/max per kind, counts, responses by status,
the server log's tracebacks. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.server import HOST, TLS, launch, stop_server  # noqa: E402

EXAM_BIN = str(Path(sys.executable).with_name("exam"))
SIMULATION = "sim.presale.shirts"
args_timeout = 30.0  # connect/write timeout of a stream (reads wait as long as the stream lives)
PROFILE = f"""profile:
  id: bench.desk
  title: 接待台压测
  source: {{seed: 004_71c5b7a6f1ecf885.txt, section: 售前客服岗位说明书}}
  sections:
    - id: simulation
      title: 模拟接待台
      time_limit: 960
      draw:
        - {{type: chat_simulation, count: 1, questions: [{SIMULATION}]}}
  criteria:
    - {{id: quality, label: 接待质量, input: simulation.quality, weight: 1}}
  bands:
    - {{min: 0, label: 全部}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Seat:
    """One candidate's attempt and browser cookies."""

    attempt_id: int
    cookies: dict[str, str]
    csrf: str
    starts_at: float = 0.0  # epoch seconds


def seed(env: dict[str, str], url: str, tmp: Path, secret: str, n: int) -> list[Seat]:
    """Database, the simulations and the bench profile, one opening, N started exams with their cookies."""
    profile_dir = tmp / "profile"
    profile_dir.mkdir()
    (profile_dir / "bench.yaml").write_text(PROFILE, "utf-8")
    for args in (["init"], ["bank", "import", str(ROOT / "question_banks" / "simulations"), str(profile_dir)]):
        done = subprocess.run([EXAM_BIN, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            sys.exit(f"exam {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    from exam import security
    from exam.db import make_engine, session_scope
    from exam.models import Role
    from exam.services import accounts, attempts, openings
    from exam.settings import Settings
    from exam.timeutil import utcnow
    from exam.web.cookies import CSRF_COOKIE, SESSION_COOKIE

    settings = Settings()
    engine = make_engine(url)
    seats = []
    with session_scope(engine) as session:
        hr = accounts.create_user(session, "bench-hr", Role.hr, "Bench-hr-2026!")
        now = utcnow()
        opening = openings.create_opening(
            session,
            title="接待台压测",
            profile_id="bench.desk",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            show_result=False,
            actor=hr,
        )
        for i in range(n):
            invitation, _ = openings.invite(
                session, opening, name=f"压测考生{i + 1}", email=f"desk{i + 1}@example.com", actor=hr, secret_key=secret
            )
            candidate = openings.candidate_for(session, invitation)
            attempts.accept_notice(session, invitation, now)
            attempt = attempts.start_attempt(session, invitation, candidate, now=now)
            cookie = security.new_token()
            token = accounts.start_session(session, settings, candidate)
            seats.append(
                Seat(attempt.id, {SESSION_COOKIE: token, CSRF_COOKIE: cookie}, security.csrf_token_for(secret, cookie))  # type: ignore[arg-type]
            )
    engine.dispose()
    return seats


def schedule(url: str, seats: list[Seat], ramp: float) -> None:
    """Each desk's clock starts when its candidate sits down: spread over ``ramp`` s from a few seconds on."""
    from sqlmodel import select

    from exam.db import make_engine, session_scope
    from exam.models import Attempt, AttemptSection
    from exam.timeutil import utcnow

    first = utcnow() + timedelta(seconds=3)
    engine = make_engine(url)
    with session_scope(engine) as session:
        for index, seat in enumerate(seats):
            start = first + timedelta(seconds=ramp * index / max(1, len(seats)))
            seat.starts_at = start.timestamp()
            section = session.exec(select(AttemptSection).where(AttemptSection.attempt_id == seat.attempt_id)).one()
            attempt = session.get(Attempt, seat.attempt_id)
            assert attempt is not None
            section.started_at, section.deadline_at = start, start + timedelta(seconds=960)
            attempt.started_at, attempt.deadline_at = start, start + timedelta(seconds=960)
            session.add_all([section, attempt])
    engine.dispose()


def start_server(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    """`exam serve` with these workers, once it answers."""
    return launch(
        [EXAM_BIN, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)], env, port, log_path
    )


# --- the candidates ------------------------------------------------------------------------------------------


@dataclass
class Stats:
    send_ms: list[float] = field(default_factory=list)
    receive_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    errors: Counter = field(default_factory=Counter)  # type: ignore[type-arg]
    streams: int = 0
    reconnects: int = 0


@dataclass
class Desk:
    """What one candidate's page knows of their desk."""

    started_at: float = 0.0  # the desk's zero, epoch seconds
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    chats: list[dict[str, Any]] = field(default_factory=list)
    live: bool = True

    def merge(self, view: dict[str, Any]) -> list[dict[str, Any]]:
        """Take a snapshot or update in; the customer messages that are new."""
        self.started_at = datetime.fromisoformat(view["started_at"]).timestamp()
        self.chats = view["chats"]
        self.live = bool(view["live"])
        new = []
        for m in view["messages"]:
            chat = self.messages.setdefault(m["chat"], [])
            while len(chat) <= m["i"]:
                chat.append({})
            if not chat[m["i"]]:
                chat[m["i"]] = m
                if m["from"] == "customer":
                    new.append(m)
        return new


@lru_cache(maxsize=1)
def answers() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The good answers by customer and step, and the step of each customer message text."""
    import yaml

    data = json.loads((ROOT / "exam" / "data" / "simulations" / "demo_answers.json").read_text("utf-8"))[SIMULATION]
    bank = yaml.safe_load((ROOT / "question_banks" / "simulations" / "presale.yaml").read_text("utf-8"))
    steps = {}
    for customer in bank["questions"][0]["customers"]:
        for step in customer["steps"]:
            steps[f"{customer['id']}:{step['message']}"] = step["id"]
    return data, steps


async def stream(client: httpx.AsyncClient, url: str, desk: Desk, stats: Stats, stop: float) -> None:
    """Read the desk's stream until the end of the run (reconnecting like EventSource)."""
    first = True
    while time.time() < stop and desk.live:
        try:
            async with client.stream("GET", url, timeout=httpx.Timeout(args_timeout, read=None)) as response:
                stats.statuses[f"stream {response.status_code}"] += 1
                if response.status_code != 200:
                    return
                stats.streams += 1 if first else 0
                stats.reconnects += 0 if first else 1
                first, event = False, ""
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event in ("snapshot", "update"):
                        arrived = time.time()
                        new = desk.merge(json.loads(line[6:]))
                        if event == "update":
                            stats.receive_ms += [1000 * (arrived - desk.started_at - m["at"]) for m in new]
                    elif line.startswith("data: ") and event in ("over", "closed"):
                        desk.live = False
                        return
                    if time.time() >= stop:
                        return
        except (httpx.HTTPError, ValueError) as exc:
            stats.errors[f"stream {type(exc).__name__}"] += 1
            await asyncio.sleep(2)


async def candidate(index: int, seat: Seat, base: str, args: argparse.Namespace, stats: Stats, stop: float) -> None:
    good, steps = answers()
    rng = random.Random(index)
    await asyncio.sleep(max(0.0, seat.starts_at - time.time()))
    desk_url = f"/candidate/attempts/{seat.attempt_id}/desk/0"
    async with httpx.AsyncClient(verify=TLS, base_url=base, cookies=seat.cookies, timeout=args.timeout) as client:
        desk = Desk()
        reader = asyncio.create_task(stream(client, desk_url + "/stream", desk, stats, stop))
        await asyncio.sleep(rng.uniform(0, args.interval))
        sent = 0
        while time.time() < stop and desk.live:
            waiting = [c for c in desk.chats if c["status"] == "open" and c["unanswered"] > 0]
            if waiting:
                chat = rng.choice(waiting)["id"]
                last = next((m for m in reversed(desk.messages.get(chat, [])) if m.get("from") == "customer"), {})
                step = steps.get(f"{chat}:{last.get('text')}", "")
                text = good.get(chat, {}).get(step) or "您好，收到，我马上为您处理。"
                known = {c: len(ms) for c, ms in desk.messages.items()}
                body = {"customer": chat, "text": text, "cid": f"{index}-{sent}", "known": known}
                t0 = time.perf_counter()
                try:
                    r = await client.post(desk_url + "/messages", json=body, headers={"X-CSRF-Token": seat.csrf})
                    stats.send_ms.append(1000 * (time.perf_counter() - t0))
                    stats.statuses[f"send {r.status_code}"] += 1
                    if r.status_code == 200:
                        desk.merge(r.json())
                        sent += 1
                except httpx.HTTPError as exc:
                    stats.errors[f"send {type(exc).__name__}"] += 1
            await asyncio.sleep(args.interval)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


def percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(-(-p * len(ordered) // 100)) - 1))], 1)

    return {"count": len(ordered), "p50": at(50), "p95": at(95), "p99": at(99), "max": round(ordered[-1], 1)}


async def lag(stats: Stats, stop: float) -> None:
    """The load generator's own delay (its event loop's lag), which the client-side times include."""
    while time.time() < stop:
        began = time.perf_counter()
        await asyncio.sleep(0.1)
        stats.lag_ms.append(1000 * (time.perf_counter() - began - 0.1))


async def run(base: str, seats: list[Seat], args: argparse.Namespace) -> Stats:
    stats = Stats()
    answers()  # read the bank once, before the clients start (parsing YAML would stall the event loop)
    stop = max(seat.starts_at for seat in seats) + args.duration
    tasks = [asyncio.create_task(candidate(i, seat, base, args, stats, stop)) for i, seat in enumerate(seats)]
    tasks.append(asyncio.create_task(lag(stats, stop)))
    await asyncio.wait(tasks, timeout=stop - time.time() + args.timeout + 15)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between a candidate's messages")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds at the desk after the ramp")
    parser.add_argument("--ramp", type=float, default=30.0, help="the desks open over this many seconds")
    parser.add_argument("--workers", type=int, default=1, help="exam serve --workers")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file, server log)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="exam-desk-"))
    url = f"sqlite:///{tmp}/desk.sqlite3"
    secret = secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        {
            "EXAM_DATABASE_URL": url,
            "EXAM_DATA_DIR": str(tmp),
            "EXAM_SECRET_KEY": secret,
            "EXAM_ENVIRONMENT": "development",
            "EXAM_TRUSTED_PROXIES": "false",
        }
    )
    os.environ.update({k: v for k, v in env.items() if k.startswith("EXAM_")})
    seats = seed(env, url, tmp, secret, args.candidates)
    port = free_port()
    log_path = tmp / "server.log"
    proc = start_server(env, port, args.workers, log_path)
    began = time.perf_counter()
    try:
        schedule(url, seats, args.ramp)
        stats = asyncio.run(run(f"http://{HOST}:{port}", seats, args))
    finally:
        stop_server(proc)
    elapsed = time.perf_counter() - began
    log = log_path.read_text(errors="replace")
    report = {
        "candidates": args.candidates,
        "interval_s": args.interval,
        "duration_s": args.duration,
        "note": "client-side times; the load generator runs on the same machine",
        "ramp_s": args.ramp,
        "workers": args.workers,
        "elapsed_s": round(elapsed, 1),
        "streams": stats.streams,
        "reconnects": stats.reconnects,
        "send_ms": percentiles(stats.send_ms),
        "receive_ms": percentiles(stats.receive_ms),
        "client_lag_ms": percentiles(stats.lag_ms),
        "statuses": dict(stats.statuses),
        "errors": dict(stats.errors),
        "server_tracebacks": log.count("Traceback"),
        "database_locked": log.count("database is locked"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.keep:
        report["folder"] = str(tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(f"{args.candidates} candidates at the desk, a message every {args.interval:g} s, {args.duration:g} s")
    for kind in ("send_ms", "receive_ms", "client_lag_ms"):
        print(f"  {kind:<11} {report[kind]}")
    print(f"  streams {stats.streams}, reconnects {stats.reconnects}, statuses {dict(stats.statuses)}")
    print(f"  errors {dict(stats.errors)}, server tracebacks {report['server_tracebacks']}")
    print(f"  load average {report['load_average']}")


if __name__ == "__main__":
    main()

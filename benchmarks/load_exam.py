"""Load test of the candidate exam against a real `exam serve` subprocess on 127.0.0.1.

Creates a fresh database (a SQLite file in a temporary folder, or the PostgreSQL database given with
``--database-url``: its ``public`` schema is dropped and recreated), runs ``exam demo --force`` and adds
N invitations to the demo opening (``exam.services.openings.invite``), starts
``exam serve --workers W`` and lets N simulated candidates (asyncio + httpx, one cookie jar each, at
most ``--concurrency`` requests in flight) do what the exam page does: follow the link, read the
notice, start, load the exam page, start the typing tests and type the passage (autosaves of a growing
text with the version counter), submit the section, pick choices (some picked again), submit, write
replies growing as typed, poll ``/state`` and reload the page now and then. Every candidate stops after
``--max-saves`` saves or at the end of ``--duration`` seconds, whichever comes first; requests still in
flight then get ``--timeout`` seconds; the whole load phase is cut after duration + timeout + 15 s.
The server is then stopped and the database read back: each answer the client saved must hold the last
text/pick the server acknowledged (lost writes must be 0), and the version the client tracked.

Reports requests/s, p50/p95/p99 latency per request kind, responses by status (unexpected ones are
findings: 409 "stale" should be 0 because the client tracks versions; any 5xx or "database is locked"
is a bug), the server log's tracebacks and the database check. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.server import HOST, TLS, exam_env, launch, stop_server  # noqa: E402

EXAM_BIN = str(Path(sys.executable).with_name("exam"))

CSRF_RE = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')
ITEM_RE = re.compile(r'data-position="(\d+)" data-type="(\w+)" data-version="(\d+)"')
SECTION_RE = re.compile(r'id="exam" class="exam"\s+data-attempt="(\d+)" data-section="([^"]+)"')
PAGE_ID_RE = re.compile(r'data-page="([^"]+)"')
IS_LAST_RE = re.compile(r'id="submit-form"')
PASSAGE_RE = re.compile(r'<div class="passage" id="passage-(\d+)"[^>]*>(.*?)</div>', re.S)
OPTION_RE = re.compile(r'name="(choices?|answer)-(\d+)" value="([^"]+)"')

REPLY_TEXT = (
    "亲，您好！很高兴为您服务～非常理解您的心情，这边帮您确认了一下：这款商品今天下单，48 小时内发货，"
    "默认发中通快递，偏远地区可能会慢一两天。如果收到后尺码不合适，支持七天无理由退换，运费险已经帮您勾选好了。"
    "我这边马上帮您跟进处理，有结果第一时间通知您。感谢您的理解与支持，祝您生活愉快！"
)
MAX_SECTIONS = 10  # page -> section -> submit rounds per candidate at most
EXPECTED = {
    "link": (303,),
    "intro": (200,),
    "start": (303,),
    "page": (200, 303),
    "state": (200,),
    "save": (200,),
    "typing_start": (200,),
    "submit": (303,),
    "done": (200,),
}


# --- database and server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def reset_postgres(url: str, allow_any: bool) -> None:
    """Drop and recreate the public schema of the benchmark's PostgreSQL database."""
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database or ""
    if "bench" not in name and not allow_any:
        sys.exit(
            f"refusing to wipe PostgreSQL database {name!r}: its name must contain 'bench' "
            "(or pass --allow-any-database)"
        )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def seed(env: dict[str, str], url: str, secret: str, n: int, exam_bin: str = EXAM_BIN) -> tuple[int, list[str]]:
    """`exam demo --force` (with the `exam` that will serve: its own migrations), then N invitations to the demo
    opening: (opening id, link tokens)."""
    demo = subprocess.run([exam_bin, "demo", "--force"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if demo.returncode != 0:
        sys.exit("exam demo failed:\n" + demo.stdout + demo.stderr)
    from sqlmodel import select

    from exam.db import make_engine, session_scope
    from exam.models import Opening
    from exam.services import accounts, openings

    engine = make_engine(url)
    tokens = []
    openings._duplicate = lambda *_args: None  # type: ignore[attr-defined]  # the addresses are unique: skip the O(n) check per invite
    with session_scope(engine) as session:
        live = [o for o in session.exec(select(Opening).order_by(Opening.id)) if openings.window_state(o) == "open"]
        assert live, "the demo created no open opening"
        opening = live[0]  # the demo's current opening (its history has closed ones)
        hr = accounts.get_user(session, "hr")
        for i in range(n):
            _, token = openings.invite(
                session, opening, name=f"压测考生{i + 1}", email=f"load{i + 1}@example.com", actor=hr, secret_key=secret
            )
            tokens.append(token)
        opening_id = opening.id
    engine.dispose()
    return opening_id, tokens  # type: ignore[return-value]


def start_server(env: dict[str, str], port: int, workers: int, log_path: Path, exam_bin: str) -> subprocess.Popen:  # type: ignore[type-arg]
    """`exam serve` with these workers, once it answers."""
    return launch(
        [exam_bin, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)], env, port, log_path
    )


# --- the simulated candidates ------------------------------------------------------------------------------


@dataclass
class Item:
    """One question on the candidate's page, as the page script tracks it."""

    position: int
    type: str
    version: int
    options: list[str] = field(default_factory=list)
    passage: str = ""
    acked: dict[str, Any] | None = None  # the last answer the server confirmed (200, or 409 with our data)
    sent: dict[str, Any] | None = None  # the last answer sent
    uncertain: bool = False  # the last save got no reply (timeout): it may or may not be stored
    closed: bool = False
    started: bool = False
    saves: int = 0
    inputs: int = 0


@dataclass
class Candidate:
    index: int
    token: str
    attempt_id: int | None = None
    items: dict[int, Item] = field(default_factory=dict)
    saves: int = 0
    sections_done: int = 0
    finished: bool = False
    stopped_by: str = ""


class Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.when: dict[str, list[tuple[float, float]]] = defaultdict(list)  # (sent at, answered at), monotonic
        self.status: Counter[tuple[str, str]] = Counter()
        self.stale = 0
        self.stale_own = 0  # 409 stale whose stored answer was ours (a lost reply): harmless
        self.closed = 0
        self.page_version_mismatch = 0
        self.samples: list[str] = []

    def note(self, kind: str, status: str, ms: float, detail: str = "") -> None:
        self.latency[kind].append(ms)
        now = time.monotonic()
        self.when[kind].append((now - ms / 1000, now))
        self.status[(kind, status)] += 1
        if status.isdigit() and int(status) in EXPECTED.get(kind, (200,)):
            return
        if len(self.samples) < 20:
            self.samples.append(f"{kind} {status}: {detail[:300]}")


class Load:
    def __init__(self, args: argparse.Namespace, base: str) -> None:
        self.args, self.base = args, base
        self.stats = Stats()
        self.sem = asyncio.Semaphore(args.concurrency)
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.duration

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    async def think(self, rng: random.Random) -> None:
        ms = self.args.think_ms * rng.uniform(0.5, 1.5)
        await asyncio.sleep(max(0.0, min(ms / 1000, self.deadline - time.monotonic())))

    async def call(
        self, client: httpx.AsyncClient, kind: str, method: str, url: str, **kw: Any
    ) -> httpx.Response | None:
        async with self.sem:
            start = time.perf_counter()
            try:
                r = await client.request(method, url, **kw)
            except httpx.HTTPError as exc:
                self.stats.note(kind, type(exc).__name__, (time.perf_counter() - start) * 1000, f"{method} {url}")
                return None
            ms = (time.perf_counter() - start) * 1000
        self.stats.note(kind, str(r.status_code), ms, f"{method} {url} -> {r.text[:200]!r}")
        return r

    # -- the page ---------------------------------------------------------------------------------------

    def parse_page(self, cand: Candidate, text: str) -> tuple[str, list[int]]:
        """The running section's id and its item positions; updates the tracked items (checks versions)."""
        head = SECTION_RE.search(text)
        if head is None:
            return "", []
        positions = []
        passages = {int(p): html.unescape(re.sub(r"\s+", "", body)) for p, body in PASSAGE_RE.findall(text)}
        options: dict[int, list[str]] = defaultdict(list)
        for _, pos, value in OPTION_RE.findall(text):
            options[int(pos)].append(value)
        for pos_s, qtype, version_s in ITEM_RE.findall(text):
            pos, version = int(pos_s), int(version_s)
            positions.append(pos)
            item = cand.items.get(pos)
            if item is None:
                cand.items[pos] = Item(pos, qtype, version, options.get(pos, []), passages.get(pos, ""))
                continue
            if version != item.version and not item.uncertain:
                self.stats.page_version_mismatch += 1
            item.version = version  # a reload shows the stored version (the page script restarts from it)
            item.uncertain = False
        return head.group(2), positions

    async def load_page(self, client: httpx.AsyncClient, cand: Candidate) -> tuple[str, list[int]]:
        r = await self.call(client, "page", "GET", f"/candidate/attempts/{cand.attempt_id}")
        if r is None or r.status_code != 200:
            return "", []
        return self.parse_page(cand, r.text)

    # -- saving ---------------------------------------------------------------------------------------------

    def next_answer(self, item: Item, rng: random.Random) -> dict[str, Any] | None:
        """What the candidate has on screen after some more typing / another click."""
        if item.type in ("typing", "reply"):
            source = item.passage or REPLY_TEXT
            current = len((item.sent or {}).get("text", ""))
            if current >= len(source):
                return None
            added = rng.randint(2, 6) if item.type == "typing" else rng.randint(3, 10)
            item.inputs += added
            return {"text": source[: current + added]}
        if not item.options:
            return None
        item.inputs += 1
        if item.type == "single_choice":
            return {"choice": rng.choice(item.options)}
        if item.type == "multiple_choice":
            return {"choices": sorted(rng.sample(item.options, rng.randint(1, len(item.options))))}
        return {"answer": rng.choice(item.options)}  # true_false: "true" / "false"

    async def save(
        self, client: httpx.AsyncClient, cand: Candidate, item: Item, data: dict[str, Any], csrf: str, page_id: str
    ) -> None:
        body = {
            "version": item.version,
            "answer": data,
            "meta": {"inputs": item.inputs, "page": page_id, "restored": False},
        }
        item.sent = data
        cand.saves += 1
        item.saves += 1
        r = await self.call(
            client,
            "save",
            "POST",
            f"/candidate/attempts/{cand.attempt_id}/items/{item.position}",
            json=body,
            headers={"X-CSRF-Token": csrf},
        )
        if r is None:
            item.uncertain = True  # like the page: the next save carries the same version
            return
        try:
            b = r.json()
        except ValueError:
            b = {}
        if r.status_code == 200 and b.get("ok"):
            item.version, item.acked, item.uncertain = b["version"], data, False
        elif r.status_code == 409 and b.get("error") == "stale":
            self.stats.stale += 1
            if same(pick(b.get("response") or {}, data), data):
                self.stats.stale_own += 1  # our earlier save went through; its reply was lost
                item.acked = data
            else:
                item.acked = pick(b.get("response") or {}, data)  # the stored answer wins; the page shows it
            item.version, item.uncertain = b.get("version", item.version), False
        elif r.status_code == 409:
            self.stats.closed += 1
            item.closed = True
        # 5xx / 4xx: not stored (the transaction rolled back); the next save retries with the same version

    async def typing_start(self, client: httpx.AsyncClient, cand: Candidate, item: Item, csrf: str) -> None:
        r = await self.call(
            client,
            "typing_start",
            "POST",
            f"/candidate/attempts/{cand.attempt_id}/items/{item.position}/start",
            json={},
            headers={"X-CSRF-Token": csrf},
        )
        if r is not None and r.status_code == 200:
            item.version, item.started = r.json()["version"], True
            if item.acked is None:
                item.acked = {"text": ""}  # the server stored the clock start with an empty text
        elif r is not None and r.status_code == 409:
            item.closed = True

    # -- one candidate ----------------------------------------------------------------------------------------

    async def run(self, cand: Candidate) -> None:
        rng = random.Random(self.args.seed * 100_003 + cand.index)
        await asyncio.sleep(rng.uniform(0, min(self.args.ramp, self.args.duration)))
        async with httpx.AsyncClient(
            verify=TLS,
            base_url=self.base,
            follow_redirects=False,
            timeout=self.args.timeout,
            headers={"User-Agent": f"exam-load/{cand.index}"},
        ) as client:
            try:
                await self._run(client, cand, rng)
            except (KeyError, ValueError, AssertionError) as exc:  # an unexpected page: a finding
                self.stats.samples.append(f"candidate {cand.index}: {type(exc).__name__}: {exc}")
                cand.stopped_by = "error"

    async def _run(self, client: httpx.AsyncClient, cand: Candidate, rng: random.Random) -> None:
        args = self.args
        if self.over():
            cand.stopped_by = "time"
            return
        r = await self.call(client, "link", "GET", f"/i/{cand.token}")
        if r is None or r.status_code != 303:
            cand.stopped_by = "error"
            return
        intro = r.headers["location"]
        r = await self.call(client, "intro", "GET", intro)
        if r is None or r.status_code != 200:
            cand.stopped_by = "error"
            return
        match = CSRF_RE.search(r.text)
        assert match, "no CSRF token on the notice page"
        csrf = match.group(1)
        await self.think(rng)
        r = await self.call(client, "start", "POST", f"{intro}/start", data={"accept": "1", "csrf_token": csrf})
        if r is None or r.status_code != 303:
            cand.stopped_by = "error"
            return
        cand.attempt_id = int(r.headers["location"].rstrip("/").rsplit("/", 1)[1])
        for _round in range(MAX_SECTIONS):
            if self.over() or cand.saves >= args.max_saves:
                break
            r = await self.call(client, "page", "GET", f"/candidate/attempts/{cand.attempt_id}")
            if r is None or r.status_code != 200:
                cand.stopped_by = "error" if r is None or r.status_code != 303 else "finished"
                return
            section, positions = self.parse_page(cand, r.text)
            found = PAGE_ID_RE.search(r.text)
            page_id = found.group(1) if found else ""
            if not section:
                cand.stopped_by = "error"
                return
            await self.section(client, cand, rng, positions, csrf, page_id)
            if self.over() or cand.saves >= args.max_saves:
                break
            # the section's work is done: submit it (the last one finishes the exam, which grades it)
            await self.think(rng)
            r = await self.call(
                client,
                "submit",
                "POST",
                f"/candidate/attempts/{cand.attempt_id}/sections/{section}/submit",
                data={"csrf_token": csrf, "auto": "0"},
            )
            if r is None or r.status_code != 303:
                cand.stopped_by = "error"
                return
            cand.sections_done += 1
            if r.headers["location"].endswith("/done"):
                cand.finished = True
                await self.call(client, "done", "GET", r.headers["location"])
                cand.stopped_by = "finished"
                return
        cand.stopped_by = cand.stopped_by or ("saves" if cand.saves >= args.max_saves else "time")

    async def section(
        self,
        client: httpx.AsyncClient,
        cand: Candidate,
        rng: random.Random,
        positions: list[int],
        csrf: str,
        page_id: str,
    ) -> None:
        """Work through one section: type/answer each item with bounded saves, poll state, reload sometimes."""
        args = self.args
        since_state = since_page = 0
        for pos in positions:
            item = cand.items[pos]
            if item.type == "typing" and not item.started and not item.closed:
                await self.typing_start(client, cand, item, csrf)
            budget = {"typing": args.text_saves, "reply": args.text_saves}.get(item.type, 1 + (rng.random() < 0.25))
            for _ in range(budget):
                if self.over() or cand.saves >= args.max_saves or item.closed:
                    return
                data = self.next_answer(item, rng)
                if data is None:
                    break
                await self.think(rng)
                if self.over():
                    return
                await self.save(client, cand, item, data, csrf, page_id)
                since_state += 1
                since_page += 1
                if since_state >= args.state_every and not self.over():
                    since_state = 0
                    await self.call(client, "state", "GET", f"/candidate/attempts/{cand.attempt_id}/state")
                if since_page >= args.page_every and not self.over():
                    since_page = 0
                    await self.load_page(client, cand)


def same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def pick(response: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The stored (public) response in the shape the client sent (as the page script compares them)."""
    out: dict[str, Any] = {}
    for key in data:
        value = response.get(key)
        if key == "answer":
            value = "" if value is None else str(value).lower()
        elif key == "choice":
            value = "" if value is None else value
        elif key == "choices":
            value = sorted(value or [])
        elif key == "text":
            value = value or ""
        out[key] = value
    return out


# --- after the run: the database ------------------------------------------------------------------------------


def check_database(url: str, candidates: list[Candidate]) -> dict[str, Any]:
    """Every answer the client saved holds the last acknowledged data (and the tracked version)."""
    from sqlmodel import Session, select

    from exam.db import make_engine
    from exam.models import Answer, Attempt
    from exam.services.attempts import item_at, public_response

    engine = make_engine(url)
    out: Counter[str] = Counter()
    problems: list[str] = []
    with Session(engine) as session:
        for cand in candidates:
            if cand.attempt_id is None:
                continue
            attempt = session.get(Attempt, cand.attempt_id)
            out["attempts"] += 1
            out[f"status_{attempt.status}"] += 1  # type: ignore[union-attr]
            stored = {a.position: a for a in session.exec(select(Answer).where(Answer.attempt_id == cand.attempt_id))}
            for pos, item in cand.items.items():
                if item.sent is None:
                    continue
                out["answers_saved"] += 1
                answer = stored[pos]
                entry = item_at(attempt, pos)  # type: ignore[arg-type]
                got = pick(public_response(answer.response, entry.item if entry else None), item.sent)
                if item.acked is not None and same(got, pick(item.acked, item.sent)) and answer.version == item.version:
                    out["last_acked_stored"] += 1
                    if same(item.acked, item.sent):
                        out["last_sent_stored"] += 1
                elif item.uncertain and same(got, item.sent):
                    out["unanswered_save_stored"] += 1  # the reply was lost, the write was not
                elif item.acked is None and answer.version == 0:
                    out["never_acked_never_stored"] += 1  # every save of it failed: nothing to lose
                else:
                    out["lost_writes"] += 1
                    if len(problems) < 10:
                        problems.append(
                            f"attempt {cand.attempt_id} position {pos}: client acked "
                            f"{json.dumps(item.acked, ensure_ascii=False)[:120]} v{item.version}, "
                            f"stored {json.dumps(got, ensure_ascii=False)[:120]} v{answer.version}"
                        )
    engine.dispose()
    out.setdefault("lost_writes", 0)
    return {"counts": dict(out), "problems": problems}


APP_FRAME_RE = re.compile(r'File "([^"]*/exam/[^"]+)", line (\d+), in (\S+)')


def scan_log(path: Path) -> dict[str, Any]:
    """Statuses of the access log, and the server's tracebacks grouped by app frames + exception."""
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    statuses: Counter[str] = Counter()
    for line in lines:
        m = re.search(r'HTTP/1\.[01]" (\d{3})', line)
        if m:
            statuses[m.group(1)] += 1
    signatures: Counter[str] = Counter()
    block: list[str] = []

    def close(block: list[str]) -> None:
        frames = [
            f"{Path(m.group(1)).name}:{m.group(2)} {m.group(3)}"
            for m in map(APP_FRAME_RE.search, block)
            if m and "site-packages" not in m.group(1)
        ]
        errors = [b for b in block if re.match(r"^[A-Za-z_][\w.]*: ", b)] or [
            b for b in block if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Disconnect|Timeout)$", b)
        ]
        signatures[" > ".join(frames[-4:]) + " | " + (errors[-1][:200] if errors else "?")] += 1

    for line in lines:
        if line.startswith(("INFO:", "WARNING:", "ERROR:", "CRITICAL:")) and block:
            close(block)
            block = []
        if line.startswith("Traceback (most recent call last)") and not block:
            block = [line]
        elif block:
            block.append(line)
    if block:
        close(block)
    return {
        "access_log_statuses": dict(sorted(statuses.items())),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "database_is_locked": text.lower().count("database is locked"),
        "error_lines": sum(1 for line in lines if line.startswith(("ERROR", "CRITICAL"))),
        "traceback_signatures": dict(signatures.most_common(10)),
    }


# --- the one-insert ceiling and the server's memory ------------------------------------------------------------


def start_ceiling(
    env: dict[str, str], url: str, mode: str, port: int, workers: int, log_path: Path
) -> subprocess.Popen:  # type: ignore[type-arg]
    """`uvicorn benchmarks.ceiling_app` with the exam's server options (same workers, same stack)."""
    cenv = dict(env, CEILING_DATABASE_URL=url, CEILING_MODE=mode, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "uvicorn", "benchmarks.ceiling_app:create_app", "--factory"]
    cmd += ["--host", HOST, "--port", str(port), "--workers", str(workers), "--no-access-log"]
    return launch(cmd, cenv, port, log_path, "the ceiling app")


def run_ceiling(base: str, concurrency: int, seconds: float, timeout: float) -> dict[str, Any]:
    """`concurrency` clients POST one row each, back to back, for `seconds`: saves/s and latency."""
    latency: list[float] = []
    status: Counter[str] = Counter()

    async def one(i: int, deadline: float) -> None:
        async with httpx.AsyncClient(verify=TLS, base_url=base, timeout=timeout) as client:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                start = time.perf_counter()
                try:
                    r = await client.post("/save", json={"client": i, "text": REPLY_TEXT[: 20 + n % 100]})
                    status[str(r.status_code)] += 1
                except httpx.HTTPError as exc:
                    status[type(exc).__name__] += 1
                    continue
                latency.append((time.perf_counter() - start) * 1000)

    async def all_clients() -> float:
        t0 = time.monotonic()
        await asyncio.gather(*(one(i, t0 + seconds) for i in range(concurrency)))
        return time.monotonic() - t0

    elapsed = asyncio.run(all_clients())
    ok = status.get("200", 0)
    return {
        "seconds": round(elapsed, 2),
        "saves_per_second": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latency, 50), 1),
        "p95_ms": round(percentile(latency, 95), 1),
        "status": dict(status),
    }


class MemorySampler:
    """Peak resident memory of each process of the server's process group (the workers), sampled each second."""

    def __init__(self, pgid: int) -> None:
        import threading

        self.pgid, self.peak = pgid, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            for proc_dir in Path("/proc").iterdir():
                if not proc_dir.name.isdigit():
                    continue
                try:
                    stat = (proc_dir / "stat").read_text()
                    pgrp = int(stat.rsplit(")", 1)[1].split()[2])
                    if pgrp != self.pgid:
                        continue
                    for line in (proc_dir / "status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1]) / 1024
                            self.peak[proc_dir.name] = max(self.peak.get(proc_dir.name, 0.0), rss)
                except (OSError, ValueError, IndexError):
                    continue

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join(timeout=5)
        values = sorted(self.peak.values(), reverse=True)
        return {"processes": len(values), "peak_rss_mb": [round(v, 1) for v in values]}


# --- report --------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def summary(load: Load, candidates: list[Candidate], elapsed: float) -> dict[str, Any]:
    st = load.stats
    total = sum(len(v) for v in st.latency.values())
    kinds = {}
    for kind in ("link", "intro", "start", "page", "state", "typing_start", "save", "submit", "done"):
        v = st.latency.get(kind)
        if v:
            kinds[kind] = {
                "n": len(v),
                "p50_ms": round(percentile(v, 50), 1),
                "p95_ms": round(percentile(v, 95), 1),
                "p99_ms": round(percentile(v, 99), 1),
                "max_ms": round(max(v), 1),
            }
    unexpected = {
        f"{k} {s}": n
        for (k, s), n in sorted(st.status.items())
        if not (s.isdigit() and int(s) in EXPECTED.get(k, (200,)))
    }
    # the steady state: requests sent after the last candidate's start was answered (the ramp and the start
    # spike are over; every candidate is in the exam)
    starts_done = max((end for _, end in st.when.get("start", [])), default=None)
    steady: dict[str, Any] = {}
    if starts_done is not None:
        steady["after_s"] = round(starts_done - load.t0, 1)
        window = max(0.0, min(load.t0 + elapsed, load.deadline) - starts_done)
        steady["seconds"] = round(window, 1)
        for kind in ("save", "state", "page"):
            v = [
                ms
                for (sent, _), ms in zip(st.when.get(kind, []), st.latency.get(kind, []), strict=True)
                if sent > starts_done
            ]
            if v:
                steady[kind] = {
                    "n": len(v),
                    "p50_ms": round(percentile(v, 50), 1),
                    "p95_ms": round(percentile(v, 95), 1),
                    "p99_ms": round(percentile(v, 99), 1),
                }
        if window > 0 and "save" in steady:
            steady["saves_per_second"] = round(steady["save"]["n"] / window, 1)
    return {
        "requests": total,
        "seconds": round(elapsed, 2),
        "steady": steady,
        "requests_per_second": round(total / elapsed, 1),
        "saves_per_second": round(len(st.latency.get("save", [])) / elapsed, 1),
        "kinds": kinds,
        "status": {f"{k} {s}": n for (k, s), n in sorted(st.status.items())},
        "unexpected": unexpected,
        "stale_409": st.stale,
        "stale_409_own_write": st.stale_own,
        "closed_409": st.closed,
        "page_version_mismatch": st.page_version_mismatch,
        "candidates": {
            "started": sum(1 for c in candidates if c.attempt_id),
            "sections_submitted": sum(c.sections_done for c in candidates),
            "finished_exam": sum(1 for c in candidates if c.finished),
            "stopped_by": dict(Counter(c.stopped_by or "?" for c in candidates)),
        },
        "samples": st.samples,
    }


def print_report(result: dict[str, Any]) -> None:
    cfg, s = result["config"], result["load"]
    print(
        f"\n== exam load: {cfg['engine']}, {cfg['workers']} worker(s), {cfg['candidates']} candidates, "
        f"≤{cfg['concurrency']} in flight, think {cfg['think_ms']} ms, {cfg['duration']} s =="
    )
    print(
        f"requests {s['requests']} in {s['seconds']} s: {s['requests_per_second']} req/s "
        f"({s['saves_per_second']} saves/s); client CPU {result['client_cpu_s']} s, server CPU "
        f"{result['server_cpu_s']} s"
    )
    print(f"{'kind':<13}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, k in s["kinds"].items():
        print(f"{kind:<13}{k['n']:>7}{k['p50_ms']:>9}{k['p95_ms']:>9}{k['p99_ms']:>9}{k['max_ms']:>9}")
    steady = s.get("steady") or {}
    if "save" in steady:
        print(
            f"steady state (sent after the last start, from {steady['after_s']} s, {steady['seconds']} s): "
            + ", ".join(
                f"{k} p50/p95 {steady[k]['p50_ms']}/{steady[k]['p95_ms']} ms"
                for k in ("save", "state", "page")
                if k in steady
            )
            + f"; {steady.get('saves_per_second', 0)} saves/s"
        )
    print("responses: " + ", ".join(f"{k}: {n}" for k, n in s["status"].items()))
    print(
        f"unexpected: {s['unexpected'] or 'none'}; 409 stale {s['stale_409']} (own write {s['stale_409_own_write']}),"
        f" 409 closed {s['closed_409']}, page/version mismatches {s['page_version_mismatch']}"
    )
    print(f"candidates: {s['candidates']}")
    db = result["database"]
    print(f"database check: {db['counts']}")
    for p in db["problems"]:
        print("  LOST WRITE " + p)
    log = result["server_log"]
    print(
        f"server log: statuses {log['access_log_statuses']}, tracebacks {log['tracebacks']}, "
        f"'database is locked' {log['database_is_locked']}, ERROR lines {log['error_lines']}"
    )
    for signature, count in log["traceback_signatures"].items():
        print(f"  {count:>4} x {signature}")
    for sample in s["samples"][:10]:
        print("  sample: " + sample)
    mem = result["server_memory"]
    print(
        f"server memory: peak RSS per process {mem['peak_rss_mb']} MB; load average before {result['load_average_before']}"
    )
    c = result.get("ceiling")
    if c:
        print(
            f"ceiling ({c['mode']}, same workers and client, {cfg['concurrency']} clients, no pause): "
            f"{c['saves_per_second']} saves/s, p50 {c['p50_ms']} ms, p95 {c['p95_ms']} ms, {c['status']}; "
            f"exam saves/s / ceiling = {result.get('ratio_to_ceiling')}"
        )
    print(f"verdict: {'OK' if result['ok'] else 'FINDINGS (see above)'}; server log {result['server_log_path']}")


# --- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="exam serve --workers")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at most (all candidates)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load at most")
    parser.add_argument("--max-saves", type=int, default=120, help="autosaves per candidate at most")
    parser.add_argument("--text-saves", type=int, default=6, help="saves per typing/reply item (text growing)")
    parser.add_argument("--think-ms", type=float, default=300.0, help="mean pause between a candidate's actions")
    parser.add_argument("--ramp", type=float, default=3.0, help="candidates start within this many seconds")
    parser.add_argument("--state-every", type=int, default=5, help="GET /state after this many saves")
    parser.add_argument("--page-every", type=int, default=15, help="reload the exam page after this many saves")
    parser.add_argument("--timeout", type=float, default=20.0, help="per-request timeout (s)")
    parser.add_argument(
        "--database-url",
        help="postgresql+psycopg://... (its public schema is recreated); default: a SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="wipe a PostgreSQL database whose name does not contain 'bench'",
    )
    parser.add_argument(
        "--ceiling-seconds",
        type=float,
        default=15.0,
        help="then run the one-insert ceiling app this long (same workers, engine, client, concurrency); 0: skip",
    )
    parser.add_argument("--ceiling-mode", choices=("sqlmodel", "driver"), default="sqlmodel")
    parser.add_argument(
        "--server-exam",
        help="the `exam` command that serves (e.g. another checkout's .venv/bin/exam, for a before/after run); "
        "seeding and the ceiling always use this checkout",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (SQLite file, server log)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    for name in ("candidates", "workers", "concurrency", "max_saves", "text_saves", "state_every", "page_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be within (0, 600] seconds")

    tmp = Path(tempfile.mkdtemp(prefix="exam-load-"))
    url = args.database_url or f"sqlite:///{tmp}/load.sqlite3"
    engine_name = "postgresql" if url.startswith("postgresql") else "sqlite"
    secret = "bench-" + secrets.token_urlsafe(32)
    env = exam_env(url, tmp, secret)
    if engine_name == "postgresql":
        reset_postgres(url, args.allow_any_database)
    t = time.monotonic()
    _, tokens = seed(env, url, secret, args.candidates, args.server_exam or EXAM_BIN)
    print(
        f"seeded {engine_name} with the demo and {len(tokens)} invitations in {time.monotonic() - t:.1f} s",
        file=sys.stderr,
    )

    port = free_port()
    log_path = tmp / "server.log"
    children_before = os.times()
    load_before = os.getloadavg()
    proc = start_server(env, port, args.workers, log_path, args.server_exam or EXAM_BIN)
    memory = MemorySampler(proc.pid)
    candidates = [Candidate(i, token) for i, token in enumerate(tokens)]
    cpu0 = time.process_time()
    try:
        load = Load(args, f"http://{HOST}:{port}")

        async def run_all() -> None:
            tasks = [asyncio.create_task(load.run(c)) for c in candidates]
            done, pending = await asyncio.wait(tasks, timeout=args.duration + args.timeout + 15)
            for task in pending:  # the hard stop
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                if task.exception() is not None:
                    load.stats.samples.append(f"client task failed: {task.exception()!r}")

        asyncio.run(run_all())
        elapsed = time.monotonic() - load.t0
    finally:
        memory_result = memory.stop()
        stop_server(proc)
    client_cpu = time.process_time() - cpu0
    children_after = os.times()
    server_cpu = (
        children_after.children_user
        + children_after.children_system
        - children_before.children_user
        - children_before.children_system
    )

    ceiling: dict[str, Any] | None = None
    if args.ceiling_seconds > 0:
        ceiling_url = url if engine_name == "postgresql" else f"sqlite:///{tmp}/ceiling.sqlite3"
        cport = free_port()
        cproc = start_ceiling(env, ceiling_url, args.ceiling_mode, cport, args.workers, tmp / "ceiling.log")
        try:
            ceiling = run_ceiling(f"http://{HOST}:{cport}", args.concurrency, args.ceiling_seconds, args.timeout)
        finally:
            stop_server(cproc)
        ceiling["mode"] = args.ceiling_mode

    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine_cores": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "config": {
            "engine": engine_name,
            "workers": args.workers,
            "candidates": args.candidates,
            "concurrency": args.concurrency,
            "duration": args.duration,
            "think_ms": args.think_ms,
            "max_saves": args.max_saves,
            "server_exam": args.server_exam or EXAM_BIN,
            "text_saves": args.text_saves,
        },
        "load": summary(load, candidates, elapsed),
        "client_cpu_s": round(client_cpu, 1),
        "server_cpu_s": round(server_cpu, 1),
        "database": check_database(url, candidates),
        "server_log": scan_log(log_path),
        "server_log_path": str(log_path),
        "server_memory": memory_result,
        "ceiling": ceiling,
    }
    if ceiling and ceiling["saves_per_second"]:
        result["ratio_to_ceiling"] = round(result["load"]["saves_per_second"] / ceiling["saves_per_second"], 3)
    s, log = result["load"], result["server_log"]
    fivexx = sum(n for k, n in s["status"].items() if k.split()[-1].startswith("5"))
    result["ok"] = (
        result["database"]["counts"]["lost_writes"] == 0
        and fivexx == 0
        and not s["unexpected"]
        and log["tracebacks"] == 0
        and log["database_is_locked"] == 0
        and s["stale_409"] == 0
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_report(result)
    if not args.keep and result["ok"]:
        shutil.rmtree(tmp, ignore_errors=True)
    elif not args.keep:
        print(f"(kept {tmp} for the findings)", file=sys.stderr)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

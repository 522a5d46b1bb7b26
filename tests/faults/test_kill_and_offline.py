"""Faults: the server killed (SIGKILL) in the middle of a burst of saves keeps every acknowledged save; a
deadline that passes while the candidate is offline closes the exam with what was saved."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from exam import migrate
from exam.db import make_engine
from exam.models import Answer, Attempt, AttemptSection
from exam.services import openings, sweep
from exam.timeutil import utcnow
from tests.security.conftest import World, exam_csrf
from tests.web.candidate_helpers import make_opening, seed_bank

EXAM_BIN = str(Path(sys.executable).with_name("exam"))
KEY = "fault-secret-key-0123456789abcdef"
CSRF_RE = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    # its own process group: `exam serve` runs a worker per core under a supervisor, and a power cut takes them all
    proc = subprocess.Popen(
        [EXAM_BIN, "serve", "--port", str(port)],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    _kill(proc)
    raise RuntimeError(log.read_text())


def _kill(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """SIGKILL to the server and its workers (its process group), as a power cut of the whole server."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


@pytest.mark.skipif(not Path(EXAM_BIN).exists(), reason="the exam command is not installed")
def test_sigkill_during_a_burst_of_saves_loses_no_acknowledged_save(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/kill.sqlite3"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        seed_bank(session)
        opening = make_opening(session)
        _invitation, token = openings.invite(session, opening, name="断电", phone="13800138100", secret_key=KEY)
        session.commit()
    engine.dispose()
    env = dict(os.environ)
    env.update(
        {"EXAM_DATABASE_URL": url, "EXAM_SECRET_KEY": KEY, "EXAM_DATA_DIR": str(tmp_path), "EXAM_ENVIRONMENT": "test"}
    )
    port = _port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(env, port, tmp_path / "server.log")
    try:
        browser = httpx.Client(base_url=base, follow_redirects=False, timeout=10)
        intro = browser.get(f"/i/{token}").headers["location"]
        csrf = CSRF_RE.search(browser.get(intro).text).group(1)  # type: ignore[union-attr]
        attempt_url = browser.post(f"{intro}/start", data={"accept": "1", "csrf_token": csrf}).headers["location"]
        attempt_id = int(attempt_url.rsplit("/", 1)[1])
        csrf = CSRF_RE.search(browser.get(attempt_url).text).group(1)  # type: ignore[union-attr]
        started = browser.post(f"{attempt_url}/items/0/start", json={}, headers={"X-CSRF-Token": csrf})
        acked: list[tuple[int, str]] = []
        version = started.json()["version"]
        stop = threading.Event()

        def burst() -> None:
            nonlocal version
            text = ""
            while not stop.is_set():
                text += "您好"
                try:
                    r = browser.post(
                        f"{attempt_url}/items/0",
                        json={"version": version, "answer": {"text": text}},
                        headers={"X-CSRF-Token": csrf},
                    )
                except httpx.HTTPError:
                    return  # the server is gone: this save was never acknowledged
                if r.status_code == 200:
                    version = r.json()["version"]
                    acked.append((version, text))
                elif r.status_code == 409 and r.json().get("error") == "stale":
                    version = r.json()["version"]
                else:
                    raise AssertionError((r.status_code, r.text[:200]))

        worker = threading.Thread(target=burst)
        worker.start()
        while len(acked) < 25:
            time.sleep(0.01)
        _kill(proc)  # no shutdown, no flush: as a power cut of the server
        stop.set()
        worker.join(20)
        assert len(acked) >= 25
        proc = _serve(env, port, tmp_path / "server.log")  # restart on the same database
        state = browser.get(attempt_url)
        assert state.status_code == 200
        engine = make_engine(url)
        with Session(engine) as session:
            answer = session.exec(select(Answer).where(Answer.attempt_id == attempt_id, Answer.position == 0)).one()
        engine.dispose()
        last_version, last_text = acked[-1]
        # the last acknowledged save is there; at most the one in flight at the kill landed after it
        assert answer.version in (last_version, last_version + 1)
        if answer.version == last_version:
            assert answer.response["text"] == last_text
        else:
            assert answer.response["text"] == last_text + "您好"
    finally:
        _kill(proc)


def test_a_deadline_passing_while_the_candidate_is_offline(world: World, session, settings, engine) -> None:  # type: ignore[no-untyped-def]
    client, token = world.clients["candidate"], exam_csrf(world)
    url = f"/candidate/attempts/{world.attempt_id}"
    started = client.post(f"{url}/items/0/start", json={}, headers={"X-CSRF-Token": token})
    assert started.status_code == 200
    saved = client.post(
        f"{url}/items/0",
        json={"version": started.json()["version"], "answer": {"text": "您好亲"}},
        headers={"X-CSRF-Token": token},
    )
    assert saved.status_code == 200
    # the candidate's connection drops; the whole exam's time runs out meanwhile
    session.rollback()
    attempt = session.get(Attempt, world.attempt_id)
    past = utcnow() - timedelta(minutes=5)
    attempt.deadline_at = past
    for clock in session.exec(select(AttemptSection).where(AttemptSection.attempt_id == attempt.id)).all():
        if clock.deadline_at is not None:
            clock.deadline_at = past
            session.add(clock)
    session.add(attempt)
    session.commit()
    assert sweep.sweep(engine, settings) >= 1  # the background job closes and grades it
    # the candidate comes back online: a late save is refused, and the exam shows as submitted
    late = client.post(
        f"{url}/items/0",
        json={"version": saved.json()["version"], "answer": {"text": "迟到的"}},
        headers={"X-CSRF-Token": token},
    )
    assert late.status_code == 409 and late.json()["error"] == "closed"
    assert client.get(url).headers["location"].endswith("/done")
    session.rollback()
    session.expire_all()
    attempt = session.exec(select(Attempt).where(Attempt.id == world.attempt_id)).one()
    assert attempt.status == "graded" and as_naive(attempt.submitted_at) <= as_naive(past)
    answer = session.exec(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == 0)).one()
    assert answer.response["text"] == "您好亲"


def as_naive(value):  # type: ignore[no-untyped-def]
    return value.replace(tzinfo=None)

"""Saves that race: concurrent saves of one answer, a save while another writer holds the database."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from exam.app import create_app
from exam.db import make_engine
from exam.models import Answer, UserSession
from exam.timeutil import as_utc, utcnow
from tests.conftest import is_postgres
from tests.web.candidate_helpers import csrf, follow_and_start, make_invitation, make_opening, save, seed_bank

ITEM_RE = re.compile(r'data-position="(\d+)" data-type="(\w+)" data-version="(\d+)"')


def _started(client: TestClient, session) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    """A candidate in the exam: (attempt id, position of a text item of the running section, CSRF token)."""
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening)
    _, attempt_id = follow_and_start(client, token)
    page = client.get(f"/candidate/attempts/{attempt_id}")
    assert page.status_code == 200, page.text
    items = ITEM_RE.findall(page.text)
    assert items, "the exam page lists its items"
    return attempt_id, int(items[0][0]), csrf(client, f"/candidate/attempts/{attempt_id}")


def test_concurrent_saves_of_one_answer_give_one_200_and_409s_never_a_500(app, client, session) -> None:
    attempt_id, position, token = _started(client, session)
    start = client.post(f"/candidate/attempts/{attempt_id}/items/{position}/start", headers={"X-CSRF-Token": token})
    version = start.json()["version"] if start.status_code == 200 else 0
    session.commit()
    browsers = []
    for _ in range(8):
        other = TestClient(app, follow_redirects=False)
        other.cookies.update(client.cookies)
        browsers.append(other)
    barrier = threading.Barrier(len(browsers))
    results: list[tuple[int, dict]] = []

    def one(i: int) -> None:
        barrier.wait()
        r = save(browsers[i], attempt_id, position, {"text": f"第{i}个窗口"}, version, token)
        results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(browsers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(status for status, _ in results)
    assert len(results) == len(browsers)
    assert statuses.count(200) == 1, results
    assert all(s == 409 for s in statuses if s != 200), results
    assert all(body["error"] == "stale" for status, body in results if status == 409), results
    winner = next(body for status, body in results if status == 200)
    stored = session.exec(select(Answer).where(Answer.attempt_id == attempt_id, Answer.position == position)).one()
    assert stored.version == winner["version"] == version + 1
    acked = [i for i in range(len(browsers)) if results and stored.response.get("text") == f"第{i}个窗口"]
    assert len(acked) == 1  # the stored text is the acknowledged one
    for _, body in results:
        if body.get("error") == "stale":
            assert body["version"] == version + 1 and body["response"]["text"] == stored.response["text"]
    for other in browsers:
        other.close()


def _hold_write_lock(path: str, seconds: float, held: threading.Event) -> None:
    """Another process's writer: SQLite's write lock taken and held for a while."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.skipif(is_postgres(), reason="SQLite's single writer")
def test_a_busy_sqlite_database_is_latency_not_an_error(app, client, session, engine) -> None:
    attempt_id, position, token = _started(client, session)
    session.commit()
    held = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(engine.url.database, 1.0, held))
    holder.start()
    held.wait(10)
    t0 = time.monotonic()
    r = save(client, attempt_id, position, {"text": "您好"}, 0, token)
    waited = time.monotonic() - t0
    holder.join(10)
    assert r.status_code == 200, r.text  # the save waited for the other writer
    assert waited >= 0.5
    assert r.json()["version"] == 1


@pytest.mark.skipif(is_postgres(), reason="SQLite's single writer")
def test_a_database_busy_past_the_timeout_is_a_503_in_chinese_and_loses_nothing(
    settings, client, session, engine
) -> None:
    impatient = make_engine(str(engine.url), sqlite_busy_timeout_ms=200)
    busy_app = create_app(settings, engine=impatient, run_background=False)
    attempt_id, position, token = _started(client, session)
    session.commit()
    with TestClient(busy_app, follow_redirects=False) as other:
        other.cookies.update(client.cookies)
        held = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(engine.url.database, 1.5, held))
        holder.start()
        held.wait(10)
        r = save(other, attempt_id, position, {"text": "您好"}, 0, token)
        holder.join(10)
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["error"] == "busy" and re.search(r"[\u4e00-\u9fff]", body["message"])
        assert r.headers["retry-after"]
        again = save(other, attempt_id, position, {"text": "您好"}, 0, token)  # the page retries the same save
        assert again.status_code == 200, again.text
    stored = session.exec(select(Answer).where(Answer.attempt_id == attempt_id, Answer.position == position)).one()
    assert stored.version == 1 and stored.response["text"] == "您好"
    impatient.dispose()


def test_the_session_row_is_written_at_most_once_a_minute(client, session) -> None:
    attempt_id, position, token = _started(client, session)
    record = session.exec(select(UserSession).where(UserSession.revoked_at.is_(None))).one()  # type: ignore[union-attr]
    first_seen = as_utc(record.last_seen_at)
    session.commit()
    for version in range(3):
        assert save(client, attempt_id, position, {"text": "您好"[: version + 1]}, version, token).status_code == 200
        assert client.get(f"/candidate/attempts/{attempt_id}/state").status_code == 200
    session.expire_all()
    record = session.get(UserSession, record.id)
    assert as_utc(record.last_seen_at) == first_seen  # six requests within the minute: no write
    record.last_seen_at = utcnow() - timedelta(seconds=90)
    session.add(record)
    session.commit()
    assert client.get(f"/candidate/attempts/{attempt_id}/state").status_code == 200
    session.expire_all()
    assert utcnow() - as_utc(session.get(UserSession, record.id).last_seen_at) < timedelta(seconds=30)

"""Two tabs save the same answer at the same moment: exactly one wins, the older write gets a 409 "stale"
(never a 500), on SQLite and on PostgreSQL. The race is real: two clients, two connections, released together."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlmodel import select

from exam.models import Answer, Attempt
from exam.services import papers
from tests.security.conftest import World, exam_csrf

ROUNDS = 12


def _reply_position(session, attempt_id: int) -> int:  # type: ignore[no-untyped-def]
    attempt = session.get(Attempt, attempt_id)
    for entry in papers.iter_items(attempt.paper):
        if entry.section_index == 0:
            return entry.position
    raise AssertionError("no item in the first section")


def test_two_tabs_racing_on_one_answer(world: World, session) -> None:  # type: ignore[no-untyped-def]
    position = _reply_position(session, world.attempt_id)
    session.commit()
    token = exam_csrf(world)
    tabs = []
    for _ in range(2):
        tab = TestClient(world.app, follow_redirects=False, raise_server_exceptions=False)
        tab.cookies = world.clients["candidate"].cookies
        tabs.append(tab)
    url = f"/candidate/attempts/{world.attempt_id}/items/{position}"
    version = 0
    for round_ in range(ROUNDS):
        barrier = threading.Barrier(2)
        results: list[tuple[int, dict]] = []

        def save(tab: TestClient, text: str, barrier: threading.Barrier, results: list, version: int) -> None:  # type: ignore[type-arg]
            barrier.wait()
            r = tab.post(url, json={"version": version, "answer": {"text": text}}, headers={"X-CSRF-Token": token})
            results.append(
                (
                    r.status_code,
                    r.json()
                    if r.headers.get("content-type", "").startswith("application/json")
                    else {"raw": r.text[:200]},
                )
            )

        threads = [
            threading.Thread(target=save, args=(tab, f"tab{i} round{round_}", barrier, results, version))
            for i, tab in enumerate(tabs)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        statuses = sorted(s for s, _ in results)
        assert statuses == [200, 409], (round_, results)
        stale = next(body for s, body in results if s == 409)
        winner = next(body for s, body in results if s == 200)
        assert stale["error"] == "stale" and stale["version"] == winner["version"] == version + 1
        version = winner["version"]
    session.rollback()
    session.expire_all()
    stored = session.exec(
        select(Answer).where(Answer.attempt_id == world.attempt_id, Answer.position == position)
    ).one()
    assert stored.version == ROUNDS


def test_the_compare_and_set_refuses_the_older_write_without_the_attempt_lock(world: World, engine, settings) -> None:  # type: ignore[no-untyped-def]
    """Below the attempt's row lock: two connections store the same answer at once; the version check
    (UPDATE ... WHERE version = expected) lets exactly one through and the other gets "stale"."""
    from sqlmodel import Session

    from exam.db import writer
    from exam.services import attempts

    with Session(engine) as s:
        position = _reply_position(s, world.attempt_id)
    for round_ in range(8):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def store(text: str, barrier: threading.Barrier, outcomes: list[str]) -> None:
            with Session(writer(engine), expire_on_commit=False) as s:
                attempt = s.get(Attempt, world.attempt_id)
                answer = s.exec(
                    select(Answer).where(Answer.attempt_id == world.attempt_id, Answer.position == position)
                ).one()
                expected = answer.version
                s.commit()
                barrier.wait()
                try:
                    attempts.save_answer(s, s.get(Attempt, attempt.id), position, {"text": text}, expected, settings)
                    s.commit()
                    outcomes.append("ok")
                except attempts.ExamError as exc:
                    s.rollback()
                    outcomes.append(exc.code)

        threads = [threading.Thread(target=store, args=(f"conn{i}", barrier, outcomes)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == ["ok", "stale"], (round_, outcomes)

"""Group commit on SQLite: writes that arrive together share one transaction; each caller gets its own outcome."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from exam.db import group_commit, make_engine, write_together


@pytest.fixture
def engine(tmp_path):  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path}/group.sqlite3")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield eng
    eng.dispose()


def _insert(value: str):  # type: ignore[no-untyped-def]
    def work(session) -> int:  # type: ignore[no-untyped-def]
        return session.connection().execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value}).lastrowid

    return work


def _rows(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT v FROM t ORDER BY v"))]


def test_writes_that_wait_together_commit_together_and_each_gets_its_result(engine) -> None:
    group = group_commit(engine)
    assert group is not None
    n = 12
    release = threading.Event()
    results: dict[int, object] = {}

    def first(session):  # type: ignore[no-untyped-def]
        release.wait(10)  # holds the batch open until the others have queued behind it
        return _insert("w00")(session)

    def one(i: int) -> None:
        try:
            results[i] = write_together(engine, first if i == 0 else _insert(f"w{i:02d}"))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=one, args=(0,))]
    threads[0].start()
    while not group.running:
        time.sleep(0.001)
    threads += [threading.Thread(target=one, args=(i,)) for i in range(1, n)]
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 10
    while len(group.queue) < n - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    release.set()
    for t in threads:
        t.join(20)
    assert _rows(engine) == [f"w{i:02d}" for i in range(n)]
    assert all(isinstance(results[i], int) for i in range(n)), results
    assert len(set(results.values())) == n  # each caller got its own row id
    assert (group.batches, group.writes) == (2, n)  # the eleven that waited went in one transaction
    assert not group.running and not group.queue


def test_a_failing_write_fails_alone(engine) -> None:
    write_together(engine, _insert("taken"))
    group = group_commit(engine)
    assert group is not None
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def first(session):  # type: ignore[no-untyped-def]
        release.wait(10)
        return _insert("a")(session)

    def one(name: str, work) -> None:  # type: ignore[no-untyped-def]
        try:
            outcomes[name] = write_together(engine, work)
        except Exception as exc:
            outcomes[name] = exc

    lead = threading.Thread(target=one, args=("a", first))
    lead.start()
    while not group.running:
        time.sleep(0.001)
    others = [threading.Thread(target=one, args=(v, _insert(v))) for v in ("b", "taken", "c")]
    for t in others:
        t.start()
    while len(group.queue) < 3:
        time.sleep(0.001)
    release.set()
    for t in [lead, *others]:
        t.join(20)
    assert "UNIQUE" in str(outcomes["taken"])  # the duplicate hears its own error
    assert all(isinstance(outcomes[v], int) for v in ("a", "b", "c"))
    assert _rows(engine) == ["a", "b", "c", "taken"]


class Stop(BaseException):
    """Something that aborts the whole transaction."""


def test_a_transaction_that_does_not_commit_stores_nothing_and_every_writer_hears_it(engine) -> None:
    group = group_commit(engine)
    assert group is not None
    release = threading.Event()
    outcomes: dict[str, BaseException | object] = {}

    def first(session):  # type: ignore[no-untyped-def]
        release.wait(10)
        return _insert("x")(session)

    def breaking(session):  # type: ignore[no-untyped-def]
        _insert("y")(session)
        raise Stop()

    def one(name: str, work) -> None:  # type: ignore[no-untyped-def]
        try:
            outcomes[name] = write_together(engine, work)
        except BaseException as exc:
            outcomes[name] = exc

    lead = threading.Thread(target=one, args=("x", first))
    lead.start()
    while not group.running:
        time.sleep(0.001)
    others = [
        threading.Thread(target=one, args=("z", _insert("z"))),
        threading.Thread(target=one, args=("y", breaking)),
    ]
    others[0].start()
    while len(group.queue) < 1:
        time.sleep(0.001)
    others[1].start()
    while len(group.queue) < 2:
        time.sleep(0.001)
    release.set()
    for t in [lead, *others]:
        t.join(20)
    assert isinstance(outcomes["y"], Stop) and isinstance(outcomes["z"], Stop)
    assert isinstance(outcomes["x"], int)  # the first batch held only the leader's write
    assert _rows(engine) == ["x"]
    assert write_together(engine, _insert("after")) > 0  # the group goes on

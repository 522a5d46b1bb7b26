"""Engine and sessions: SQLite with WAL, foreign keys, busy timeout and BEGIN IMMEDIATE for writes.

SQLite has one writer at a time. Writers of one process queue on a lock (in arrival order, roughly) before they
ask SQLite for its write lock, so that they wait their turn instead of polling SQLite's busy handler, whose
sleeps grow to 100 ms and let a newcomer overtake a request that has waited for seconds; the lock is given back
when the connection returns to the pool, after its commit. Processes (several workers) still meet at SQLite's
own lock, with a busy timeout long enough that a busy database means latency, not an error.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

try:
    import fcntl
except ImportError:  # not on Windows: the in-process lock and SQLite's busy timeout order the writers
    fcntl = None  # type: ignore[assignment]

from exam.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_LOCK_KEY = "exam_write_lock"


class WriterQueue:
    """The writers on one SQLite database: one at a time in this process (a lock), and one at a time across the
    processes that serve it (an advisory file lock beside the database, whose waiters the kernel wakes in turn,
    where SQLite's busy handler would poll with sleeps that let a newcomer from the same process overtake)."""

    def __init__(self, timeout: float, lock_path: str | None = None) -> None:
        self.lock = threading.Lock()
        self.timeout = timeout
        self.owner: int | None = None  # the thread whose connection holds the turn
        self.lock_path = lock_path
        self._fd: int | None = None

    def acquire(self, info: dict) -> None:
        """Wait for this process's turn to write (a thread already writing on another connection goes on)."""
        if info.get(WRITE_LOCK_KEY) is self or self.owner == threading.get_ident():
            return
        if not self.lock.acquire(timeout=self.timeout):  # on timeout: SQLite's own busy timeout decides
            return
        self.owner = threading.get_ident()
        info[WRITE_LOCK_KEY] = self
        if self.lock_path and fcntl is not None:
            try:
                if self._fd is None:
                    self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                self._flock()
            except OSError:
                pass  # no lock file (read-only folder): SQLite's busy timeout still orders the processes

    def _flock(self) -> None:
        """The other processes' turn: poll the file lock every millisecond or two (one poller per process)."""
        deadline = time.monotonic() + self.timeout
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[arg-type, union-attr]
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def close(self) -> None:
        """Close the lock file (the engine is disposed; it is opened again on the next write)."""
        if self._fd is not None and self.lock.acquire(blocking=False):
            try:
                os.close(self._fd)
                self._fd = None
            except OSError:
                pass
            finally:
                self.lock.release()

    def release(self, info: dict) -> None:
        """Give the turn back (the connection is back in the pool: its transaction is over)."""
        if info.pop(WRITE_LOCK_KEY, None) is self:
            if self._fd is not None and fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                except OSError:
                    pass
            self.owner = None
            self.lock.release()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, lock_path: str | None = None) -> None:
    """Pragmas on connect; explicit BEGIN so that writers can take the lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    queue = WriterQueue(busy_timeout_ms / 1000, lock_path)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE":
            queue.acquire(conn.connection.info)
        conn.exec_driver_sql(f"BEGIN {mode}")

    def _release(_dbapi_conn, record, *_args) -> None:  # type: ignore[no-untyped-def]
        if record is not None:
            queue.release(record.info)

    event.listen(engine, "checkin", _release)
    event.listen(engine, "engine_disposed", lambda _engine: queue.close())
    event.listen(engine, "invalidate", _release)
    event.listen(engine, "soft_invalidate", _release)


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int = 30,
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
) -> Engine:
    """Create the engine for a database URL (SQLite or PostgreSQL via psycopg 3)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000},
                # no cap: a request waiting for a pooled connection holds a threadpool thread, and the requests
                # holding the connections may need a thread (or the event loop) to give them back
                pool_size=5,
                max_overflow=-1,
            )
        else:
            engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        _configure_sqlite(
            engine, sqlite_busy_timeout_ms, f"{database}-writer" if database and database != ":memory:" else None
        )
        return engine
    # pool_size + max_overflow should cover the threadpool (40 threads per worker), so that a request never
    # waits for a connection held by a request that is itself waiting for a thread
    return create_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=30
    )


T = TypeVar("T")


class CommitSignal:
    """Wakes this process's listeners after the commit of a transaction that raised it (a background job's "there
    is work now"); a rolled-back transaction wakes nobody."""

    def __init__(self, name: str) -> None:
        self.key = f"signal:{name}"
        self._listeners: list[Callable[[], None]] = []
        event.listen(OrmSession, "after_commit", self._after_commit)
        event.listen(OrmSession, "after_rollback", self._after_rollback)

    def raise_on(self, session: Session) -> None:
        """Wake the listeners once this session's transaction commits."""
        session.info[self.key] = True

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after each commit that raised the signal; returns its remover."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _after_commit(self, session: OrmSession) -> None:
        if session.info.pop(self.key, False):
            for callback in list(self._listeners):
                try:
                    callback()
                except Exception:  # noqa: BLE001, S110 - a stopped loop must not fail the commit
                    pass

    def _after_rollback(self, session: OrmSession) -> None:
        session.info.pop(self.key, None)  # what the transaction queued is gone


class _Write:
    """One caller's write in a group commit: its work, and what came of it."""

    __slots__ = ("done", "error", "lead", "result", "work")

    def __init__(self, work: Callable[[Session], Any]) -> None:
        self.work, self.done, self.lead = work, threading.Event(), False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """Short writes that arrive together commit together, in one SQLite write transaction.

    A thread with a write joins the queue. The first one leads: it takes the write lock (the WriterQueue, then
    SQLite's), runs every queued write in one transaction, commits, and wakes the others, each with its own
    result or error; threads that came meanwhile form the next batch, led by the first of them. Every caller
    returns only after the commit that holds its write. One lock turn and one commit then serve a whole batch
    instead of one write each: under a campaign's autosaves, the lock is handed over far less often.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: list[_Write] = []
        self.running = False
        self.batches = 0  # for tests and benchmarks: how many transactions served how many writes
        self.writes = 0

    def run(self, engine: Engine, work: Callable[[Session], T]) -> T:
        """Run ``work`` on a write session, committed with the writes queued beside it; its result or error."""
        me = _Write(work)
        with self.lock:
            self.queue.append(me)
            me.lead = not self.running
            self.running = True
        if not me.lead:
            me.done.wait()
        if me.lead:
            with self.lock:
                batch, self.queue = self.queue, []
            try:
                self._commit(engine, batch)
            finally:
                with self.lock:
                    if self.queue:
                        following = self.queue[0]
                        following.lead = True
                        following.done.set()
                    else:
                        self.running = False
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[no-any-return]

    def _commit(self, engine: Engine, batch: list[_Write]) -> None:
        try:
            with session_scope(engine) as session:
                for write in batch:
                    try:
                        write.result = write.work(session)
                    except Exception as exc:  # this write fails alone (a statement is atomic in SQLite)
                        write.error = exc
        except BaseException as exc:  # nothing was committed: every write of the batch hears why
            for write in batch:
                if write.error is None:
                    write.error, write.result = exc, None
        finally:
            self.batches += 1
            self.writes += len(batch)
            for write in batch:
                write.lead = False
                write.done.set()


_group_commits: weakref.WeakKeyDictionary[Any, GroupCommit] = weakref.WeakKeyDictionary()
_group_commits_lock = threading.Lock()


def group_commit(engine: Engine) -> GroupCommit | None:
    """The group commit of a SQLite database (one per connection pool); None for PostgreSQL, whose writers
    of different rows do not wait for each other."""
    if engine.dialect.name != "sqlite":
        return None
    with _group_commits_lock:
        found = _group_commits.get(engine.pool)
        if found is None:
            found = _group_commits[engine.pool] = GroupCommit()
        return found


def write_together(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run a short write (``work`` on a write session) and commit it; on SQLite, in a group commit."""
    group = group_commit(engine)
    if group is None:
        with session_scope(engine) as session:
            return work(session)
    return group.run(engine, work)


def writer(engine: Engine) -> Engine:
    """The same engine, but SQLite transactions start with BEGIN IMMEDIATE (read-then-write)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(writer(engine) if write else engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


F = TypeVar("F", bound=Callable[..., Any])


def transactional(fn: F) -> F:
    """A service function that owns its session's transaction (the session is its first argument).

    The outermost call runs in a savepoint and commits when it returns; when it raises, only its own changes
    are rolled back. Calls nested in another transactional function join that function's transaction.
    """

    @functools.wraps(fn)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        depth = session.info.get("tx_depth", 0)
        session.info["tx_depth"] = depth + 1
        try:
            if depth:
                return fn(session, *args, **kwargs)
            with session.begin_nested():
                result = fn(session, *args, **kwargs)
            session.commit()
            return result
        finally:
            session.info["tx_depth"] = depth

    return wrapper  # type: ignore[return-value]


def engine_for(settings: Settings) -> Engine:
    """The engine for the configured database."""
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )

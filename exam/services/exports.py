"""HR's ranking exports (CSV for Excel, XLSX) as background jobs, so that an export never holds up a request.

HR asks for an export with the ranking's filters and order: :func:`start` writes an ``ExportJob`` row (queued)
and the audit entry in the request's transaction, and wakes the job runner of this process after the commit.
The ``run_exports`` background job (:func:`run_due_isolated`: :func:`run_due` in a child process) claims a
queued job with a conditional UPDATE and a lease (several processes can run it at once; only one wins a job),
reads the ranking in one read transaction (a consistent snapshot), and stores the file in ``ExportChunk`` rows: the CSV as it goes (one piece
per few hundred rows, with the progress), the XLSX (openpyxl's write-only mode, spooled to a temporary file)
when the workbook is saved. A download streams the pieces one at a time. Finished files are deleted after
:data:`KEEP`. The cells are those of :func:`exam.hiring.explain.export_table`, the same as before the jobs.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam.db import CommitSignal, session_scope, transactional
from exam.errors import UserError
from exam.hiring import export
from exam.hiring.explain import export_table
from exam.i18n import get_locale, set_locale
from exam.i18n import gettext as _
from exam.models import ExportChunk, ExportJob, Opening, User
from exam.services import ranking, review
from exam.services.accounts import audit, audit_now
from exam.settings import Settings
from exam.timeutil import as_utc, to_display, utcnow

__all__ = [
    "KEEP",
    "KINDS",
    "SYNC_LIMIT",
    "ExportError",
    "claim",
    "download",
    "export_or_queue",
    "file_names",
    "job_of",
    "on_new_exports",
    "pieces",
    "purge",
    "run",
    "run_due",
    "run_due_isolated",
    "start",
]

log = logging.getLogger("exam.exports")

KINDS = ("csv", "xlsx")
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
XLSX_WIDTHS = [6, 12, 14, 24, 10, 10, 10, 10, 24]
KEEP = timedelta(hours=24)  # finished files are deleted after this
LEASE = timedelta(minutes=5)  # a worker holds a running job this long after its last progress
MAX_TRIES = 3  # a job whose worker died this many times is given up
PROGRESS_EVERY = 500  # rows between progress updates (and CSV pieces)
PIECE_BYTES = 1 << 20  # the XLSX file is stored in pieces of 1 MiB
MAX_OPEN_PER_USER = 5  # queued or running exports one HR user may have at once
SYNC_LIMIT = 1_000  # the old GET URLs answer at once up to this many rows (else they start a job)
NEW_EXPORTS = CommitSignal("exports_new")  # wakes this process's job after the commit


class ExportError(UserError):
    """A refused export; ``message`` is an English msgid."""


class LostLease(Exception):
    """Another worker took the job over (this one was too slow) or the job is gone: stop without a trace."""


@dataclass(frozen=True)
class Request:
    """What an export is of: the ranking's filters and order."""

    filters: ranking.Filters
    sort: str
    desc: bool

    def params(self) -> dict[str, Any]:
        """The job row's ``params``."""
        return {"filters": [list(item) for item in self.filters.items()], "sort": self.sort, "desc": self.desc}

    @classmethod
    def of(cls, job: ExportJob) -> Request:
        """The request a job row holds."""
        params = job.params or {}
        filters = ranking.Filters.parse({str(k): v for k, v in params.get("filters") or []})
        return cls(filters, ranking.valid_sort(str(params.get("sort") or "rank")), bool(params.get("desc", True)))


# --- asking for an export (the request's side) -----------------------------------------------------------


@transactional
def start(session: Session, actor: User, opening: Opening, kind: str, request: Request) -> ExportJob:
    """Queue an export of the ranking (the same one again if it is still waiting or running) and audit it."""
    if kind not in KINDS:
        raise ExportError("Unknown export format.")
    params = request.params()
    open_jobs = list(
        session.exec(
            select(ExportJob).where(
                col(ExportJob.requested_by_id) == actor.id, col(ExportJob.status).in_(("queued", "running"))
            )
        ).all()
    )
    for job in open_jobs:  # a second click on the same button: the job already under way
        if job.opening_id == opening.id and job.kind == kind and job.params == params:
            return job
    if len(open_jobs) >= MAX_OPEN_PER_USER:
        raise ExportError("You already have %(n)s exports under way: wait until one is done.", n=len(open_jobs))
    job = ExportJob(
        opening_id=opening.id,  # type: ignore[arg-type]
        requested_by_id=actor.id,
        kind=kind,
        params=params,
        locale=get_locale(),
    )
    session.add(job)
    session.flush()
    audit(
        session,
        actor,
        "ranking.export",
        "opening",
        str(opening.id),
        after={"format": kind, "filters": dict(request.filters.items()), "sort": request.sort, "job": job.id},
    )
    NEW_EXPORTS.raise_on(session)
    return job


def export_or_queue(
    session: Session, engine: Engine, actor: User, opening: Opening, kind: str, request: Request
) -> bytes | ExportJob:
    """The old GET URLs: the file at once for up to :data:`SYNC_LIMIT` rows, else a queued job (own transaction)."""
    if kind not in KINDS:
        raise ExportError("Unknown export format.")
    if ranking.count_matching(session, opening.id, request.filters) <= SYNC_LIMIT:  # type: ignore[arg-type]
        body = b"".join(_render(session, opening, kind, request))
        audit_now(
            engine,
            actor,
            "ranking.export",
            "opening",
            str(opening.id),
            after={"format": kind, "filters": dict(request.filters.items()), "sort": request.sort},
        )
        return body
    with session_scope(engine) as writer_session:  # the request's session only read: a short write of its own
        return start(writer_session, actor, opening, kind, request)


def job_of(session: Session, opening: Opening, job_id: int) -> ExportJob | None:
    """The export job of this opening (None if there is none: another opening's job does not exist here)."""
    job = session.get(ExportJob, job_id)
    if job is None or job.opening_id != opening.id:
        return None
    if job.expires_at is not None and as_utc(job.expires_at) < utcnow():
        return None  # expired: the purge deletes it soon
    return job


def download(session: Session, engine: Engine, actor: User, opening: Opening, job_id: int) -> ExportJob | None:
    """The job whose file HR downloads (None if the opening has no such job); a finished file's download is audited."""
    job = job_of(session, opening, job_id)
    if job is not None and job.status == "done":
        audit_now(engine, actor, "ranking.export.download", "opening", str(opening.id), after={"job": job.id})
    return job


def pieces(engine: Engine, job_id: int) -> Iterator[bytes]:
    """The finished file's pieces in order, one short read each (a download never holds the whole file)."""
    seq = -1
    while True:
        with Session(engine) as session:
            chunk = session.exec(
                select(ExportChunk)
                .where(col(ExportChunk.job_id) == job_id, col(ExportChunk.seq) > seq)
                .order_by(col(ExportChunk.seq))
                .limit(1)
            ).first()
            if chunk is None:
                return
            seq, data = chunk.seq, chunk.data
        yield data


def file_names(opening: Opening, job: ExportJob) -> tuple[str, str]:
    """(media type, Content-Disposition) of a job's file: an ASCII name and the opening's title (RFC 5987)."""
    day = to_display(job.created_at).date().isoformat()  # the date the screens show (display time zone)
    stem = f"ranking-{opening.id}-{day}"
    nice = f"{opening.title}-{_('ranking')}-{day}"
    disposition = f"attachment; filename=\"{stem}.{job.kind}\"; filename*=UTF-8''{quote(nice)}.{job.kind}"
    return MEDIA.get(job.kind, "application/octet-stream"), disposition


# --- waking the runner ---------------------------------------------------------------------------------------


def on_new_exports(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback`` after each commit that queued an export (the runner of this process starts at once)."""
    return NEW_EXPORTS.subscribe(callback)


# --- running exports (the background job's side) ------------------------------------------------------------


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return (
        or_(
            col(ExportJob.status) == "queued",
            (col(ExportJob.status) == "running") & (col(ExportJob.lease_until) < now),
        ),
        col(ExportJob.tries) < MAX_TRIES,
    )


def claim(engine: Engine, now: datetime | None = None) -> tuple[int, int] | None:
    """Take the oldest waiting export for this worker (compare-and-set): (job id, try number), or None."""
    now = now or utcnow()
    with session_scope(engine) as session:
        waiting = session.exec(
            select(ExportJob.id, ExportJob.tries)
            .where(*_claimable(now))
            .order_by(col(ExportJob.created_at), col(ExportJob.id))
            .limit(5)
        ).all()
        for job_id, tries in waiting:
            taken = session.execute(
                update(ExportJob)
                .where(col(ExportJob.id) == job_id, col(ExportJob.tries) == tries, *_claimable(now))
                .values(status="running", tries=tries + 1, lease_until=now + LEASE, started_at=now, rows_done=0)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                session.execute(delete(ExportChunk).where(col(ExportChunk.job_id) == job_id))  # a dead try's pieces
                return int(job_id), int(tries) + 1  # type: ignore[arg-type]
    return None


def _mine(job_id: int, tries: int):  # type: ignore[no-untyped-def]
    return col(ExportJob.id) == job_id, col(ExportJob.status) == "running", col(ExportJob.tries) == tries


def _update(engine: Engine, job_id: int, tries: int, piece: tuple[int, bytes] | None = None, **values: Any) -> None:
    """Record progress (and a piece of the file) if the job is still this worker's; else :class:`LostLease`."""
    with session_scope(engine) as session:
        values.setdefault("lease_until", utcnow() + LEASE)
        if session.execute(update(ExportJob).where(*_mine(job_id, tries)).values(**values)).rowcount != 1:  # type: ignore[attr-defined]
            raise LostLease(job_id)
        if piece is not None:
            session.add(ExportChunk(job_id=job_id, seq=piece[0], data=piece[1]))


def _render(session: Session, opening: Opening, kind: str, request: Request, progress=None) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """The export file in pieces; ``progress(rows)`` is called every few hundred rows (and at the end)."""
    profile = review.profile_of(session, opening)
    rows = ranking.export_rows(session, opening.id, request.filters, sort=request.sort, desc=request.desc)  # type: ignore[arg-type]
    headers, table = export_table(rows, profile)
    counter = _Counter(table, progress)
    if kind == "csv":
        yield from export.csv_pieces(headers, counter, PROGRESS_EVERY)
        return
    if kind != "xlsx":
        raise ValueError(f"unknown export format {kind!r}")
    with tempfile.SpooledTemporaryFile(max_size=8 * PIECE_BYTES) as out:
        export.write_xlsx(out, headers, counter, title=_("Ranking"), widths=XLSX_WIDTHS)
        out.seek(0)
        while data := out.read(PIECE_BYTES):
            yield data


class _Counter:
    """Rows passed through, with a call every :data:`PROGRESS_EVERY` of them."""

    def __init__(self, rows: Iterable[Any], progress: Callable[[int], None] | None) -> None:
        self.rows, self.progress, self.n = rows, progress, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            yield row
            self.n += 1
            if self.progress is not None and self.n % PROGRESS_EVERY == 0:
                self.progress(self.n)


def run(engine: Engine, job_id: int, tries: int) -> str:
    """Produce a claimed export: its file in pieces, progress as it goes; returns the final status."""
    with Session(engine) as session:
        job = session.get(ExportJob, job_id)
        locale = job.locale if job is not None else "zh_CN"
    previous = get_locale()
    set_locale(locale)
    try:
        size, total = _produce(engine, job_id, tries)
    except LostLease:
        log.warning("export %s: another worker took it over", job_id)
        return "lost"
    except Exception as exc:  # noqa: BLE001 - any failure is the job's, shown to HR, and logged
        log.exception("export %s failed", job_id)
        try:
            now = utcnow()
            _update(
                engine,
                job_id,
                tries,
                status="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=now,
                expires_at=now + KEEP,
                lease_until=None,
            )
            with session_scope(engine) as session:
                session.execute(delete(ExportChunk).where(col(ExportChunk.job_id) == job_id))
        except LostLease:
            return "lost"
        return "failed"
    finally:
        set_locale(previous)
    now = utcnow()
    _update(
        engine,
        job_id,
        tries,
        status="done",
        size=size,
        rows_done=total,
        finished_at=now,
        expires_at=now + KEEP,
        lease_until=None,
    )
    return "done"


def _produce(engine: Engine, job_id: int, tries: int) -> tuple[int, int]:
    """Write the file's pieces; returns (bytes, rows)."""
    with Session(engine) as session:  # one read transaction: the export is a consistent snapshot of the ranking
        job = session.get(ExportJob, job_id)
        opening = session.get(Opening, job.opening_id) if job is not None else None
        if job is None or opening is None:
            raise LostLease(job_id)
        kind, request = job.kind, Request.of(job)
        total = ranking.count_matching(session, opening.id, request.filters)  # type: ignore[arg-type]
        _update(engine, job_id, tries, rows_total=total)

        def progress(rows: int) -> None:  # the XLSX's rows go to a temporary file first
            _update(engine, job_id, tries, rows_done=rows)

        size = 0
        for seq, data in enumerate(_render(session, opening, kind, request, progress if kind != "csv" else None)):
            size += len(data)
            # each CSV piece holds PROGRESS_EVERY rows (the last one the rest); the XLSX is stored when complete
            done = min(total, (seq + 1) * PROGRESS_EVERY) if kind == "csv" else total
            _update(engine, job_id, tries, piece=(seq, data), rows_done=done)
        return size, total


def purge(engine: Engine, now: datetime | None = None) -> int:
    """Delete expired exports and give up jobs whose workers died too often; returns the jobs deleted."""
    now = now or utcnow()
    with session_scope(engine) as session:
        session.execute(
            update(ExportJob)
            .where(
                col(ExportJob.status) == "running", col(ExportJob.lease_until) < now, col(ExportJob.tries) >= MAX_TRIES
            )
            .values(
                status="failed",
                error="the worker stopped during the export",
                finished_at=now,
                expires_at=now + KEEP,
                lease_until=None,
            )
        )
        expired = select(col(ExportJob.id)).where(col(ExportJob.expires_at) < now)
        session.execute(delete(ExportChunk).where(col(ExportChunk.job_id).in_(expired)))
        gone = session.execute(delete(ExportJob).where(col(ExportJob.expires_at) < now))
        return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def run_due(engine: Engine, settings: Settings | None = None, limit: int = 20) -> dict[str, int]:
    """The background job: purge expired files, then run waiting exports one after the other."""
    report = {"purged": purge(engine)}
    for _turn in range(limit):
        claimed = claim(engine)
        if claimed is None:
            break
        status = run(engine, *claimed)
        report[status] = report.get(status, 0) + 1
    return report


def _waiting(engine: Engine) -> bool:
    """Whether any export waits for a worker (a cheap look before starting a process for it)."""
    with Session(engine) as session:
        return session.exec(select(ExportJob.id).where(*_claimable(utcnow())).limit(1)).first() is not None


def _run_in_child(settings: Settings) -> dict[str, int]:
    """The child process's work: its own engine on the same database, then :func:`run_due`."""
    from exam.db import engine_for
    from exam.timeutil import set_display_timezone

    set_display_timezone(settings.timezone)  # as the app does: the export's dates are in the display time zone
    engine = engine_for(settings)
    try:
        return run_due(engine, settings)
    finally:
        engine.dispose()


def run_due_isolated(engine: Engine, settings: Settings) -> dict[str, int]:
    """The background job: :func:`run_due` in a short-lived child process when an export waits.

    An export is seconds of pure-Python work; in a thread of the worker it would hold the interpreter lock against
    the worker's requests (the ranking page measured 4-5 times slower meanwhile, benchmarks/README.md). A child
    process (spawned, so no lock or connection is inherited; it exits after the run, so it keeps no memory) runs
    it beside the worker; this thread only waits for it.
    """
    if not _waiting(engine):
        return {"purged": purge(engine)}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    child_settings = settings.model_copy(update={"database_url": engine.url.render_as_string(hide_password=False)})
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run_in_child, child_settings).result()

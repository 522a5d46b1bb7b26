"""The reception desk (模拟接待台): the service behind the candidate's chat page and its live stream.

The desk's state is the answer's response (exam.questions.chat_simulation), so grading, the HR report, data
export and deletion treat it as any answer. Its clock is the section's start on the server: a message at
``now`` happens at ``now - section start`` seconds. Every change is stored in one short write transaction with the
attempt row locked (BEGIN IMMEDIATE on SQLite, FOR SHARE on PostgreSQL): customer events due by now are
processed first (arrivals, reactions, nudges, leaving), then the candidate's message is added. The work (the
engine, grading replies) is done on a read of the desk; the write transaction then only stores the new state
if nobody changed the answer meanwhile (compare-and-set on ``Answer.version``, retried otherwise), so that
SQLite's single writer lock is held for a few statements only.

``DeskClock`` keeps, beside the answer, how many messages the desk has and when the next customer event is
due, so that the live stream asks "anything new?" with one small read for all connected desks.
A candidate reaches only their own desks: other people's do not exist (None).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from exam.db import session_scope
from exam.models import Answer, Attempt, AttemptSection, DeskClock, User
from exam.security import N_
from exam.services import accounts, attempts, papers, results
from exam.services.attempts import ExamError
from exam.simulation.engine import DeskError, State, advance, next_due, reply, start, state_from_dict, state_to_dict
from exam.simulation.model import Simulation
from exam.simulation.view import message_count, public_desk
from exam.timeutil import as_utc, iso, utcnow

MAX_MESSAGE_CHARS = 500  # the message below says so
MAX_SENT = 400
MAX_CIDS = 100
MAX_PASTES = 500

__all__ = [
    "DeskView",
    "ExamError",
    "MAX_MESSAGE_CHARS",
    "StreamStart",
    "catch_up",
    "clocks",
    "open_stream",
    "send",
    "signed_in",
]


@dataclass
class DeskView:
    """What the page gets: new messages, every arrived chat, the clocks; ``live`` is False once the desk is over."""

    answer_id: int
    seq: int
    due_at: datetime | None
    started_at: datetime
    ends_at: datetime
    now: datetime
    live: bool
    closed: bool = False  # the section or the exam is no longer running (the page should reload)
    chats: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the page (times as ISO strings; message times are seconds since the desk's start)."""
        return {
            "seq": self.seq,
            "server_now": self.now.isoformat(),
            "started_at": self.started_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "live": self.live,
            "closed": self.closed,
            "chats": self.chats,
            "messages": self.messages,
        }


@dataclass(frozen=True)
class StreamStart:
    """A live stream's owner and desk, and the desk as it is now."""

    user_id: int
    attempt_id: int
    position: int
    view: DeskView


@dataclass
class _Desk:
    """One desk as read for a change or a view (plain values: one query reads them all)."""

    attempt_id: int
    status: str
    current_section: int
    attempt_deadline: datetime
    section_id: int
    section_position: int
    section_deadline: datetime | None
    section_submitted: datetime | None
    answer_id: int
    version: int
    response: dict[str, Any]
    sim: Simulation
    started_at: datetime
    clock_due: datetime | None
    has_clock: bool

    @property
    def ends_at(self) -> datetime:
        """The simulation's end on the server's clock."""
        return self.started_at + timedelta(seconds=self.sim.duration)

    def seconds(self, now: datetime) -> float:
        """``now`` on the desk's clock."""
        return round(max(0.0, (now - self.started_at).total_seconds()), 2)

    def running(self) -> bool:
        """Whether the desk's section is the running one of an attempt in progress."""
        return (
            self.status == "in_progress"
            and self.section_submitted is None
            and self.current_section == self.section_position
        )


_SIMULATIONS: dict[int, Simulation] = {}
_SIMULATIONS_MAX = 64


def _simulation(session: Session, version_id: int) -> Simulation | None:
    """The simulation of a stored question version (cached: versions never change, and reading and hashing a
    simulation's content is most of a desk request's time otherwise)."""
    sim = _SIMULATIONS.get(version_id)
    if sim is None:
        model = papers.load_versions(session, [version_id]).get(version_id)
        if not isinstance(model, Simulation):
            return None
        if len(_SIMULATIONS) >= _SIMULATIONS_MAX:
            _SIMULATIONS.clear()
        sim = _SIMULATIONS[version_id] = model
    return sim


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _load(session: Session, user_id: int, attempt_id: int, position: int) -> _Desk | None:
    """The candidate's desk at ``position`` (None: not theirs, no such item, or not a simulation), in one query."""
    columns: list[Any] = [
        Attempt.status,
        Attempt.current_section,
        Attempt.deadline_at,
        Attempt.started_at,
        AttemptSection.id,
        AttemptSection.position,
        AttemptSection.started_at,
        AttemptSection.deadline_at,
        AttemptSection.submitted_at,
        Answer.id,
        Answer.version,
        Answer.response,
        Answer.question_version_id,
        DeskClock.answer_id,
        DeskClock.due_at,
    ]
    row = session.exec(
        select(*columns)
        .join(Attempt, col(Attempt.id) == col(Answer.attempt_id))
        .join(
            AttemptSection,
            and_(
                col(AttemptSection.attempt_id) == col(Answer.attempt_id),
                col(AttemptSection.section_id) == col(Answer.section_id),
            ),
        )
        .outerjoin(DeskClock, col(DeskClock.answer_id) == col(Answer.id))
        .where(
            col(Answer.attempt_id) == attempt_id, col(Answer.position) == position, col(Attempt.candidate_id) == user_id
        )
    ).first()
    if row is None:
        return None
    status, current, deadline, attempt_start, section_id, section_pos, section_start, section_deadline = row[:8]
    submitted, answer_id, version, response, version_id, clock_id, clock_due = row[8:]
    sim = _simulation(session, version_id)
    if sim is None:
        return None
    started = as_utc(section_start) if section_start else as_utc(attempt_start)
    return _Desk(
        attempt_id,
        status,
        current,
        as_utc(deadline),
        section_id,
        section_pos,
        _utc(section_deadline),
        _utc(submitted),
        answer_id,
        version,
        dict(response or {}),
        sim,
        started,
        _utc(clock_due),
        clock_id is not None,
    )


def _state(desk: _Desk) -> State:
    """The stored state (a new desk when none is stored yet)."""
    raw = desk.response.get("state")
    return state_from_dict(desk.sim, raw) if isinstance(raw, Mapping) else start(desk.sim)


def _due_at(desk: _Desk, state: State) -> datetime | None:
    """When the next customer event happens on the server's clock."""
    due = next_due(state)
    return desk.started_at + timedelta(seconds=due) if due is not None else None


def _view(desk: _Desk, state: State, now: datetime, known: Mapping[str, int] | None) -> DeskView:
    public = public_desk(state, known)
    live = desk.running() and now < desk.ends_at
    return DeskView(
        answer_id=desk.answer_id,
        seq=message_count(state),
        due_at=_due_at(desk, state),
        started_at=desk.started_at,
        ends_at=desk.ends_at,
        now=now,
        live=live,
        closed=not desk.running(),
        chats=public["chats"],
        messages=public["messages"],
    )


def _response(desk: _Desk, state: State, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The answer's new response (a new dict: JSON columns are reassigned)."""
    response = dict(desk.response)
    response.update(extra or {})
    response["state"] = state_to_dict(state)
    response["started_at"] = iso(desk.started_at)
    return response


def _store(session: Session, desk: _Desk, state: State, now: datetime, response: dict[str, Any]) -> str:
    """Store the state if the desk is still running and its answer unchanged: "ok", "closed" or "changed"."""
    found = session.exec(
        select(Attempt.status, Attempt.current_section, AttemptSection.submitted_at)
        .join(AttemptSection, col(AttemptSection.attempt_id) == col(Attempt.id))
        .where(col(Attempt.id) == desk.attempt_id, col(AttemptSection.id) == desk.section_id)
        .with_for_update(read=True, of=Attempt)  # PostgreSQL: serialised with the section's closing
    ).first()
    if found is None or found[0] != "in_progress" or found[1] != desk.section_position or found[2] is not None:
        return "closed"
    done = session.execute(
        update(Answer)
        .where(col(Answer.id) == desk.answer_id, col(Answer.version) == desk.version)
        .values(response=response, version=desk.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return "changed"
    values = {"seq": message_count(state), "due_at": _due_at(desk, state), "ends_at": desk.ends_at, "updated_at": now}
    done = session.execute(
        update(DeskClock)
        .where(col(DeskClock.answer_id) == desk.answer_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(DeskClock).values(answer_id=desk.answer_id, **values))
    return "ok"


_SQLITE_WRITERS = threading.Lock()


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, this process's desk writers queue here rather than in SQLite's busy handler, which polls with
    growing sleeps and lets a waiting writer starve under load (PostgreSQL needs no turn)."""
    if engine.dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITERS:
        yield


# What a change computes from the desk as read: the new state and the response to store (None: nothing to store).
Change = Callable[[_Desk], tuple[State, dict[str, Any] | None]]
TRIES = 5


def _read(engine: Engine, user_id: int, attempt_id: int, position: int) -> tuple[_Desk | None, bool]:
    """The desk as it is (no lock), and whether customer events are due or its state is still to be made."""
    with Session(engine, expire_on_commit=False) as session:
        desk = _load(session, user_id, attempt_id, position)
    if desk is None or not desk.running():
        return desk, False
    if not desk.has_clock or not isinstance(desk.response.get("state"), Mapping):
        return desk, True
    return desk, desk.clock_due is not None and utcnow() >= desk.clock_due


def _change(engine: Engine, user_id: int, attempt_id: int, position: int, change: Change) -> tuple[_Desk, State] | None:
    """Read the desk, compute the change without a lock, store it by compare-and-set; retried when the answer
    changed meanwhile (another tab, the stream). None: no such desk."""
    for _ in range(TRIES):
        desk, _due = _read(engine, user_id, attempt_id, position)
        if desk is None:
            return None
        state, response = change(desk)
        if response is None or not desk.running():
            return desk, state
        with _writer_turn(engine), session_scope(engine) as session:
            stored = _store(session, desk, state, utcnow(), response)
        if stored == "ok":
            desk.response, desk.version = response, desk.version + 1
            return desk, state
        if stored == "closed":
            desk, _due = _read(engine, user_id, attempt_id, position)
            return (desk, _state(desk)) if desk is not None else None
    raise ExamError(409, "busy", N_("The desk is busy; please send the message again."))


def _advanced(desk: _Desk, now: datetime) -> tuple[State, dict[str, Any] | None]:
    """The state with the customer events due by ``now`` processed, and the response to store (None: no change)."""
    state = _state(desk)
    before = message_count(state)
    fresh = not isinstance(desk.response.get("state"), Mapping)
    if not desk.running():
        return state, None
    advance(state, max(state.clock, desk.seconds(now)))  # never back: another process may have a later clock
    return state, (_response(desk, state) if fresh or message_count(state) != before else None)


def catch_up(
    engine: Engine,
    user_id: int,
    attempt_id: int,
    position: int,
    known: Mapping[str, int] | None = None,
    now: datetime | None = None,
    *,
    due: bool = False,
) -> DeskView | None:
    """The desk now: customer events due are processed (stored only then), messages after ``known`` per chat.

    ``due`` is a hint from the live stream (its next event's time has come); the desk's clock row decides.
    """
    stamp = now or utcnow()
    desk, pending = _read(engine, user_id, attempt_id, position)
    if desk is None:
        return None
    if not pending:
        return _view(desk, _state(desk), stamp, known)
    changed = _change(engine, user_id, attempt_id, position, lambda d: _advanced(d, now or utcnow()))
    if changed is None:
        return None
    return _view(changed[0], changed[1], now or utcnow(), known)


def open_stream(
    engine: Engine, settings: Any, session_token: str | None, attempt_id: int, position: int
) -> StreamStart | int:
    """The signed-in candidate's desk for a live stream, as it is now; else the status to answer (401, 403, 404)."""
    user = signed_in(engine, settings, session_token)
    if user is None:
        return 401
    if user.role != "candidate":
        return 403
    view = catch_up(engine, user.id, attempt_id, position)  # type: ignore[arg-type]
    return StreamStart(user.id, attempt_id, position, view) if view is not None else 404  # type: ignore[arg-type]


def clocks(engine: Engine, answer_ids: Sequence[int]) -> dict[int, tuple[int, datetime | None]]:
    """{answer id: (messages, next event due)} of these desks, in one read (the stream's "anything new?")."""
    if not answer_ids:
        return {}
    with Session(engine) as session:
        rows = session.exec(
            select(DeskClock.answer_id, DeskClock.seq, DeskClock.due_at).where(
                col(DeskClock.answer_id).in_(list(answer_ids))
            )
        ).all()
    return {int(a): (int(s), as_utc(d) if d is not None else None) for a, s, d in rows}


def _text(value: Any) -> str:
    """A message's text, checked (ExamError 422 when empty or too long)."""
    if not isinstance(value, str):
        raise ExamError(422, "invalid", N_("This message cannot be sent."))
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ExamError(422, "empty", N_("Type a message first."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise ExamError(422, "too_long", N_("A message can have at most 500 characters."))
    return text


def signed_in(engine: Engine, settings: Any, session_token: str | None) -> User | None:
    """The signed-in user of a session cookie (None: nobody), on a read transaction of its own."""
    with Session(engine, expire_on_commit=False) as session:
        user: User | None = accounts.current_user(session, settings, session_token)
    return user if user is not None and user.id is not None else None


def send(
    engine: Engine,
    user: User,
    attempt_id: int,
    position: int,
    data: Mapping[str, Any],
    settings: Any,
    now: datetime | None = None,
) -> DeskView | None:
    """The candidate's message to one customer (``data``: customer, text, cid, pasted, known); None: no such desk.

    ExamError 409 "closed" after the section ended, "over" after the simulation, "not_arrived", 422 for bad input.
    A message whose ``cid`` was already stored is not stored again (a resend after a lost reply).
    """
    stamp = now
    customer = data.get("customer")
    cid = str(data.get("cid") or "")[:40]
    pasted = data.get("pasted")
    pasted = int(pasted) if isinstance(pasted, int) and 0 < pasted <= 100_000 else 0
    known = data.get("known") if isinstance(data.get("known"), Mapping) else None
    desk, _due = _read(engine, user.id, attempt_id, position)  # type: ignore[arg-type]
    if desk is None:
        return None
    text = _text(data.get("text"))
    if desk.running() and _deadline_passed(desk, stamp or utcnow(), settings):
        _apply_deadlines(engine, user, attempt_id, settings, stamp or utcnow())
        raise ExamError(409, "closed", N_("Time is up: this section's deadline has passed."))
    if not desk.running():
        raise ExamError(409, "closed", N_("This section is closed; the desk no longer takes messages."))

    def change(d: _Desk) -> tuple[State, dict[str, Any] | None]:
        at = stamp or utcnow()
        state, _ = _advanced(d, at)
        response = d.response
        cids = list(response.get("cids") or [])
        if cid and cid in cids:
            return state, None  # stored before: the reply to it was lost
        if int(response.get("sent") or 0) >= MAX_SENT:
            raise ExamError(409, "too_many", N_("This desk takes no more messages."))
        if d.seconds(at) > d.sim.duration:
            raise ExamError(409, "over", N_("The reception simulation is over; please submit this section."))
        if not isinstance(customer, str) or customer not in {c.id for c in d.sim.customers}:
            raise ExamError(422, "invalid", N_("There is no such customer at this desk."))
        try:
            reply(state, max(state.clock, d.seconds(at)), customer, text)
        except DeskError as exc:
            raise ExamError(409, "not_arrived", N_("This customer has not written to you yet.")) from exc
        extra: dict[str, Any] = {"sent": int(response.get("sent") or 0) + 1}
        if cid:
            extra["cids"] = (cids + [cid])[-MAX_CIDS:]
        if pasted:  # the paste itself was recorded as an integrity signal by the page when it happened
            chat = state.chat(customer)
            index = max(i for i, m in enumerate(chat.messages) if m.sender == "candidate")
            extra["pastes"] = (list(response.get("pastes") or []) + [[customer, index, pasted]])[-MAX_PASTES:]
        return state, _response(d, state, extra)

    changed = _change(engine, user.id, attempt_id, position, change)  # type: ignore[arg-type]
    if changed is None:
        return None
    if not changed[0].running():
        raise ExamError(409, "closed", N_("This section is closed; the desk no longer takes messages."))
    return _view(changed[0], changed[1], stamp or utcnow(), known)


def _deadline_passed(desk: _Desk, now: datetime, settings: Any) -> bool:
    """Whether the section's or the exam's deadline (plus the grace) has passed."""
    grace = attempts.grace(settings)
    if now > desk.attempt_deadline + grace:
        return True
    return desk.section_deadline is not None and now > desk.section_deadline + grace


def _apply_deadlines(engine: Engine, user: User, attempt_id: int, settings: Any, now: datetime) -> None:
    """Close what the deadlines closed (and grade a finished attempt), as every candidate action does."""
    with session_scope(engine) as session:
        attempt = attempts.lock_attempt(session, attempt_id, candidate_id=user.id)
        if attempt is not None:
            attempts.sync(session, attempt, settings, now)
            if attempt.status == "submitted":
                results.try_grade(session, attempt)

"""SQLModel tables: accounts, sessions, banks, openings, attempts, review and audit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from exam.timeutil import as_utc, utcnow


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every engine (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return as_utc(value) if value is not None else None


def utc_field(*, nullable: bool = True, index: bool = False, default_now: bool = False) -> Any:
    """A UTC datetime column."""
    kwargs: dict[str, Any] = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default_now:
        kwargs["default_factory"] = utcnow
    else:
        kwargs["default"] = None
    return Field(**kwargs)


def json_field(default_factory: Any = dict) -> Any:
    """A JSON column; assign a new object to change it (in-place mutation is not saved)."""
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Role(str, enum.Enum):
    """The four roles of the platform."""

    admin = "admin"
    hr = "hr"
    trainer = "trainer"
    candidate = "candidate"


# --- accounts -------------------------------------------------------------------------


class UserBase(SQLModel):
    """Fields shared by user models."""

    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    role: Role = Field(sa_type=Text)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    locale: str | None = Field(default=None, max_length=10)


class User(UserBase, table=True):
    """An account."""

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = utc_field(nullable=False, default_now=True)
    password_changed_at: datetime | None = utc_field()


class UserSession(SQLModel, table=True):
    """A server-side login session; the cookie carries a token whose SHA-256 is the id."""

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = utc_field(nullable=False, default_now=True)
    last_seen_at: datetime = utc_field(nullable=False, default_now=True)
    expires_at: datetime = utc_field(nullable=False)
    revoked_at: datetime | None = utc_field()
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class LoginAttempt(SQLModel, table=True):
    """One login try, kept for throttling and the security log."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    ip: str = Field(max_length=64, index=True)
    at: datetime = utc_field(nullable=False, default_now=True, index=True)
    success: bool = False


class AuditLog(SQLModel, table=True):
    """Who did what, when, with the state before and after."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(nullable=False, default_now=True, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=64, index=True)
    target_type: str = Field(default="", max_length=64)
    target_id: str = Field(default="", max_length=128, index=True)
    before: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    comment: str = Field(default="", sa_type=Text)


class ApiToken(SQLModel, table=True):
    """An HR user's API token for scripts: it acts as its owner within its scopes; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(default="", max_length=16)  # the token's first characters, to recognise it in lists
    scopes: list = json_field(list)
    created_at: datetime = utc_field(nullable=False, default_now=True)
    expires_at: datetime | None = utc_field()
    last_used_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()


class ApiTokenUse(SQLModel, table=True):
    """One request made with an API token (the use log, and the rate limit's count)."""

    __table_args__ = (Index("ix_apitokenuse_token_at", "token_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="apitoken.id", ondelete="CASCADE")
    at: datetime = utc_field(nullable=False, default_now=True)
    method: str = Field(max_length=8)
    path: str = Field(max_length=300)
    ip: str = Field(default="", max_length=64)


# --- banks ------------------------------------------------------------------------------


class Question(SQLModel, table=True):
    """A question's identity and the metadata of its current version (for filtering)."""

    id: str = Field(primary_key=True, max_length=120)
    type: str = Field(max_length=32, index=True)
    status: str = Field(default="active", max_length=16, index=True)
    current_version: int = 1
    title: str = Field(default="", sa_type=Text)
    topics: str = Field(default="", max_length=500)  # " topic1 topic2 " for LIKE filters
    difficulty: int = 1
    stage: str | None = Field(default=None, max_length=16)
    updated_at: datetime = utc_field(nullable=False, default_now=True)


class QuestionVersion(SQLModel, table=True):
    """One immutable version of a question's full bank content."""

    __table_args__ = (UniqueConstraint("question_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    version: int
    content: dict = json_field()
    content_hash: str = Field(max_length=64)
    created_at: datetime = utc_field(nullable=False, default_now=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    note: str = Field(default="", sa_type=Text)


class JobProfile(SQLModel, table=True):
    """A job profile's identity and current version."""

    id: str = Field(primary_key=True, max_length=120)
    title: str = Field(default="", max_length=200)
    status: str = Field(default="active", max_length=16)
    current_version: int = 1
    updated_at: datetime = utc_field(nullable=False, default_now=True)


class JobProfileVersion(SQLModel, table=True):
    """One immutable version of a job profile."""

    __table_args__ = (UniqueConstraint("profile_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    profile_id: str = Field(foreign_key="jobprofile.id", index=True, max_length=120)
    version: int
    content: dict = json_field()
    content_hash: str = Field(max_length=64)
    created_at: datetime = utc_field(nullable=False, default_now=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    note: str = Field(default="", sa_type=Text)


class ScoredReply(SQLModel, table=True):
    """A reply that a trainer scored by hand (0–10), for checking a rubric against people."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, max_length=120)
    text: str = Field(sa_type=Text)
    human_score: float
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(nullable=False, default_now=True)


# --- openings, invitations, attempts -----------------------------------------------------


class Opening(SQLModel, table=True):
    """A position HR is hiring for, examined with one job profile version."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    profile_id: str = Field(foreign_key="jobprofile.id", max_length=120)
    profile_version: int
    opens_at: datetime = utc_field(nullable=False)
    closes_at: datetime = utc_field(nullable=False)
    show_result: bool = False
    retention_days: int = 180
    status: str = Field(default="open", max_length=16)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(nullable=False, default_now=True)
    # the HR user who owns the opening (None: nobody until the admin assigns it); see services/access.py
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")


class OpeningShare(SQLModel, table=True):
    """An HR user an opening is shared with: they see and act on it, but only the owner deletes data or shares."""

    __table_args__ = (UniqueConstraint("opening_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = utc_field(nullable=False, default_now=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Invitation(SQLModel, table=True):
    """A single-candidate link to one opening; the link carries a token whose hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    extra_time_factor: float = 1.0
    candidate_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(nullable=False, default_now=True)
    expires_at: datetime = utc_field(nullable=False)
    notice_accepted_at: datetime | None = utc_field()
    revoked_at: datetime | None = utc_field()


class Attempt(SQLModel, table=True):
    """One candidate's exam for one opening (at most one per candidate and opening)."""

    __table_args__ = (
        UniqueConstraint("opening_id", "candidate_id"),
        Index("ix_attempt_opening_score", "opening_id", "hiring_score"),
        Index("ix_attempt_opening_rank", "opening_id", "hard_requirements_met", "hiring_score"),  # ranking order
    )
    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    candidate_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id", ondelete="SET NULL")
    status: str = Field(default="in_progress", max_length=16, index=True)
    paper: dict = json_field()
    started_at: datetime = utc_field(nullable=False, default_now=True)
    deadline_at: datetime = utc_field(nullable=False)
    submitted_at: datetime | None = utc_field()
    graded_at: datetime | None = utc_field()
    current_section: int = 0
    results: dict = json_field()
    hiring_score: float | None = Field(default=None, index=True)
    hard_requirements_met: bool | None = None
    band: str | None = Field(default=None, max_length=32)
    decision: str | None = Field(default=None, max_length=16, index=True)
    decision_note: str = Field(default="", sa_type=Text)
    signal_count: int = 0


class AttemptSection(SQLModel, table=True):
    """The server-side clock of one section of an attempt."""

    __table_args__ = (UniqueConstraint("attempt_id", "section_id"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    section_id: str = Field(max_length=64)
    position: int = 0
    started_at: datetime | None = utc_field()
    deadline_at: datetime | None = utc_field()
    submitted_at: datetime | None = utc_field()


class Answer(SQLModel, table=True):
    """A candidate's answer to one question of a paper, with its grading."""

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    question_id: str = Field(max_length=120)
    question_version_id: int = Field(foreign_key="questionversion.id")
    section_id: str = Field(max_length=64)
    position: int = 0
    response: dict = json_field()
    version: int = 0  # bumped on every save; stale writes are refused
    flagged: bool = False
    updated_at: datetime = utc_field(nullable=False, default_now=True)
    score: float | None = None
    max_score: float = 1.0
    result: dict = json_field()
    overrides: dict = json_field()
    seconds: float | None = None  # time the candidate spent on the item (reported by the exam page)


class IntegrityEvent(SQLModel, table=True):
    """A timestamped integrity signal from the exam page or the server."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    at: datetime = utc_field(nullable=False, default_now=True)
    kind: str = Field(max_length=32)
    detail: dict = json_field()


# --- statistics, calibration from real replies, outcomes of hires ----------------------------------


class QuestionExposure(SQLModel, table=True):
    """How many papers have shown a question (kept when candidates are deleted: they did see it)."""

    question_id: str = Field(primary_key=True, max_length=120)
    seen: int = 0


class StatsSnapshot(SQLModel, table=True):
    """Computed statistics of one scope ("items", "opening:<id>"), with the marker of the data behind them."""

    scope: str = Field(primary_key=True, max_length=64)
    computed_at: datetime = utc_field(nullable=False, default_now=True)
    marker: str = Field(default="", max_length=200)
    data: dict = json_field()


class BlindScore(SQLModel, table=True):
    """A trainer's score (0-10) of a real reply, given without seeing the machine score or the candidate."""

    __table_args__ = (UniqueConstraint("answer_id", "rater_id"),)
    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True, ondelete="CASCADE")
    question_id: str = Field(max_length=120, index=True)
    rater_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    score: float
    created_at: datetime = utc_field(nullable=False, default_now=True)


class HireOutcome(SQLModel, table=True):
    """What became of a hire: probation and the job's KPIs after three months (rates in percent)."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", unique=True, ondelete="CASCADE")
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    probation_passed: bool | None = None
    conversion_rate: float | None = None
    response_time: float | None = None
    reply_rate: float | None = None
    bad_review_rate: float | None = None
    satisfaction: float | None = None
    note: str = Field(default="", sa_type=Text)
    recorded_at: datetime = utc_field(nullable=False, default_now=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class RubricRegrade(SQLModel, table=True):
    """A rubric edit applied to past replies: which question and versions, by whom, how many changed."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(max_length=120, index=True)
    from_version: int
    to_version: int
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    at: datetime = utc_field(nullable=False, default_now=True)
    answers: int = 0
    attempts: int = 0
    skipped: int = 0
    # the regrade runs in a background job: queued -> running (a worker holds it until lease_until) -> done | failed
    status: str = Field(default="done", max_length=16, index=True)
    done: int = 0  # replies graded again so far (the progress shown to the trainer)
    lease_until: datetime | None = utc_field()
    finished_at: datetime | None = utc_field()
    error: str = Field(default="", sa_type=Text)


class RankChange(SQLModel, table=True):
    """One candidate whose hiring score or rank a rubric regrade changed (shown to HR)."""

    id: int | None = Field(default=None, primary_key=True)
    regrade_id: int = Field(foreign_key="rubricregrade.id", index=True, ondelete="CASCADE")
    attempt_id: int = Field(foreign_key="attempt.id", index=True, ondelete="CASCADE")
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    old_score: float | None = None
    new_score: float | None = None
    old_rank: int | None = None
    new_rank: int | None = None


# --- invitation e-mails ---------------------------------------------------------------------


class EmailDelivery(SQLModel, table=True):
    """An invitation e-mail: queued by HR, sent by a background job with retries; its status is shown to HR."""

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitation.id", index=True, ondelete="CASCADE")
    to_address: str = Field(max_length=254)
    base_url: str = Field(max_length=500)  # the public address the link in the e-mail starts with
    status: str = Field(default="queued", max_length=16, index=True)  # queued, sending, sent, failed
    attempts: int = 0
    next_attempt_at: datetime = utc_field(nullable=False, default_now=True, index=True)
    lease_until: datetime | None = utc_field()  # a sender holds the e-mail until then (several processes)
    sent_at: datetime | None = utc_field()
    last_error: str = Field(default="", sa_type=Text)
    created_at: datetime = utc_field(nullable=False, default_now=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class DeskClock(SQLModel, table=True):
    """The hot index of a reception desk (the state itself is the answer's response): for the live stream's cheap
    check of "anything new?" without reading the transcript. Written with the answer, in the same transaction."""

    answer_id: int = Field(primary_key=True, foreign_key="answer.id", ondelete="CASCADE")
    seq: int = 0  # messages in the desk's state (they are only ever appended)
    due_at: datetime | None = utc_field()  # when the next customer event is due (None: nothing more)
    ends_at: datetime = utc_field(nullable=False)  # the simulation's end on the server's clock
    updated_at: datetime = utc_field(nullable=False, default_now=True)


# --- webhooks and group-chat notifications ---------------------------------------------------------


class WebhookEndpoint(SQLModel, table=True):
    """Where an opening's events go: a generic signed-JSON receiver or a 企业微信/钉钉/飞书 group robot."""

    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="generic", max_length=16)  # generic, wecom, dingtalk, feishu
    url: str = Field(max_length=1000)
    secret: str = Field(default="", max_length=200)  # generic: ours (signs the body); robots: the robot's own
    events: list = json_field(list)  # subscribed event names, e.g. ["attempt.graded"]
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = utc_field(nullable=False, default_now=True)


class WebhookEvent(SQLModel, table=True):
    """The outbox: one event of an attempt, written in the transaction that caused it (payload = a snapshot)."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=40, unique=True)  # the event's public id (the payload's "id")
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)  # attempt.submitted, attempt.graded, attempt.overridden, attempt.decided, ping
    occurred_at: datetime = utc_field(nullable=False, default_now=True)
    payload: dict = json_field()


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint: pending → sending (leased by one deliverer) → delivered, or retried, or failed."""

    __table_args__ = (Index("ix_webhookdelivery_due", "status", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=40, unique=True)  # X-Exam-Delivery: the same on every retry and resend
    event_id: int = Field(foreign_key="webhookevent.id", index=True, ondelete="CASCADE")
    endpoint_id: int = Field(foreign_key="webhookendpoint.id", index=True, ondelete="CASCADE")
    status: str = Field(default="pending", max_length=16)  # pending, sending, delivered, failed
    tries: int = 0
    next_try_at: datetime = utc_field(nullable=False, default_now=True)
    lease_until: datetime | None = utc_field()
    last_status_code: int | None = None
    last_error: str = Field(default="", sa_type=Text)
    delivered_at: datetime | None = utc_field()
    created_at: datetime = utc_field(nullable=False, default_now=True)


class WebhookTry(SQLModel, table=True):
    """One HTTP request of a delivery: when, the answer's status and an excerpt, how long it took, the error."""

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhookdelivery.id", index=True, ondelete="CASCADE")
    at: datetime = utc_field(nullable=False, default_now=True)
    status_code: int | None = None
    duration_ms: int = 0
    error: str = Field(default="", sa_type=Text)
    response_excerpt: str = Field(default="", sa_type=Text)


# --- exports that run in the background ------------------------------------------------------------


class ExportJob(SQLModel, table=True):
    """An HR export of a ranking (filters and order as asked): queued → running (leased by one worker) → done or
    failed; its file is stored in ``ExportChunk`` rows until ``expires_at``."""

    __table_args__ = (Index("ix_exportjob_due", "status", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="opening.id", index=True, ondelete="CASCADE")
    requested_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    kind: str = Field(max_length=8)  # csv, xlsx
    params: dict = json_field()  # {"filters": [[name, value], ...], "sort": "rank", "desc": true}
    locale: str = Field(default="zh_CN", max_length=16)  # the language of the headers and labels
    status: str = Field(default="queued", max_length=16)  # queued, running, done, failed
    rows_done: int = 0
    rows_total: int | None = None
    tries: int = 0
    lease_until: datetime | None = utc_field()  # a worker holds the running job until then (renewed as it goes)
    error: str = Field(default="", sa_type=Text)  # why it failed (for the log; HR reads a translated message)
    size: int = 0  # bytes of the finished file
    created_at: datetime = utc_field(nullable=False, default_now=True)
    started_at: datetime | None = utc_field()
    finished_at: datetime | None = utc_field()
    expires_at: datetime | None = utc_field(index=True)  # the file is deleted after this


class ExportChunk(SQLModel, table=True):
    """One piece of an export's file, in order (written as the export goes; read back one piece at a time)."""

    job_id: int = Field(primary_key=True, foreign_key="exportjob.id", ondelete="CASCADE")
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

"""What the JSON API reads and changes, for a caller acting as an HR user: pages of openings and invitations,
a batch of invitations, a finished candidate's result, a decision.

Every function goes through :mod:`exam.services.access` (an opening the caller may not see does not exist for
them) and reuses the services of the HR pages: :func:`exam.services.openings.invite`,
:func:`exam.services.review.decide`, :func:`exam.hiring.explain.hiring_of`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from exam.db import transactional
from exam.errors import UserError
from exam.hiring.explain import Labels, hiring_of
from exam.hiring.score import HiringResult
from exam.integrity import SIGNAL_KINDS
from exam.models import Attempt, IntegrityEvent, Invitation, Opening, User
from exam.security import N_
from exam.services import access, openings, review
from exam.services.ranking import OpeningStats, opening_stats
from exam.timeutil import utcnow

MAX_BATCH = 500
WINDOW_STATES = ("upcoming", "open", "closed")
INVITATION_STATES = (
    "invited",
    "opened",
    "accepted",
    "in_progress",
    "submitted",
    "graded",
    "expired",
    "abandoned",
    "revoked",
)

__all__ = [
    "BatchRefused",
    "InvitationRow",
    "Page",
    "Result",
    "invitation",
    "invitation_page",
    "invite_batch",
    "opening",
    "opening_page",
    "result",
    "set_decision",
]


@dataclass
class Page:
    """One page of rows in id order, and whether more follow."""

    rows: list[Any]
    more: bool
    total: int


@dataclass
class InvitationRow:
    """An invitation with its attempt (if started) and its status."""

    invitation: Invitation
    attempt: Attempt | None
    status: str


class BatchRefused(UserError):
    """A batch of invitations of which some were refused; nothing was created. ``errors``: (index, message)."""

    def __init__(self, errors: list[tuple[int, UserError]]) -> None:
        super().__init__(N_("Some invitations were refused; none was created."))
        self.errors = errors


class NotFinished(UserError):
    """The attempt has no result yet."""


@dataclass
class Result:
    """A graded attempt's result as the API shows it."""

    attempt: Attempt
    opening: Opening
    hiring: HiringResult | None
    labels: Labels
    signals: dict[str, int] = field(default_factory=dict)


# --- openings ---------------------------------------------------------------------------------


def _window_filter(state: str, now: datetime):  # type: ignore[no-untyped-def]
    closed = or_(col(Opening.status) == "closed", col(Opening.closes_at) <= now)
    if state == "closed":
        return closed
    if state == "upcoming":
        return and_(~closed, col(Opening.opens_at) > now)
    return and_(~closed, col(Opening.opens_at) <= now)


def opening_page(
    session: Session,
    user: User,
    *,
    status: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    after: int = 0,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """The openings the user may see, by id, after the cursor ``after``, filtered by window state and creation."""
    now = now or utcnow()
    conditions = [col(Opening.id).in_(access.opening_ids_for(user))]
    if status:
        conditions.append(_window_filter(status, now))
    if created_after is not None:
        conditions.append(col(Opening.created_at) >= created_after)
    if created_before is not None:
        conditions.append(col(Opening.created_at) < created_before)
    total = session.exec(select(func.count()).select_from(Opening).where(*conditions)).one()
    rows = session.exec(
        select(Opening).where(*conditions, col(Opening.id) > after).order_by(col(Opening.id)).limit(limit + 1)
    ).all()
    return Page(rows=list(rows[:limit]), more=len(rows) > limit, total=int(total))


@dataclass
class OpeningDetail:
    """An opening with its counts: invitations, attempts by status, bands and decisions."""

    opening: Opening
    invitations: int
    stats: OpeningStats


def opening(session: Session, user: User, opening_id: int) -> OpeningDetail:
    """One opening the user may see, with its counts (NoAccess otherwise)."""
    found = access.require_opening(session, user, opening_id, "view")
    invited = session.exec(select(func.count()).select_from(Invitation).where(Invitation.opening_id == found.id)).one()
    return OpeningDetail(found, int(invited), opening_stats(session, found.id))  # type: ignore[arg-type]


# --- invitations ------------------------------------------------------------------------------


def _attempt_join():  # type: ignore[no-untyped-def]
    return and_(
        col(Attempt.opening_id) == col(Invitation.opening_id), col(Attempt.candidate_id) == col(Invitation.candidate_id)
    )


def _status_filter(status: str, now: datetime):  # type: ignore[no-untyped-def]
    """SQL for openings.invitation_status(...) == status (the attempt outer-joined)."""
    no_attempt = col(Attempt.id).is_(None)
    if status in ("in_progress", "submitted", "graded", "abandoned"):
        return col(Attempt.status) == status
    live = and_(no_attempt, col(Invitation.revoked_at).is_(None))
    if status == "revoked":
        return and_(no_attempt, col(Invitation.revoked_at).is_not(None))
    if status == "expired":
        return or_(col(Attempt.status) == "expired", and_(live, col(Invitation.expires_at) <= now))
    waiting = and_(live, col(Invitation.expires_at) > now)
    if status == "accepted":
        return and_(waiting, col(Invitation.notice_accepted_at).is_not(None))
    if status == "opened":
        return and_(waiting, col(Invitation.notice_accepted_at).is_(None), col(Invitation.candidate_id).is_not(None))
    return and_(waiting, col(Invitation.notice_accepted_at).is_(None), col(Invitation.candidate_id).is_(None))


def invitation_page(
    session: Session,
    user: User,
    opening_id: int,
    *,
    status: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    after: int = 0,
    limit: int = 50,
    now: datetime | None = None,
) -> Page:
    """An opening's invitations by id, after the cursor, filtered by status and creation (rows: InvitationRow)."""
    now = now or utcnow()
    found = access.require_opening(session, user, opening_id, "view")
    conditions = [col(Invitation.opening_id) == found.id]
    if status:
        conditions.append(_status_filter(status, now))
    if created_after is not None:
        conditions.append(col(Invitation.created_at) >= created_after)
    if created_before is not None:
        conditions.append(col(Invitation.created_at) < created_before)
    base = select(func.count()).select_from(Invitation).outerjoin(Attempt, _attempt_join()).where(*conditions)
    total = session.exec(base).one()
    rows = session.exec(
        select(Invitation, Attempt)
        .outerjoin(Attempt, _attempt_join())
        .where(*conditions, col(Invitation.id) > after)
        .order_by(col(Invitation.id))
        .limit(limit + 1)
    ).all()
    items = [InvitationRow(inv, att, openings.invitation_status(inv, att, now)) for inv, att in rows[:limit]]
    return Page(rows=items, more=len(rows) > limit, total=int(total))


def invitation(session: Session, user: User, invitation_id: int) -> InvitationRow:
    """One invitation of an opening the user may see, with its status."""
    found = access.require_invitation(session, user, invitation_id, "view")
    attempt = openings.attempt_of(session, found)
    return InvitationRow(found, attempt, openings.invitation_status(found, attempt))


@transactional
def invite_batch(
    session: Session, user: User, opening_id: int, people: Sequence[dict[str, Any]], *, secret_key: str
) -> list[tuple[Invitation, str]]:
    """Invite everyone in ``people`` (name, email, phone, extra_time_factor) or nobody: (invitation, token) each.

    Every refused entry is reported (BatchRefused, with its index); the others are rolled back with them.
    """
    found = access.require_opening(session, user, opening_id, "edit")
    if not people:
        raise UserError(N_("Send at least one invitation."))
    if len(people) > MAX_BATCH:
        raise UserError(N_("At most %(n)s invitations in one request."), n=MAX_BATCH)
    created: list[tuple[Invitation, str]] = []
    errors: list[tuple[int, UserError]] = []
    for index, person in enumerate(people):
        try:
            created.append(openings.invite(session, found, actor=user, secret_key=secret_key, **person))
        except openings.OpeningError as exc:
            errors.append((index, exc))
    if errors:
        raise BatchRefused(errors)
    return created


# --- results and decisions --------------------------------------------------------------------


def result(session: Session, user: User, attempt_id: int) -> Result:
    """A finished candidate's result: hiring score and its parts, integrity signals (NotFinished before grading)."""
    attempt = access.require_attempt(session, user, attempt_id, "view")
    found = access.require_opening(session, user, attempt.opening_id, "view")
    if attempt.status != "graded":
        raise NotFinished(N_("This candidate's exam is not graded yet (status: %(status)s)."), status=attempt.status)
    profile = review.profile_of(session, found)
    kinds = session.exec(select(IntegrityEvent.kind).where(IntegrityEvent.attempt_id == attempt.id)).all()
    signals = Counter(k for k in kinds if k in SIGNAL_KINDS)
    return Result(
        attempt=attempt,
        opening=found,
        hiring=hiring_of(attempt, profile),
        labels=Labels(profile, attempt.results),
        signals=dict(sorted(signals.items())),
    )


def set_decision(session: Session, user: User, attempt_id: int, decision: str | None, note: str) -> Attempt:
    """Record a decision (None clears it) with its note, under the HR page's rules (review.decide)."""
    attempt = access.require_attempt(session, user, attempt_id, "view")
    review.decide(session, user, attempt, decision or "none", note)
    return attempt

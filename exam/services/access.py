"""Who may see and change which openings: the one access rule of HR data, used by every HR route and service.

An opening has an owner (``Opening.owner_id``) and the HR users it is shared with (``OpeningShare``).

- **view** and **edit** (the opening, its invitations, ranking, reports, exports, decisions, overrides):
  the owner and the HR users it is shared with;
- **owner** actions (sharing, deleting a candidate's data): the owner only;
- **transfer** (assigning an opening to another HR user): the admin only;
- **calibrate** (reading a candidate's replies under a pseudonym, to check the rubrics): trainers, any opening.

Anybody else gets :class:`NoAccess`, which the web layer shows as 404: an opening one may not see does not
exist for them (its id reveals nothing).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import or_
from sqlmodel import Session, col, select

from exam.models import Attempt, Invitation, Opening, OpeningShare, Role, User

__all__ = [
    "Action",
    "NoAccess",
    "allowed",
    "openings_for",
    "opening_ids_for",
    "require_attempt",
    "require_invitation",
    "require_opening",
]

Action = Literal["view", "edit", "owner", "transfer", "calibrate"]


class NoAccess(LookupError):
    """The user may not do this to this opening (or it does not exist): shown as 404."""


def _role(user: User | None) -> str:
    role = getattr(user, "role", None)
    return getattr(role, "value", role) or ""


def opening_ids_for(user: User):  # type: ignore[no-untyped-def]
    """SELECT opening.id of the openings this HR user owns or that are shared with them."""
    shared = select(col(OpeningShare.opening_id)).where(col(OpeningShare.user_id) == user.id)
    return select(col(Opening.id)).where(or_(col(Opening.owner_id) == user.id, col(Opening.id).in_(shared)))


def openings_for(session: Session, user: User) -> list[Opening]:
    """The openings this user may see, newest first (all of them for the admin, none for other roles)."""
    stmt = select(Opening).order_by(col(Opening.created_at).desc(), col(Opening.id).desc())
    role = _role(user)
    if role == Role.hr.value:
        stmt = stmt.where(col(Opening.id).in_(opening_ids_for(user)))
    elif role != Role.admin.value:
        return []
    return list(session.exec(stmt).all())


def allowed(session: Session, user: User | None, opening: Opening, action: Action = "view") -> bool:
    """Whether ``user`` may do ``action`` to ``opening`` (the rule in this module's docstring)."""
    if user is None or not user.is_active:
        return False
    role = _role(user)
    if action == "transfer":
        return role == Role.admin.value
    if action == "calibrate":
        return role == Role.trainer.value or allowed(session, user, opening, "view")
    if role != Role.hr.value:
        return False
    if opening.owner_id is not None and opening.owner_id == user.id:
        return True
    if action == "owner":
        return False
    share = session.exec(
        select(OpeningShare.id).where(OpeningShare.opening_id == opening.id, OpeningShare.user_id == user.id)
    ).first()
    return share is not None


def require_opening(session: Session, user: User | None, opening_id: int, action: Action = "view") -> Opening:
    """The opening if ``user`` may do ``action`` to it; NoAccess otherwise (also when it does not exist)."""
    opening = session.get(Opening, opening_id)
    if opening is None or not allowed(session, user, opening, action):
        raise NoAccess(f"opening {opening_id}")
    return opening


def require_attempt(session: Session, user: User | None, attempt_id: int, action: Action = "view") -> Attempt:
    """The attempt if ``user`` may do ``action`` to its opening; NoAccess otherwise."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NoAccess(f"attempt {attempt_id}")
    require_opening(session, user, attempt.opening_id, action)
    return attempt


def require_invitation(session: Session, user: User | None, invitation_id: int, action: Action = "edit") -> Invitation:
    """The invitation if ``user`` may do ``action`` to its opening; NoAccess otherwise."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NoAccess(f"invitation {invitation_id}")
    require_opening(session, user, invitation.opening_id, action)
    return invitation

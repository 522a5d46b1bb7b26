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

from exam.db import transactional
from exam.errors import UserError
from exam.models import Attempt, Invitation, Opening, OpeningShare, Role, User
from exam.security import N_
from exam.services.accounts import audit

__all__ = [
    "Action",
    "NoAccess",
    "SharingError",
    "hr_users",
    "share",
    "shares_of",
    "transfer",
    "unshare",
    "allowed",
    "openings_for",
    "opening_ids_for",
    "require_attempt",
    "require_invitation",
    "require_opening",
]

Action = Literal["view", "edit", "owner", "transfer", "calibrate"]


class NoAccess(LookupError):
    """The user may not do this to this opening: 404 when they may not even see it (or it does not exist),
    403 when they see it but the action is the owner's or the admin's."""

    def __init__(self, what: str, status: int = 404) -> None:
        super().__init__(what)
        self.status = status


class SharingError(UserError):
    """A refused share or transfer; ``message`` is an English msgid."""


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
        visible = opening is not None and action != "view" and allowed(session, user, opening, "view")
        raise NoAccess(f"opening {opening_id}", 403 if visible else 404)
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


# --- sharing and transfer ----------------------------------------------------------------------------


def hr_users(session: Session) -> list[User]:
    """The active HR accounts (the people an opening can be shared with or given to)."""
    return list(
        session.exec(
            select(User).where(User.role == Role.hr, col(User.is_active).is_(True)).order_by(col(User.username))
        ).all()
    )


def shares_of(session: Session, opening: Opening) -> list[User]:
    """The HR users an opening is shared with, by name."""
    return list(
        session.exec(
            select(User)
            .join(OpeningShare, col(OpeningShare.user_id) == col(User.id))
            .where(OpeningShare.opening_id == opening.id)
            .order_by(col(User.username))
        ).all()
    )


def _hr_target(session: Session, user_id: int) -> User:
    target = session.get(User, user_id)
    if target is None or _role(target) != Role.hr.value or not target.is_active:
        raise SharingError(N_("Openings can only be shared with or given to active HR accounts."))
    return target


@transactional
def share(session: Session, actor: User, opening_id: int, user_id: int) -> User:
    """The owner shares an opening with another HR user (audited); sharing twice changes nothing."""
    opening = require_opening(session, actor, opening_id, "owner")
    target = _hr_target(session, user_id)
    if target.id == opening.owner_id:
        raise SharingError(N_("This HR user owns the opening already."))
    exists = session.exec(
        select(OpeningShare).where(OpeningShare.opening_id == opening.id, OpeningShare.user_id == target.id)
    ).first()
    if exists is None:
        session.add(OpeningShare(opening_id=opening.id, user_id=target.id, created_by_id=actor.id))  # type: ignore[arg-type]
        audit(session, actor, "opening.share", "opening", str(opening.id), after={"user_id": target.id})
    return target


@transactional
def unshare(session: Session, actor: User, opening_id: int, user_id: int) -> None:
    """The owner stops sharing an opening with an HR user (audited)."""
    opening = require_opening(session, actor, opening_id, "owner")
    row = session.exec(
        select(OpeningShare).where(OpeningShare.opening_id == opening.id, OpeningShare.user_id == user_id)
    ).first()
    if row is not None:
        session.delete(row)
        audit(session, actor, "opening.unshare", "opening", str(opening.id), before={"user_id": user_id})


@transactional
def transfer(session: Session, actor: User, opening_id: int, owner_id: int) -> Opening:
    """The admin gives an opening to another HR user (someone left); the shares stay, the old owner loses it."""
    opening = require_opening(session, actor, opening_id, "transfer")
    target = _hr_target(session, owner_id)
    before = opening.owner_id
    opening.owner_id = target.id
    session.add(opening)
    own_share = session.exec(
        select(OpeningShare).where(OpeningShare.opening_id == opening.id, OpeningShare.user_id == target.id)
    ).first()
    if own_share is not None:
        session.delete(own_share)
    audit(
        session,
        actor,
        "opening.transfer",
        "opening",
        str(opening.id),
        before={"owner_id": before},
        after={"owner_id": target.id},
    )
    return opening

"""Invitation links as people receive them: the link under the current or an earlier secret key, QR codes,
the printable sheet of an opening's open invitations for walk-in hiring days, and the invitations list a
page at a time.

Links are HMACs of the invitation under the secret key, and only their hash is stored, so a link keeps
working for the candidate whatever the key; showing, printing or e-mailing it again needs the key it was
made with. EXAM_SECRET_KEY_PREVIOUS keeps earlier keys for that while a new key is rolled out.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from exam import security
from exam.models import Attempt, Invitation, Opening
from exam.services import openings
from exam.settings import Settings
from exam.timeutil import utcnow


def secret_keys(settings: Settings) -> list[str]:
    """The current secret key, then the earlier ones still accepted for links."""
    return [settings.resolved_secret_key(), *settings.previous_secret_keys()]


def link_token(keys: Sequence[str], invitation: Invitation) -> str | None:
    """The invitation's link token under whichever key made it (None when no configured key did)."""
    for key in keys:
        token = openings.invitation_token(key, invitation)
        if hmac.compare_digest(security.token_hash(token), invitation.token_hash):
            return token
    return None


def link(base_url: str, keys: Sequence[str], invitation: Invitation) -> str | None:
    """The full link a candidate follows (None when it was made under a key that is no longer configured)."""
    token = link_token(keys, invitation)
    return f"{base_url.rstrip('/')}/i/{token}" if token else None


def qr_svg(text: str, *, title: str = "QR") -> str:
    """A QR code of ``text`` as SVG to put inside HTML, sized by CSS (a viewBox, no width or height)."""
    import segno  # imported here: only pages with QR codes need it

    return segno.make(text, error="m").svg_inline(omitsize=True, dark="#000", light="#fff", title=title)


def qr_svg_file(text: str, *, scale: int = 8) -> bytes:
    """A QR code of ``text`` as a standalone SVG file."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=scale, dark="#000", light="#fff")
    return buffer.getvalue()


@dataclass(frozen=True)
class SheetCard:
    """One card of the printable sheet: who, the link and its QR code."""

    invitation: Invitation
    link: str
    qr: str


def sheet(
    session: Session, opening: Opening, base_url: str, keys: Sequence[str], now: datetime | None = None
) -> tuple[list[SheetCard], int]:
    """Cards for the invitations of an opening that can still be used, and how many links could not be shown."""
    now = now or utcnow()
    # an invitation whose candidate started the exam cannot be used again: leave those out in SQL (an opening
    # may have 10,000 attempts, whose rows are wide)
    started = select(Attempt.id).where(
        col(Attempt.opening_id) == opening.id, col(Attempt.candidate_id) == col(Invitation.candidate_id)
    )
    invitations = session.exec(
        select(Invitation)
        .where(Invitation.opening_id == opening.id, col(Invitation.revoked_at).is_(None), ~started.exists())
        .order_by(col(Invitation.id))
    ).all()
    cards, missing = [], 0
    for invitation in invitations:
        if openings.invitation_status(invitation, None, now) not in ("invited", "opened", "accepted"):
            continue
        url = link(base_url, keys, invitation)
        if url is None:
            missing += 1
            continue
        cards.append(SheetCard(invitation, url, qr_svg(url, title=invitation.name)))
    return cards, missing


INVITATIONS_PER_PAGE = 100


@dataclass
class InvitationPage:
    """One page of an opening's invitations (newest first) with their attempts, and how many match."""

    invitations: list[Invitation]
    attempts: dict[int, Attempt]  # by candidate id
    total: int
    page: int
    pages: int


def invitation_page(
    session: Session, opening: Opening, page: int = 1, query: str = "", per_page: int = INVITATIONS_PER_PAGE
) -> InvitationPage:
    """A page of the opening's invitations, optionally those whose name, e-mail or phone contains ``query``.

    Only the page's rows and their attempts are read (an opening may have 10,000 invitations).
    """
    where = [Invitation.opening_id == opening.id]
    query = query.strip()[:100]
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                col(Invitation.name).ilike(like, escape="\\"),
                col(Invitation.email).ilike(like, escape="\\"),
                col(Invitation.phone).ilike(like, escape="\\"),
            )
        )
    total = session.exec(select(func.count()).select_from(Invitation).where(*where)).one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    invitations = list(
        session.exec(
            select(Invitation)
            .where(*where)
            .order_by(col(Invitation.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    )
    candidates = [i.candidate_id for i in invitations if i.candidate_id is not None]
    attempts = {
        a.candidate_id: a
        for a in session.exec(
            select(Attempt).where(Attempt.opening_id == opening.id, col(Attempt.candidate_id).in_(candidates or [-1]))
        ).all()
    }
    return InvitationPage(invitations, attempts, total, page, pages)

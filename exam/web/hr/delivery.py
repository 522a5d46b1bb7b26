"""HR pages that get invitations to people: e-mail them, show a QR code, print a sheet for walk-in hiring days."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from exam.i18n import gettext as _
from exam.services import access, invitation_links, mail
from exam.web.deps import HROpening, HRUser, IdPath, SessionDep, public_base_url
from exam.web.hr.openings import _invitations_response, _row_response
from exam.web.templating import render

router = APIRouter(prefix="/hr")
NO_STORE = {"Cache-Control": "no-store"}  # the links in these answers sign a candidate in


@router.post("/invitations/{invitation_id}/email")
def email_invitation(request: Request, invitation_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """Queue the invitation's e-mail; the row then shows its delivery status."""
    invitation = access.require_invitation(session, user, invitation_id, "edit")
    settings = request.app.state.settings
    try:
        mail.queue_invitation(session, settings, invitation, base_url=public_base_url(request), actor=user)
    except mail.MailError as exc:
        return _row_response(request, session, invitation, 422, exc.translated())
    return _row_response(request, session, invitation)


@router.get("/invitations/{invitation_id}/row")
def invitation_row(request: Request, invitation_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """One invitation's row (polled by the row while its e-mail is on its way)."""
    return _row_response(request, session, access.require_invitation(session, user, invitation_id, "view"))


@router.post("/openings/{opening_id}/emails")
def email_opening(request: Request, opening: HROpening, user: HRUser, session: SessionDep) -> Response:
    """Queue the e-mail of every usable invitation of the opening that was never e-mailed."""
    settings = request.app.state.settings
    try:
        queued, skipped = mail.queue_opening(session, settings, opening, base_url=public_base_url(request), actor=user)
    except mail.MailError as exc:
        return _invitations_response(request, session, opening, 422, error=exc.translated())
    if skipped:
        notice = _("%(queued)s e-mails queued; %(skipped)s invitations with an address cannot be used any more.") % {
            "queued": queued,
            "skipped": skipped,
        }
    elif queued:
        notice = _("%(queued)s e-mails queued; they are sent in the background.") % {"queued": queued}
    else:
        notice = _("Every invitation with an e-mail address has already been e-mailed.")
    return _invitations_response(request, session, opening, notice=notice)


@router.get("/invitations/{invitation_id}/qr.svg")
def invitation_qr(request: Request, invitation_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """The QR code of an invitation's link (an SVG image)."""
    invitation = access.require_invitation(session, user, invitation_id, "view")
    link = invitation_links.link(public_base_url(request), request.app.state.secret_keys, invitation)
    if link is None:
        return Response(status_code=404, headers=NO_STORE)
    return Response(invitation_links.qr_svg_file(link), media_type="image/svg+xml", headers=NO_STORE)


@router.get("/openings/{opening_id}/print")
def print_sheet(request: Request, opening: HROpening, session: SessionDep) -> Response:
    """A printable sheet: one card with name, QR code and link per invitation that can still be used."""
    cards, missing = invitation_links.sheet(session, opening, public_base_url(request), request.app.state.secret_keys)
    response = render(request, "hr/print_invitations.html", {"opening": opening, "cards": cards, "missing": missing})
    response.headers.update(NO_STORE)
    return response

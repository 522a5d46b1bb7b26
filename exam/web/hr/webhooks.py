"""HR: an opening's webhooks and group-chat robots (企业微信, 钉钉, 飞书), a test event and the delivery log.

Every route reaches the opening through ``exam.services.access`` with the ``edit`` action (the owner and the HR
users it is shared with); the services refuse endpoints and deliveries of other openings.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exam.i18n import gettext as _
from exam.models import Opening
from exam.security import N_
from exam.services import access, webhooks
from exam.web.deps import FormDep, HRUser, IdPath, SessionDep
from exam.web.templating import _is_htmx, render

router = APIRouter(prefix="/hr")

KIND_LABELS = {
    "generic": N_("Your own system (signed JSON)"),
    "wecom": N_("WeCom group robot"),
    "dingtalk": N_("DingTalk group robot"),
    "feishu": N_("Feishu group robot"),
}
EVENT_LABELS = {
    "attempt.submitted": N_("A candidate submitted"),
    "attempt.graded": N_("Scores are ready"),
    "attempt.overridden": N_("A reviewer changed a mark"),
    "attempt.decided": N_("A decision was recorded"),
    "ping": N_("Test event"),
}
STATUS_LABELS = {
    "pending": N_("Waiting"),
    "sending": N_("Sending"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
}
NO_STORE = {"Cache-Control": "no-store"}  # the page shows signing secrets


def _context(session: Session, opening: Opening, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "opening": opening,
        "endpoints": webhooks.endpoints_of(session, opening),
        "log": webhooks.deliveries(session, opening),
        "kinds": webhooks.KINDS,
        "events": webhooks.EVENTS,
        "kind_labels": KIND_LABELS,
        "event_labels": EVENT_LABELS,
        "status_labels": STATUS_LABELS,
        "error": None,
        "notice": None,
        "form": {},
    }
    ctx.update(extra)
    return ctx


def _respond(request: Request, session: Session, opening: Opening, *, status_code: int = 200, **extra: Any) -> Response:
    """The section (htmx) or the whole page; a plain form post that worked goes back to the page."""
    if not _is_htmx(request) and status_code == 200 and request.method == "POST":
        return RedirectResponse(f"/hr/openings/{opening.id}/webhooks#webhooks", status_code=303)
    name = "hr/_webhooks.html" if _is_htmx(request) else "hr/webhooks.html"
    response = render(request, name, _context(session, opening, **extra), status_code=status_code)
    response.headers.update(NO_STORE)
    return response


@router.get("/openings/{opening_id}/webhooks")
def webhooks_page(request: Request, opening_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """The opening's endpoints, a form to add one, and the delivery log."""
    opening = access.require_opening(session, user, opening_id, "edit")
    return _respond(request, session, opening)


@router.post("/openings/{opening_id}/webhooks")
def add_webhook(request: Request, opening_id: IdPath, user: HRUser, session: SessionDep, form: FormDep) -> Response:
    """Add an endpoint (a generic receiver gets its signing secret here)."""
    opening = access.require_opening(session, user, opening_id, "edit")
    kind = str(form.get("kind") or "")
    url = str(form.get("url") or "")
    secret = str(form.get("secret") or "")
    events = [str(e) for e in form.getlist("events")]
    try:
        webhooks.add_endpoint(
            session, request.app.state.settings, user, opening_id, kind=kind, url=url, events=events, secret=secret
        )
    except webhooks.WebhookError as exc:
        form_back = {"kind": kind, "url": url[:1000], "events": events}
        return _respond(request, session, opening, status_code=422, error=exc.translated(), form=form_back)
    return _respond(request, session, opening, notice=_("The receiver was added."))


@router.post("/openings/{opening_id}/webhooks/{endpoint_id}")
def change_webhook(
    request: Request, opening_id: IdPath, endpoint_id: IdPath, user: HRUser, session: SessionDep, form: FormDep
) -> Response:
    """Pause, resume, remove or test an endpoint (``action``: disable, enable, delete, test)."""
    opening = access.require_opening(session, user, opening_id, "edit")
    action = str(form.get("action") or "")
    if action in ("enable", "disable"):
        webhooks.set_active(session, user, opening_id, endpoint_id, action == "enable")
        notice = _("The receiver is on.") if action == "enable" else _("The receiver is paused.")
    elif action == "delete":
        webhooks.remove_endpoint(session, user, opening_id, endpoint_id)
        notice = _("The receiver was removed.")
    elif action == "test":
        webhooks.send_test(session, user, opening_id, endpoint_id)
        notice = _("A test event is on its way; its delivery appears in the log below.")
    else:
        return _respond(request, session, opening, status_code=422, error=_("Unknown action."))
    return _respond(request, session, opening, notice=notice)


@router.post("/openings/{opening_id}/webhook-deliveries/{delivery_id}/resend")
def resend_delivery(
    request: Request, opening_id: IdPath, delivery_id: IdPath, user: HRUser, session: SessionDep
) -> Response:
    """Send a delivery again now."""
    opening = access.require_opening(session, user, opening_id, "edit")
    try:
        webhooks.resend(session, user, opening_id, delivery_id)
    except webhooks.WebhookError as exc:
        return _respond(request, session, opening, status_code=409, error=exc.translated())
    return _respond(request, session, opening, notice=_("The delivery will be sent again now."))

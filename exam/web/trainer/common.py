"""What the trainers' routers share: labels, the page renderer, small URL and row helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exam.hiring.explain import topic_label
from exam.i18n import gettext as _
from exam.models import Question
from exam.questions.base import TOPICS
from exam.questions.registry import all_types
from exam.services import calibration as cal
from exam.services import workspace as ws
from exam.services.bank_store import (
    diff_versions,
)
from exam.web.deps import get_or_404
from exam.web.labels import flag_labels
from exam.web.templating import render

MAX_REPLY_CHARS = 5000


# --- labels (functions: the locale is per request) ---------------------------------------------------


def type_labels() -> dict[str, str]:
    """Question type names for the UI."""
    return {name: _(question_type.label) for name, question_type in all_types().items()}


def tryable(kind: str) -> bool:
    """Whether trainers can try answers of this type against its grader."""
    types = all_types()
    return kind in types and types[kind].tryable


def topic_labels() -> dict[str, str]:
    """Topic names for the UI (the one list every role reads: exam.hiring.explain.TOPIC_LABELS)."""
    return {topic: topic_label(topic) for topic in TOPICS}


def stage_labels() -> dict[str, str]:
    """Service stage names."""
    return {"presale": _("Pre-sale"), "insale": _("In-sale"), "aftersale": _("After-sale")}


def customer_labels() -> dict[str, str]:
    """Customer type names."""
    return {
        "tiger": _("Tiger (decisive)"),
        "peacock": _("Peacock (sociable)"),
        "koala": _("Koala (gentle)"),
        "owl": _("Owl (analytical)"),
    }


def notices() -> dict[str, str]:
    """Messages shown after a redirect (?notice=...)."""
    return {
        "created": _("Question created (version 1)."),
        "updated": _("Saved as a new version."),
        "unchanged": _("Nothing changed, so no new version was made."),
        "retired": _("Question retired: new papers will not draw it. Its history and past answers are kept."),
        "active": _("Question reactivated."),
        "profile_created": _("Job profile created (version 1)."),
        "profile_updated": _("Job profile saved as a new version."),
        "profile_unchanged": _("Nothing changed, so no new version was made."),
    }


def page(request: Request, name: str, ctx: dict[str, Any], status_code: int = 200) -> Response:
    """Render a workspace template with the shared labels."""
    base = {
        "type_labels": type_labels(),
        "topic_labels": topic_labels(),
        "stage_labels": stage_labels(),
        "customer_labels": customer_labels(),
        "flag_labels": flag_labels(),
        "metric": cal.metric,
        "notice": notices().get(request.query_params.get("notice", "")),
    }
    base.update(ctx)
    return render(request, name, base, status_code=status_code)


def partial(request: Request, target: str) -> bool:
    """Whether htmx asked for the fragment swapped into #target (not a history restore)."""
    return request.headers.get("HX-Target") == target and request.headers.get("HX-History-Restore-Request") != "true"


def question_row(session: Session, question_id: str) -> Question:
    return get_or_404(session, Question, question_id)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def qurl(question_id: str, suffix: str = "") -> str:
    return f"/trainer/questions/{quote(question_id, safe='')}{suffix}"


def history_page(
    request: Request,
    session: Session,
    kind: str,
    item_id: str,
    base_url: str,
    versions: list[Any],
    current: int,
    a: int | None,
    b: int | None,
) -> Response:
    by_number = {v.version: v for v in versions}
    b = b if b in by_number else current
    if a not in by_number:
        a = b - 1 if (b - 1) in by_number else None
    diff = diff_versions(by_number[a], by_number[b]) if a is not None and b is not None else []
    ctx = {
        "kind": kind,
        "item_id": item_id,
        "base_url": base_url,
        "versions": versions,
        "current": current,
        "a": a,
        "b": b,
        "diff": diff,
        "names": ws.user_names(session, [v.created_by_id for v in versions]),
        "area": "profiles" if kind == "profile" else "questions",
    }
    if partial(request, "diff"):
        return page(request, "trainer/_diff.html", ctx)
    return page(request, "trainer/history.html", ctx)

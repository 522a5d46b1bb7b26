"""The Jinja2 environment: the shipped templates (exam.resources), gettext, shared globals and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from exam import i18n, security
from exam.resources import template_dir
from exam.timeutil import display_tz_label, to_display

TEMPLATE_DIR = template_dir()


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a stored datetime in the display time zone, labelled with its offset."""
    if value is None:
        return "—"
    return to_display(value).strftime(fmt) + " (" + display_tz_label() + ")"


def _is_htmx(request: Request) -> bool:
    """Whether the request came from htmx (partial swap wanted)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _evidence_note_parts(note: str | None) -> tuple[str, bool]:
    """An evidence note in words, and whether those words are the rubric author's own text (data).

    The words: a translated msgid, a library set's label, or else the rubric's own text.
    """
    from exam.questions._reply_points import describe

    note = note or ""
    if not note:
        return "", False
    translated = i18n.gettext(note)
    if translated != note:
        return translated, False
    text, translate = describe(note)
    return (i18n.gettext(text), False) if translate else (text, True)


def _evidence_note(note: str | None) -> str:
    """An evidence note in words (see ``_evidence_note_parts``)."""
    return _evidence_note_parts(note)[0]


def make_templates() -> Jinja2Templates:
    """Build the template renderer with i18n installed."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=False,
    )
    templates = Jinja2Templates(env=env)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["get_locale"] = i18n.get_locale
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["is_htmx"] = _is_htmx
    env.globals["tz_label"] = display_tz_label
    env.globals["lc"] = lambda: "：" if i18n.get_locale().startswith("zh") else ": "
    env.filters["dt"] = _datetime
    from exam.web.labels import flag_label, review_text

    env.globals["flag_label"] = flag_label
    from exam.banks.messages import localize
    from exam.banks.sources import detector_words, note_label, source_title

    env.globals["detector_words"] = detector_words
    env.globals["note_label"] = note_label
    env.globals["source_title"] = source_title

    env.filters["problem"] = lambda p: f"{p.path}:{p.line}: {localize(p.message)}"
    env.filters["problem_message"] = localize
    env.globals["review_text"] = review_text
    from exam.grading.rubric import is_negative_evidence

    env.globals["is_bad_evidence"] = is_negative_evidence
    from exam.grading.rubric.summary import describe_rubric

    env.globals["rubric_info"] = describe_rubric
    env.globals["evidence_note"] = _evidence_note
    env.globals["evidence_note_parts"] = _evidence_note_parts
    env.filters["pct"] = lambda v, d=1: "—" if v is None else f"{v:.{d}f}%"
    # A message kept as data (an evidence note: an English msgid or the rubric's own Chinese), translated
    # without %-formatting (notes may hold "30%").
    env.filters["tr"] = lambda v: i18n.gettext(v) if v else ""
    return templates


templates = make_templates()


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's CSRF cookie (set by the request context), for forms and the page's meta."""
    cookie = getattr(request.state, "csrf_cookie", "")
    return security.csrf_token_for(request.app.state.secret_key, cookie) if cookie else ""


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200, **kw: Any):
    """Render a template with the request's user, CSRF token and locale in the context."""
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "htmx": _is_htmx(request),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, **kw)


def safe_join_lines(lines: list[str]) -> Markup:
    """Join lines with <br> after escaping each."""
    return Markup("<br>").join(lines)

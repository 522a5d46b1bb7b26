"""The trainers' question bank: the list and filters, the editor with its live preview, versions, retiring, trying replies and scored replies."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from exam.grading.calibration import to_scale10
from exam.i18n import gettext as _
from exam.models import Question, ScoredReply
from exam.questions.base import TOPICS
from exam.questions.registry import all_types, parse_question
from exam.services import calibration as cal
from exam.services import stats
from exam.services import workspace as ws
from exam.services.bank_store import (
    bank_warnings,
    load_question,
    question_history,
    set_status,
    store_question,
)
from exam.web.deps import MAX_ID, IdPath, SessionDep, TrainerUser, VersionQuery, get_or_404
from exam.web.trainer.common import (
    MAX_REPLY_CHARS,
    history_page,
    page,
    partial,
    question_row,
    qurl,
    redirect,
    tryable,
)
from exam.web.trainer.stats import labels as stats_labels

router = APIRouter(prefix="/trainer")


# --- the question list -----------------------------------------------------------------------------


@router.get("")
def home(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    q: str = "",
    type: str = "",
    topic: str = "",
    difficulty: str = "",
    status: str = "active",
    stage: str = "",
    flagged: str = "",
) -> Response:
    """The trainer's home: the question bank with filters and search, item statistics' flags beside each question."""
    number = request.query_params.get("page", "1")
    figures = stats.item_figures(session, recompute=False)
    filters = ws.Filters(
        type=type,
        topic=topic,
        difficulty=difficulty,
        status=status or "active",
        stage=stage,
        q=q.strip()[:100],
        page=min(int(number), 100_000) if number.isdigit() and len(number) <= 9 else 1,
        ids=tuple(stats.flagged_ids(session, figures)) if flagged else None,
    )
    rows, total = ws.list_questions(session, filters)
    query = urlencode(
        {
            k: v
            for k, v in (
                ("q", filters.q),
                ("type", type),
                ("topic", topic),
                ("difficulty", difficulty),
                ("status", filters.status),
                ("stage", stage),
                ("flagged", "1" if flagged else ""),
            )
            if v
        }
    )
    ctx = {
        "rows": rows,
        "total": total,
        "filters": filters,
        "pages": max(1, math.ceil(total / ws.PAGE_SIZE)),
        "page_query": query,
        "area": "questions",
        "item_stats": stats.flags_by_question(figures),
        "flagged_only": bool(flagged),
        **stats_labels(),
    }
    if partial(request, "question-table"):
        return page(request, "trainer/_question_table.html", ctx)
    ctx["counts"] = ws.bank_counts(session)
    return page(request, "trainer/home.html", ctx)


# --- creating and editing --------------------------------------------------------------------------


def _skeleton_texts() -> dict[str, str]:
    return {
        "seed": _("seed file name"),
        "section": _("section or heading in that file"),
        "stem": _("Write the question here?"),
        "option": _("Option"),
        "statement": _("Write a statement that is either true or false."),
        "title": _("Passage title"),
        "passage": _("Write the passage the candidate types."),
        "facts": _("What the shop knows: prices, stock, policies, the order's state."),
        "shop": _("The shop's name"),
        "message": _("The customer's message."),
        "courtesy": _("Courtesy"),
        "empathy": _("Empathy"),
        "next_step": _("Next step"),
        "model_answer": _("A model reply for trainers."),
        "explanation": _("Why this is the right answer (shown to trainers and HR, never to candidates)."),
    }


def _preview_ctx(parsed: ws.Parsed) -> dict[str, Any]:
    """The context of trainer/_preview.html."""
    if not parsed.ok:
        return {"problems": parsed.problems}
    return {
        "problems": [],
        "item": ws.candidate_item(parsed.model),
        "content": ws.exported(parsed.model),
        "shuffled": bool(getattr(parsed.model, "shuffle", False)),
    }


def _editor(
    request: Request,
    session: Session,
    yaml_text: str,
    *,
    editing: str | None = None,
    base_version: int | None = None,
    note: str = "",
    status_code: int = 200,
    conflict: str = "",
    start: dict[str, Any] | None = None,
    show_try: bool = False,
) -> Response:
    parsed = ws.parse_question_text(yaml_text, session, editing=editing, creating=editing is None)
    ctx = {
        "yaml_text": yaml_text,
        "editing": editing,
        "base_version": base_version,
        "note": note,
        "conflict": conflict,
        "start": start or {},
        "show_try": show_try,
        "area": "questions",
    }
    ctx.update(_preview_ctx(parsed))
    return page(request, "trainer/editor.html", ctx, status_code=status_code)


@router.get("/questions/new")
def new_question(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    type: str = "single_choice",
    topic: str = "",
    difficulty: Annotated[int, Query(ge=1, le=5)] = 2,
    id: str = "",
) -> Response:
    """The editor for a new question, started from a template of the chosen type."""
    if type not in all_types():
        type = "single_choice"
    if topic not in TOPICS:
        topic = "principles"
    difficulty = min(5, max(1, difficulty))
    qid = id.strip() or ws.suggest_id(session, type, topic)
    text = ws.skeleton(type, qid, [topic], difficulty, _skeleton_texts())
    start = {"type": type, "topic": topic, "difficulty": difficulty, "id": id.strip()}
    return _editor(request, session, text, start=start, show_try=tryable(type))


@router.post("/questions/preview")
def preview(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    editing: Annotated[str, Form()] = "",
    creating: Annotated[str, Form()] = "",
) -> Response:
    """The live check of the editor: the candidate's view, or the problems with their lines (422)."""
    parsed = ws.parse_question_text(yaml, session, editing=editing or None, creating=bool(creating))
    return page(request, "trainer/_preview.html", _preview_ctx(parsed), status_code=200 if parsed.ok else 422)


@router.post("/questions")
def create_question(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Create a question from the editor's YAML (version 1)."""
    parsed = ws.parse_question_text(yaml, session, creating=True)
    if not parsed.ok:
        return _editor(
            request,
            session,
            yaml,
            note=note,
            status_code=422,
            show_try=any(f"type: {k}" in yaml for k in all_types() if tryable(k)),
        )
    store_question(session, parsed.model, user.id, note.strip()[:500])
    return redirect(qurl(parsed.model.id, "?notice=created"))


@router.get("/questions/{question_id}")
def show_question(
    request: Request, question_id: str, user: TrainerUser, session: SessionDep, version: VersionQuery = None
) -> Response:
    """One question: the candidate's view, the key, actions; for replies, trying and scoring replies."""
    row = question_row(session, question_id)
    stored = ws.version_of(session, question_id, version or row.current_version)
    if stored is None:
        raise HTTPException(404)
    model = parse_question(stored.content)
    ctx: dict[str, Any] = {
        "row": row,
        "version": stored,
        "content": stored.content,
        "item": ws.candidate_item(model),
        "shuffled": bool(getattr(model, "shuffle", False)),
        "area": "questions",
        "author": ws.user_names(session, [stored.created_by_id]).get(stored.created_by_id or 0),
    }
    if request.query_params.get("notice") in ("retired", "active"):
        ctx["warnings"] = bank_warnings(session)
    if row.type == "reply":
        ctx.update(_scored_ctx(session, row))
    return page(request, "trainer/question.html", ctx)


@router.get("/questions/{question_id}/edit")
def edit_question(request: Request, question_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """The editor with the current version's YAML."""
    row = question_row(session, question_id)
    stored = ws.version_of(session, question_id, row.current_version)
    assert stored is not None
    return _editor(
        request,
        session,
        ws.question_yaml(stored.content),
        editing=row.id,
        base_version=row.current_version,
        show_try=tryable(row.type),
    )


@router.post("/questions/{question_id}")
def save_question(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    base_version: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Save the editor's YAML as a new version (no new version when nothing changed)."""
    row = question_row(session, question_id)
    show_try = tryable(row.type)
    if base_version != row.current_version:
        message = _(
            "Someone saved version %(v)s while you were editing version %(b)s. Your text is kept below; "
            "compare with the history, then save again."
        ) % {"v": row.current_version, "b": base_version}
        return _editor(
            request,
            session,
            yaml,
            editing=row.id,
            base_version=row.current_version,
            note=note,
            status_code=409,
            conflict=message,
            show_try=show_try,
        )
    parsed = ws.parse_question_text(yaml, session, editing=row.id)
    if not parsed.ok:
        return _editor(
            request,
            session,
            yaml,
            editing=row.id,
            base_version=base_version,
            note=note,
            status_code=422,
            show_try=show_try,
        )
    outcome, _version = store_question(session, parsed.model, user.id, note.strip()[:500])
    return redirect(qurl(row.id, f"?notice={outcome}"))


@router.post("/questions/{question_id}/status")
def change_status(
    request: Request, question_id: str, user: TrainerUser, session: SessionDep, status: Annotated[str, Form()]
) -> Response:
    """Retire or reactivate a question (a new version; history kept)."""
    row = question_row(session, question_id)
    if status not in ("active", "retired"):
        raise HTTPException(422)
    if row.status != status:
        set_status(session, row.id, status, user.id)
    return redirect(qurl(row.id, f"?notice={status}"))


@router.get("/questions/{question_id}/history")
def history(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    a: VersionQuery = None,
    b: VersionQuery = None,
) -> Response:
    """Every version with who and when, and a unified diff between any two (default: the last change)."""
    row = question_row(session, question_id)
    versions = question_history(session, question_id)
    return history_page(request, session, "question", row.id, qurl(row.id), versions, row.current_version, a, b)


@router.get("/questions/{question_id}/download")
def download_question(
    question_id: str, user: TrainerUser, session: SessionDep, version: VersionQuery = None
) -> Response:
    """One question (a version) as a bank file."""
    row = question_row(session, question_id)
    stored = ws.version_of(session, question_id, version or row.current_version)
    if stored is None:
        raise HTTPException(404)
    name = f"{row.id}.v{stored.version}.yaml"
    return Response(
        ws.question_file_text(stored.content),
        media_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- trying replies and scored replies ---------------------------------------------------------------


def _try_ctx(model: Any, text: str) -> dict[str, Any]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_REPLY_CHARS]
    if model.type != "reply":
        return {"error": _("Only reply questions have a rubric to try.")}
    if not text.strip():
        return {"error": _("Write a reply to score.")}
    result = cal.try_reply(model, text)
    return {
        "result": result,
        "segments": cal.highlight(text, result, model),
        "penalties": cal.penalties(model),
        "scale10": to_scale10(result.score),
    }


@router.post("/questions/{question_id}/try")
def try_stored(
    request: Request, question_id: str, user: TrainerUser, session: SessionDep, text: Annotated[str, Form()] = ""
) -> Response:
    """Score a reply with the question's current rubric, with the evidence per criterion."""
    question_row(session, question_id)
    ctx = _try_ctx(load_question(session, question_id), text)
    return page(request, "trainer/_try.html", ctx, status_code=422 if ctx.get("error") else 200)


@router.post("/try")
def try_editor(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Score a reply with the rubric in the editor (unsaved)."""
    parsed = ws.parse_question_text(yaml)
    if not parsed.ok:
        ctx: dict[str, Any] = {"error": _("Fix the problems in the question first.")}
    else:
        ctx = _try_ctx(parsed.model, text)
    return page(request, "trainer/_try.html", ctx, status_code=422 if ctx.get("error") else 200)


class ScoredReplyForm(BaseModel):
    """A reply a trainer scored by hand."""

    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS, pattern=r"\S")
    human_score: float = Field(ge=0, le=10)


def _scored_ctx(session: Session, row: Question) -> dict[str, Any]:
    rows, report = cal.calibration(session, row.id)
    return {"row": row, "scored": rows, "report": report}


@router.post("/questions/{question_id}/scored")
def add_scored(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    text: Annotated[str, Form()] = "",
    human_score: Annotated[str, Form()] = "",
) -> Response:
    """Add a reply scored by the trainer (0–10)."""
    row = question_row(session, question_id)
    if row.type != "reply":
        raise HTTPException(404)
    try:
        form = ScoredReplyForm(text=text.replace("\r\n", "\n").strip(), human_score=human_score)  # type: ignore[arg-type]
    except ValidationError:
        ctx = _scored_ctx(session, row)
        ctx.update(
            scored_error=_("Give the reply text and a score from 0 to 10."),
            scored_form={"text": text, "human_score": human_score},
        )
        return page(request, "trainer/_scored.html", ctx, status_code=422)
    cal.add_scored_replies(session, [(row.id, form.text, form.human_score)], user.id)
    if request.headers.get("HX-Request") != "true":
        return redirect(qurl(row.id) + "#scored-title")
    return page(request, "trainer/_scored.html", _scored_ctx(session, row))


@router.post("/scored/{reply_id}/delete")
def delete_scored(request: Request, reply_id: IdPath, user: TrainerUser, session: SessionDep) -> Response:
    """Delete a scored reply."""
    reply = get_or_404(session, ScoredReply, reply_id)
    row = question_row(session, reply.question_id)
    cal.delete_scored_reply(session, reply)
    if request.headers.get("HX-Request") != "true":
        return redirect(qurl(row.id) + "#scored-title")
    return page(request, "trainer/_scored.html", _scored_ctx(session, row))

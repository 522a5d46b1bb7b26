"""The trainers' workspace: the question bank (list, filter, edit with a live preview, versions,
retire), upload and download, job profiles, trying replies and calibrating rubrics."""
from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select

from exam.services import workspace as ws
from exam.banks.problems import BankInvalid
from exam.services.bank_store import (bank_warnings, current_bank, diff_versions, import_bank, load_question,
                              profile_history, question_history, set_status, store_profile, store_question)
from exam.grading.calibration import to_scale10
from exam.i18n import gettext as _
from exam.models import JobProfile, JobProfileVersion, Question, ScoredReply
from exam.questions.base import TOPICS
from exam.questions.registry import all_types, parse_question
from exam.timeutil import utcnow
from exam.web.deps import SessionDep, TrainerUser, get_or_404
from exam.web.labels import flag_labels
from exam.web.templating import render

router = APIRouter(prefix="/trainer")

MAX_REPLY_CHARS = 5000


# --- labels (functions: the locale is per request) ---------------------------------------------------


def type_labels() -> dict[str, str]:
    """Question type names for the UI."""
    return {name: _(question_type.label) for name, question_type in all_types().items()}


def _tryable(kind: str) -> bool:
    """Whether trainers can try answers of this type against its grader."""
    types = all_types()
    return kind in types and types[kind].tryable


def topic_labels() -> dict[str, str]:
    """Topic names for the UI."""
    known = {
        "qualities": _("Basic qualities"), "principles": _("Communication principles"),
        "language": _("Taboo language and standard phrases"), "standard_phrases": _("Standard phrases"),
        "customer_types": _("Customer types"), "presale_flow": _("Pre-sale flow"), "insale": _("In-sale"),
        "aftersale": _("After-sale"), "bargaining": _("Bargaining"), "platform_rules": _("Platform rules"),
        "kpi": _("Service KPIs"), "privacy": _("Privacy"), "quality_improvement": _("Improving service quality"),
    }
    return {topic: known.get(topic, topic) for topic in TOPICS}


def stage_labels() -> dict[str, str]:
    """Service stage names."""
    return {"presale": _("Pre-sale"), "insale": _("In-sale"), "aftersale": _("After-sale")}


def customer_labels() -> dict[str, str]:
    """Customer type names."""
    return {"tiger": _("Tiger (decisive)"), "peacock": _("Peacock (sociable)"), "koala": _("Koala (gentle)"),
            "owl": _("Owl (analytical)")}


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
    base = {"type_labels": type_labels(), "topic_labels": topic_labels(), "stage_labels": stage_labels(),
            "customer_labels": customer_labels(), "flag_labels": flag_labels(), "metric": ws.metric,
            "notice": notices().get(request.query_params.get("notice", ""))}
    base.update(ctx)
    return render(request, name, base, status_code=status_code)


def _partial(request: Request, target: str) -> bool:
    """Whether htmx asked for the fragment swapped into #target (not a history restore)."""
    return (request.headers.get("HX-Target") == target
            and request.headers.get("HX-History-Restore-Request") != "true")


def _question_row(session: Session, question_id: str) -> Question:
    return get_or_404(session, Question, question_id)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _qurl(question_id: str, suffix: str = "") -> str:
    return f"/trainer/questions/{quote(question_id, safe='')}{suffix}"


# --- the question list -----------------------------------------------------------------------------


@router.get("")
def home(request: Request, user: TrainerUser, session: SessionDep, q: str = "", type: str = "", topic: str = "",
         difficulty: str = "", status: str = "active", stage: str = "") -> Response:
    """The trainer's home: the question bank with filters and search."""
    number = request.query_params.get("page", "1")
    filters = ws.Filters(type=type, topic=topic, difficulty=difficulty, status=status or "active", stage=stage,
                         q=q.strip()[:100], page=int(number) if number.isdigit() else 1)
    rows, total = ws.list_questions(session, filters)
    query = urlencode({k: v for k, v in (("q", filters.q), ("type", type), ("topic", topic),
                                         ("difficulty", difficulty), ("status", filters.status),
                                         ("stage", stage)) if v})
    ctx = {"rows": rows, "total": total, "filters": filters, "pages": max(1, math.ceil(total / ws.PAGE_SIZE)),
           "page_query": query, "area": "questions"}
    if _partial(request, "question-table"):
        return page(request, "trainer/_question_table.html", ctx)
    ctx["counts"] = ws.bank_counts(session)
    return page(request, "trainer/home.html", ctx)


# --- creating and editing --------------------------------------------------------------------------


def _skeleton_texts() -> dict[str, str]:
    return {
        "seed": _("seed file name"), "section": _("section or heading in that file"),
        "stem": _("Write the question here?"), "option": _("Option"),
        "statement": _("Write a statement that is either true or false."),
        "title": _("Passage title"), "passage": _("Write the passage the candidate types."),
        "facts": _("What the shop knows: prices, stock, policies, the order's state."),
        "message": _("The customer's message."), "courtesy": _("Courtesy"), "empathy": _("Empathy"),
        "next_step": _("Next step"), "model_answer": _("A model reply for trainers."),
        "explanation": _("Why this is the right answer (shown to trainers and HR, never to candidates)."),
    }


def _preview_ctx(parsed: ws.Parsed) -> dict[str, Any]:
    """The context of trainer/_preview.html."""
    if not parsed.ok:
        return {"problems": parsed.problems}
    return {"problems": [], "item": ws.candidate_item(parsed.model), "content": ws.exported(parsed.model),
            "shuffled": bool(getattr(parsed.model, "shuffle", False))}


def _editor(request: Request, session: Session, yaml_text: str, *, editing: str | None = None,
            base_version: int | None = None, note: str = "", status_code: int = 200, conflict: str = "",
            start: dict[str, Any] | None = None, show_try: bool = False) -> Response:
    parsed = ws.parse_question_text(yaml_text, session, editing=editing, creating=editing is None)
    ctx = {"yaml_text": yaml_text, "editing": editing, "base_version": base_version, "note": note,
           "conflict": conflict, "start": start or {}, "show_try": show_try, "area": "questions"}
    ctx.update(_preview_ctx(parsed))
    return page(request, "trainer/editor.html", ctx, status_code=status_code)


@router.get("/questions/new")
def new_question(request: Request, user: TrainerUser, session: SessionDep, type: str = "single_choice",
                 topic: str = "", difficulty: int = 2, id: str = "") -> Response:
    """The editor for a new question, started from a template of the chosen type."""
    if type not in all_types():
        type = "single_choice"
    if topic not in TOPICS:
        topic = "principles"
    difficulty = min(5, max(1, difficulty))
    qid = id.strip() or ws.suggest_id(session, type, topic)
    text = ws.skeleton(type, qid, [topic], difficulty, _skeleton_texts())
    start = {"type": type, "topic": topic, "difficulty": difficulty, "id": id.strip()}
    return _editor(request, session, text, start=start, show_try=_tryable(type))


@router.post("/questions/preview")
def preview(request: Request, user: TrainerUser, session: SessionDep, yaml: Annotated[str, Form()] = "",
            editing: Annotated[str, Form()] = "", creating: Annotated[str, Form()] = "") -> Response:
    """The live check of the editor: the candidate's view, or the problems with their lines (422)."""
    parsed = ws.parse_question_text(yaml, session, editing=editing or None, creating=bool(creating))
    return page(request, "trainer/_preview.html", _preview_ctx(parsed), status_code=200 if parsed.ok else 422)


@router.post("/questions")
def create_question(request: Request, user: TrainerUser, session: SessionDep, yaml: Annotated[str, Form()] = "",
                    note: Annotated[str, Form()] = "") -> Response:
    """Create a question from the editor's YAML (version 1)."""
    parsed = ws.parse_question_text(yaml, session, creating=True)
    if not parsed.ok:
        return _editor(request, session, yaml, note=note, status_code=422, show_try=any(f"type: {k}" in yaml for k in all_types() if _tryable(k)))
    store_question(session, parsed.model, user.id, note.strip()[:500])
    return _redirect(_qurl(parsed.model.id, "?notice=created"))


@router.get("/questions/{question_id}")
def show_question(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
                  version: int | None = None) -> Response:
    """One question: the candidate's view, the key, actions; for replies, trying and scoring replies."""
    row = _question_row(session, question_id)
    stored = ws.version_of(session, question_id, version or row.current_version)
    if stored is None:
        raise HTTPException(404)
    model = parse_question(stored.content)
    ctx: dict[str, Any] = {"row": row, "version": stored, "content": stored.content,
                           "item": ws.candidate_item(model), "shuffled": bool(getattr(model, "shuffle", False)), "area": "questions",
                           "author": ws.user_names(session, [stored.created_by_id]).get(stored.created_by_id or 0)}
    if request.query_params.get("notice") in ("retired", "active"):
        ctx["warnings"] = bank_warnings(session)
    if row.type == "reply":
        ctx.update(_scored_ctx(session, row))
    return page(request, "trainer/question.html", ctx)


@router.get("/questions/{question_id}/edit")
def edit_question(request: Request, question_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """The editor with the current version's YAML."""
    row = _question_row(session, question_id)
    stored = ws.version_of(session, question_id, row.current_version)
    assert stored is not None
    return _editor(request, session, ws.question_yaml(stored.content), editing=row.id,
                   base_version=row.current_version, show_try=_tryable(row.type))


@router.post("/questions/{question_id}")
def save_question(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
                  yaml: Annotated[str, Form()] = "", base_version: Annotated[int, Form()] = 0,
                  note: Annotated[str, Form()] = "") -> Response:
    """Save the editor's YAML as a new version (no new version when nothing changed)."""
    row = _question_row(session, question_id)
    show_try = _tryable(row.type)
    if base_version != row.current_version:
        message = _("Someone saved version %(v)s while you were editing version %(b)s. Your text is kept below; "
                    "compare with the history, then save again.") % {"v": row.current_version, "b": base_version}
        return _editor(request, session, yaml, editing=row.id, base_version=row.current_version, note=note,
                       status_code=409, conflict=message, show_try=show_try)
    parsed = ws.parse_question_text(yaml, session, editing=row.id)
    if not parsed.ok:
        return _editor(request, session, yaml, editing=row.id, base_version=base_version, note=note,
                       status_code=422, show_try=show_try)
    outcome, _version = store_question(session, parsed.model, user.id, note.strip()[:500])
    return _redirect(_qurl(row.id, f"?notice={outcome}"))


@router.post("/questions/{question_id}/status")
def change_status(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
                  status: Annotated[str, Form()]) -> Response:
    """Retire or reactivate a question (a new version; history kept)."""
    row = _question_row(session, question_id)
    if status not in ("active", "retired"):
        raise HTTPException(422)
    if row.status != status:
        set_status(session, row.id, status, user.id)
    return _redirect(_qurl(row.id, f"?notice={status}"))


@router.get("/questions/{question_id}/history")
def history(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
            a: int | None = None, b: int | None = None) -> Response:
    """Every version with who and when, and a unified diff between any two (default: the last change)."""
    row = _question_row(session, question_id)
    versions = question_history(session, question_id)
    return _history_page(request, session, "question", row.id, _qurl(row.id), versions, row.current_version, a, b)


def _history_page(request: Request, session: Session, kind: str, item_id: str, base_url: str,
                  versions: list[Any], current: int, a: int | None, b: int | None) -> Response:
    by_number = {v.version: v for v in versions}
    b = b if b in by_number else current
    if a not in by_number:
        a = b - 1 if (b - 1) in by_number else None
    diff = diff_versions(by_number[a], by_number[b]) if a is not None and b is not None else []
    ctx = {"kind": kind, "item_id": item_id, "base_url": base_url, "versions": versions, "current": current,
           "a": a, "b": b, "diff": diff, "names": ws.user_names(session, [v.created_by_id for v in versions]),
           "area": "profiles" if kind == "profile" else "questions"}
    if _partial(request, "diff"):
        return page(request, "trainer/_diff.html", ctx)
    return page(request, "trainer/history.html", ctx)


@router.get("/questions/{question_id}/download")
def download_question(question_id: str, user: TrainerUser, session: SessionDep, version: int | None = None) -> Response:
    """One question (a version) as a bank file."""
    row = _question_row(session, question_id)
    stored = ws.version_of(session, question_id, version or row.current_version)
    if stored is None:
        raise HTTPException(404)
    name = f"{row.id}.v{stored.version}.yaml"
    return Response(ws.question_file_text(stored.content), media_type="application/x-yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- trying replies and scored replies ---------------------------------------------------------------


def _try_ctx(model: Any, text: str) -> dict[str, Any]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_REPLY_CHARS]
    if model.type != "reply":
        return {"error": _("Only reply questions have a rubric to try.")}
    if not text.strip():
        return {"error": _("Write a reply to score.")}
    result = ws.try_reply(model, text)
    return {"result": result, "segments": ws.highlight(text, result), "scale10": to_scale10(result.score)}


@router.post("/questions/{question_id}/try")
def try_stored(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
               text: Annotated[str, Form()] = "") -> Response:
    """Score a reply with the question's current rubric, with the evidence per criterion."""
    _question_row(session, question_id)
    ctx = _try_ctx(load_question(session, question_id), text)
    return page(request, "trainer/_try.html", ctx, status_code=422 if ctx.get("error") else 200)


@router.post("/try")
def try_editor(request: Request, user: TrainerUser, session: SessionDep, yaml: Annotated[str, Form()] = "",
               text: Annotated[str, Form()] = "") -> Response:
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
    rows, report = ws.calibration(session, row.id)
    return {"row": row, "scored": rows, "report": report}


@router.post("/questions/{question_id}/scored")
def add_scored(request: Request, question_id: str, user: TrainerUser, session: SessionDep,
               text: Annotated[str, Form()] = "", human_score: Annotated[str, Form()] = "") -> Response:
    """Add a reply scored by the trainer (0–10)."""
    row = _question_row(session, question_id)
    if row.type != "reply":
        raise HTTPException(404)
    try:
        form = ScoredReplyForm(text=text.replace("\r\n", "\n").strip(), human_score=human_score)  # type: ignore[arg-type]
    except ValidationError:
        ctx = _scored_ctx(session, row)
        ctx.update(scored_error=_("Give the reply text and a score from 0 to 10."),
                   scored_form={"text": text, "human_score": human_score})
        return page(request, "trainer/_scored.html", ctx, status_code=422)
    ws.add_scored_replies(session, [(row.id, form.text, form.human_score)], user.id)
    if request.headers.get("HX-Request") != "true":
        return _redirect(_qurl(row.id) + "#scored-title")
    return page(request, "trainer/_scored.html", _scored_ctx(session, row))


@router.post("/scored/{reply_id}/delete")
def delete_scored(request: Request, reply_id: int, user: TrainerUser, session: SessionDep) -> Response:
    """Delete a scored reply."""
    reply = get_or_404(session, ScoredReply, reply_id)
    row = _question_row(session, reply.question_id)
    ws.delete_scored_reply(session, reply)
    if request.headers.get("HX-Request") != "true":
        return _redirect(_qurl(row.id) + "#scored-title")
    return page(request, "trainer/_scored.html", _scored_ctx(session, row))


def _calibration_page(request: Request, session: Session, question: str = "", status_code: int = 200,
                      **extra: Any) -> Response:
    rows, report = ws.calibration(session, question or None)
    rows.sort(key=lambda r: -abs(r.difference) if r.difference is not None else 0)
    ids = sorted(set(session.exec(select(ScoredReply.question_id)).all()))
    ctx = {"rows": rows, "report": report, "question": question, "question_ids": ids, "area": "calibration"}
    ctx.update(extra)
    return page(request, "trainer/calibration.html", ctx, status_code=status_code)


@router.get("/calibration")
def calibration_page(request: Request, user: TrainerUser, session: SessionDep, question: str = "") -> Response:
    """The agreement between the current rubrics and the trainers' own scores (QWK, Spearman, MAE)."""
    return _calibration_page(request, session, question)


@router.post("/calibration/import")
def import_scored(request: Request, user: TrainerUser, session: SessionDep,
                        file: Annotated[UploadFile, File()]) -> Response:
    """Add scored replies from a JSON Lines file (all or nothing)."""
    raw = file.file.read(ws.MAX_UPLOAD_BYTES + 1)
    name = (file.filename or "replies.jsonl").replace("\\", "/").rsplit("/", 1)[-1]
    if len(raw) > ws.MAX_UPLOAD_BYTES:
        return _calibration_page(request, session, status_code=422, import_problems=[
            f"{name}:1: the file is larger than {ws.MAX_UPLOAD_BYTES // 1_000_000} MB"])
    rows, problems = ws.read_scored_jsonl(session, name, raw)
    if problems:
        return _calibration_page(request, session, status_code=422, import_problems=[str(p) for p in problems])
    ws.add_scored_replies(session, rows, user.id)
    return _calibration_page(request, session, notice=_("%(n)s scored replies added.") % {"n": len(rows)})


# --- upload and download ---------------------------------------------------------------------------


@router.get("/bank/upload")
def upload_form(request: Request, user: TrainerUser) -> Response:
    """The upload and download page."""
    return page(request, "trainer/upload.html", {"area": "upload"})


@router.post("/bank/upload")
def upload(request: Request, user: TrainerUser, session: SessionDep,
                 files: Annotated[list[UploadFile], File()], note: Annotated[str, Form()] = "") -> Response:
    """Validate uploaded YAML (or zip) files with the bank validator and import them, all or nothing."""
    raw: list[tuple[str, bytes]] = []
    size = 0
    for upload_file in files:
        data = upload_file.file.read(ws.MAX_UPLOAD_BYTES + 1 - size)
        size += len(data)
        if upload_file.filename or data:
            raw.append((upload_file.filename or "upload.yaml", data))
    ctx: dict[str, Any] = {"area": "upload", "note": note}
    try:
        if size > ws.MAX_UPLOAD_BYTES:
            raise ws.UploadRefused(f"the upload is larger than {ws.MAX_UPLOAD_BYTES // 1_000_000} MB")
        bank, problems = ws.read_uploads(session, raw)
    except ws.UploadRefused as exc:
        ctx["refused"] = _("The upload was refused: %(why)s") % {"why": str(exc)}
        return page(request, "trainer/upload.html", ctx, status_code=422)
    if not problems:
        try:
            names = ", ".join(name for name, _data in raw)
            report = import_bank(session, bank, user.id, (note.strip() or f"upload: {names}")[:500])
        except BankInvalid as exc:
            problems = exc.problems
        else:
            ctx.update(report=report, warnings=bank_warnings(session))
            return page(request, "trainer/upload.html", ctx)
    ctx["problems"] = problems
    return page(request, "trainer/upload.html", ctx, status_code=422)


@router.get("/bank/download")
def download(user: TrainerUser, session: SessionDep) -> Response:
    """The current bank as a zip of `exam bank export` files."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(ws.export_zip(session), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="question_banks-{stamp}.zip"'})


# --- job profiles ------------------------------------------------------------------------------------


def _profile_check_ctx(session: Session, parsed: ws.Parsed) -> dict[str, Any]:
    if not parsed.ok:
        return {"problems": parsed.problems, "profile": None}
    bank = current_bank(session)
    return {"problems": [], "profile": parsed.model, "sections": ws.pool_sizes(parsed.model, bank.questions)}


def _profile_editor(request: Request, session: Session, yaml_text: str, *, editing: str | None = None,
                    base_version: int | None = None, note: str = "", status_code: int = 200,
                    conflict: str = "") -> Response:
    parsed = ws.parse_profile_text(yaml_text, session, editing=editing, creating=editing is None)
    ctx = {"yaml_text": yaml_text, "editing": editing, "base_version": base_version, "note": note,
           "conflict": conflict, "area": "profiles"}
    ctx.update(_profile_check_ctx(session, parsed))
    return page(request, "trainer/profile_editor.html", ctx, status_code=status_code)


@router.get("/profiles")
def profiles(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """The job profiles, with the ones the bank cannot fill."""
    rows = session.exec(select(JobProfile).order_by(JobProfile.id)).all()
    return page(request, "trainer/profiles.html", {"profiles": rows, "warnings": bank_warnings(session),
                                                   "area": "profiles"})


PROFILE_TEMPLATE = """id: new_profile
title: {title}
source: {{seed: {seed}, section: {section}}}
description: ''
sections:
  - id: knowledge
    title: {knowledge}
    time_limit: 600
    draw:
      - {{type: single_choice, count: 5}}
      - {{type: true_false, count: 5}}
criteria:
  - {{id: knowledge, label: {knowledge}, input: knowledge.percent, weight: 1}}
bands:
  - {{min: 70, label: {recommend}}}
  - {{min: 0, label: {reject}}}
"""


@router.get("/profiles/new")
def new_profile(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """The editor for a new job profile."""
    text = PROFILE_TEMPLATE.format(title=_("New job profile"), seed=_("seed file name"),
                                   section=_("section or heading in that file"), knowledge=_("Service knowledge"),
                                   recommend=_("Recommended"), reject=_("Not recommended"))
    return _profile_editor(request, session, text)


@router.post("/profiles/check")
def check_profile(request: Request, user: TrainerUser, session: SessionDep, yaml: Annotated[str, Form()] = "",
                  editing: Annotated[str, Form()] = "", creating: Annotated[str, Form()] = "") -> Response:
    """The live check of the profile editor (model and blueprint against the current bank)."""
    parsed = ws.parse_profile_text(yaml, session, editing=editing or None, creating=bool(creating))
    return page(request, "trainer/_profile_check.html", _profile_check_ctx(session, parsed),
                status_code=200 if parsed.ok else 422)


@router.post("/profiles")
def create_profile(request: Request, user: TrainerUser, session: SessionDep, yaml: Annotated[str, Form()] = "",
                   note: Annotated[str, Form()] = "") -> Response:
    """Create a job profile."""
    parsed = ws.parse_profile_text(yaml, session, creating=True)
    if not parsed.ok:
        return _profile_editor(request, session, yaml, note=note, status_code=422)
    store_profile(session, parsed.model, user.id, note.strip()[:500])
    return _redirect(f"/trainer/profiles/{quote(parsed.model.id, safe='')}?notice=profile_created")


def _profile_row(session: Session, profile_id: str) -> JobProfile:
    return get_or_404(session, JobProfile, profile_id)


@router.get("/profiles/{profile_id}")
def edit_profile(request: Request, profile_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """The profile editor with the current version."""
    row = _profile_row(session, profile_id)
    stored = session.exec(select(JobProfileVersion).where(JobProfileVersion.profile_id == row.id,
                                                          JobProfileVersion.version == row.current_version)).one()
    return _profile_editor(request, session, ws.profile_yaml(stored.content), editing=row.id,
                           base_version=row.current_version)


@router.post("/profiles/{profile_id}")
def save_profile(request: Request, profile_id: str, user: TrainerUser, session: SessionDep,
                 yaml: Annotated[str, Form()] = "", base_version: Annotated[int, Form()] = 0,
                 note: Annotated[str, Form()] = "") -> Response:
    """Save a profile as a new version (validated against the current bank)."""
    row = _profile_row(session, profile_id)
    if base_version != row.current_version:
        message = _("Someone saved version %(v)s while you were editing version %(b)s. Your text is kept below; "
                    "compare with the history, then save again.") % {"v": row.current_version, "b": base_version}
        return _profile_editor(request, session, yaml, editing=row.id, base_version=row.current_version, note=note,
                               status_code=409, conflict=message)
    parsed = ws.parse_profile_text(yaml, session, editing=row.id)
    if not parsed.ok:
        return _profile_editor(request, session, yaml, editing=row.id, base_version=base_version, note=note,
                               status_code=422)
    outcome, _version = store_profile(session, parsed.model, user.id, note.strip()[:500])
    return _redirect(f"/trainer/profiles/{quote(row.id, safe='')}?notice=profile_{outcome}")


@router.get("/profiles/{profile_id}/history")
def profile_versions(request: Request, profile_id: str, user: TrainerUser, session: SessionDep,
                     a: int | None = None, b: int | None = None) -> Response:
    """A profile's versions and a diff between any two."""
    row = _profile_row(session, profile_id)
    versions = profile_history(session, profile_id)
    return _history_page(request, session, "profile", row.id, f"/trainer/profiles/{quote(row.id, safe='')}",
                         versions, row.current_version, a, b)


__all__ = ["router"]

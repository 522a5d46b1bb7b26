"""The trainers' rubric calibration from real replies: blind scoring, agreement, dry run and apply with regrade.

The blind screen shows a reply and its scenario only: no machine score, no evidence, no candidate name or
contact, no attempt; the reply's number in the question's sample is its only name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from exam.analysis.agreement import Agreement
from exam.grading.calibration import to_scale10
from exam.i18n import gettext as _
from exam.models import User
from exam.services import blind, regrade
from exam.services import workspace as ws
from exam.web.deps import SessionDep, TrainerUser
from exam.web.trainer.common import page, partial, question_row, redirect

router = APIRouter(prefix="/trainer")

SCORES = list(range(11))


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:+.{digits}f}"


def _common() -> dict[str, Any]:
    return {"area": "rubrics", "fmt": _fmt, "signed": _signed, "target": blind.SAMPLE_TARGET, "to_scale10": to_scale10}


@router.get("/rubrics")
def overview(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """Every reply question with real replies: how many are scored blind and how well the rubric agrees."""
    return page(request, "trainer/rubrics.html", {**_common(), "rows": blind.rubric_overview(session, user)})


def _reply_or_404(session: Any, question_id: str) -> Any:
    row = question_row(session, question_id)
    if row.type != "reply":
        raise HTTPException(404)
    return row


def _agreement_page(
    request: Request, session: Any, question_id: str, *, status_code: int = 200, **extra: Any
) -> Response:
    row = _reply_or_404(session, question_id)
    view = blind.rubric_agreement(session, row.id)
    stored = ws.version_of(session, row.id, row.current_version)
    ctx = {
        **_common(),
        "row": row,
        "view": view,
        "yaml_text": ws.question_yaml(stored.content) if stored else "",
        "base_version": row.current_version,
    }
    ctx.update(extra)
    return page(request, "trainer/rubric.html", ctx, status_code=status_code)


@router.get("/rubrics/{question_id}")
def agreement_page(request: Request, question_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """A rubric's agreement with the trainers' blind scores, the largest differences with evidence, and the dry run."""
    return _agreement_page(request, session, question_id)


def _blind_page(
    request: Request, session: Any, user: User, question_id: str, after: int | None = None, **extra: Any
) -> Response:
    row = _reply_or_404(session, question_id)
    item = blind.next_reply(session, row.id, user, after)
    ctx = {**_common(), "row": row, "item": item, "scores": SCORES, "sample_size": len(blind.sample(session, row.id))}
    ctx.update(extra)
    status_code = 422 if extra.get("error") else 200
    if partial(request, "blind-card"):
        return page(request, "trainer/_blind_card.html", ctx, status_code=status_code)
    return page(request, "trainer/blind.html", ctx, status_code=status_code)


@router.get("/rubrics/{question_id}/blind")
def blind_screen(
    request: Request, question_id: str, user: TrainerUser, session: SessionDep, after: int | None = None
) -> Response:
    """The blind scoring screen: the next real reply of the sample, without the machine score or the candidate."""
    return _blind_page(request, session, user, question_id, after)


@router.post("/rubrics/{question_id}/blind")
def blind_score(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    answer_id: Annotated[int, Form()] = 0,
    score: Annotated[str, Form()] = "",
) -> Response:
    """Store a blind score (0-10) and show the next reply."""
    row = _reply_or_404(session, question_id)
    try:
        blind.record_score(session, user, row.id, answer_id, score)
    except blind.BlindError as exc:
        return _blind_page(request, session, user, row.id, None, error=exc.translated())
    return _blind_page(request, session, user, row.id, None, saved=True)


@router.post("/rubrics/{question_id}/dry-run")
def dry_run(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    base_version: Annotated[int, Form()] = 0,
) -> Response:
    """Grade the blind-scored replies with the edited rubric: the agreement before and after (nothing is saved)."""
    row = _reply_or_404(session, question_id)
    result = blind.dry_run(session, row.id, yaml)
    ctx = {
        **_common(),
        "row": row,
        "run": result,
        "yaml_text": yaml,
        "base_version": base_version or row.current_version,
    }
    status_code = 200 if result.ok else 422
    if partial(request, "dry-run"):
        return page(request, "trainer/_dry_run.html", ctx, status_code=status_code)
    return _agreement_page(
        request, session, row.id, status_code=status_code, **{k: ctx[k] for k in ("run", "yaml_text")}
    )


@router.post("/rubrics/{question_id}/apply")
def apply(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    yaml: Annotated[str, Form()] = "",
    base_version: Annotated[int, Form()] = 0,
    note: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Save the edited rubric as a new version and queue the regrade of past replies (a background job)."""
    row = _reply_or_404(session, question_id)
    if confirm != "yes":
        run = blind.dry_run(session, row.id, yaml)
        return _agreement_page(
            request, session, row.id, status_code=422, run=run, yaml_text=yaml,
            apply_error=_("Tick the box to confirm that past replies will be regraded."),
        )  # fmt: skip
    try:
        report = regrade.queue_edit(session, user, row.id, yaml, base_version, note)
    except blind.BlindError as exc:
        run = blind.dry_run(session, row.id, yaml)
        return _agreement_page(
            request, session, row.id, status_code=409, run=run, yaml_text=yaml, apply_error=exc.translated()
        )
    if report.outcome == "invalid":
        run = blind.dry_run(session, row.id, yaml)
        return _agreement_page(request, session, row.id, status_code=422, run=run, yaml_text=yaml)
    if report.outcome == "unchanged":
        return redirect(f"/trainer/rubrics/{row.id}?notice=unchanged")
    return redirect(f"/trainer/rubrics/{row.id}/regrades/{report.regrade.id}")  # type: ignore[union-attr]


@router.get("/rubrics/{question_id}/regrades/{regrade_id}")
def regrade_report(
    request: Request, question_id: str, regrade_id: int, user: TrainerUser, session: SessionDep
) -> Response:
    """A regrade's progress while the background job runs it, then what it changed, in numbers (HR sees who)."""
    row = _reply_or_404(session, question_id)
    summary = regrade.summary(session, regrade_id)
    if summary is None or summary["regrade"].question_id != row.id:
        raise HTTPException(404)
    ctx = {**_common(), "row": row, **summary}
    if partial(request, "regrade-status"):
        return page(request, "trainer/_regrade_status.html", ctx)
    return page(request, "trainer/regrade.html", ctx)


__all__ = ["Agreement", "router"]

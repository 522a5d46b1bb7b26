"""The trainers' bank as a whole: calibration against scored replies, upload and download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session, select

from exam.banks.messages import localize
from exam.banks.problems import BankInvalid, Problem
from exam.i18n import gettext as _
from exam.models import ScoredReply
from exam.services import calibration as cal
from exam.services import workspace as ws
from exam.services.bank_store import (
    bank_warnings,
    import_bank,
)
from exam.timeutil import to_display, utcnow
from exam.web.deps import SessionDep, TrainerUser
from exam.web.trainer.common import (
    page,
)

router = APIRouter(prefix="/trainer")


def _calibration_page(
    request: Request, session: Session, question: str = "", status_code: int = 200, **extra: Any
) -> Response:
    rows, report = cal.calibration(session, question or None)
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
def import_scored(
    request: Request, user: TrainerUser, session: SessionDep, file: Annotated[UploadFile, File()]
) -> Response:
    """Add scored replies from a JSON Lines file (all or nothing)."""
    raw = file.file.read(ws.MAX_UPLOAD_BYTES + 1)
    name = (file.filename or "replies.jsonl").replace("\\", "/").rsplit("/", 1)[-1]
    if len(raw) > ws.MAX_UPLOAD_BYTES:
        return _calibration_page(
            request,
            session,
            status_code=422,
            import_problems=[Problem(name, 1, f"the upload is larger than {ws.MAX_UPLOAD_BYTES // 1_000_000} MB")],
        )
    rows, problems = cal.read_scored_jsonl(session, name, raw)
    if problems:
        return _calibration_page(request, session, status_code=422, import_problems=problems)
    cal.add_scored_replies(session, rows, user.id)
    return _calibration_page(request, session, notice=_("%(n)s scored replies added.") % {"n": len(rows)})


# --- upload and download ---------------------------------------------------------------------------


@router.get("/bank/upload")
def upload_form(request: Request, user: TrainerUser) -> Response:
    """The upload and download page."""
    return page(request, "trainer/upload.html", {"area": "upload"})


@router.post("/bank/upload")
def upload(
    request: Request,
    user: TrainerUser,
    session: SessionDep,
    files: Annotated[list[UploadFile], File()],
    note: Annotated[str, Form()] = "",
) -> Response:
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
        ctx["refused"] = _("The upload was refused: %(why)s") % {"why": localize(str(exc))}
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
    stamp = to_display(utcnow()).strftime("%Y%m%d-%H%M")  # the time the screens show
    return Response(
        ws.export_zip(session),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="question_banks-{stamp}.zip"'},
    )

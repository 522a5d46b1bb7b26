"""HR: ranking exports as background jobs (ask, watch the progress, download), and the old export URLs.

Every route reaches the opening through ``HROpening`` (the owner and the HR users it is shared with; anybody else
gets a 404), and a job only through its opening: another opening's job id is a 404 too.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.datastructures import QueryParams

from exam.i18n import gettext as _
from exam.models import ExportJob, Opening
from exam.services import exports, ranking
from exam.web.deps import FormDep, HROpening, HRUser, IdPath, SessionDep
from exam.web.hr.common import COMMON
from exam.web.hr.ranking import sort_params
from exam.web.templating import _is_htmx, render

router = APIRouter(prefix="/hr")

KIND_LABELS = {"csv": "CSV", "xlsx": "Excel"}  # names of formats, the same in every language


def request_of(params: Any) -> exports.Request:
    """The ranking's filters and order in query parameters (as on the ranking page), as an export request."""
    sort, desc, _page, _per_page = sort_params(params)
    return exports.Request(ranking.Filters.parse(params), sort, desc)


def _job_context(opening: Opening, job: ExportJob | None, error: str | None = None) -> dict[str, Any]:
    total = job.rows_total if job is not None else None
    done = job.rows_done if job is not None else 0
    return {
        **COMMON,
        "opening": opening,
        "job": job,
        "base": f"/hr/openings/{opening.id}",
        "kind_label": KIND_LABELS.get(job.kind, job.kind) if job is not None else "",
        "percent": int(100 * done / total) if total else (100 if job is not None and job.status == "done" else 0),
        "filtered": bool(job is not None and (job.params or {}).get("filters")),
        "keep_hours": int(exports.KEEP.total_seconds() // 3600),
        "error": error,
    }


def _job_response(request: Request, opening: Opening, job: ExportJob | None, error: str | None = None) -> Response:
    ctx = _job_context(opening, job, error)
    status = 422 if error else 200
    if _is_htmx(request):
        return render(request, "hr/review/_export_job.html", ctx, status_code=status)
    return render(request, "hr/review/export_job.html", ctx, status_code=status)


@router.post("/openings/{opening_id}/exports")
def start_export(request: Request, opening: HROpening, user: HRUser, session: SessionDep, form: FormDep) -> Response:
    """Queue an export of the ranking with the filters and order it shows; answers at once."""
    kind = str(form.get("kind") or "")
    if kind not in exports.KINDS:
        return _job_response(request, opening, None, _("Choose CSV or Excel."))
    try:
        job = exports.start(session, user, opening, kind, request_of(QueryParams(str(form.get("query") or ""))))
    except exports.ExportError as exc:
        return _job_response(request, opening, None, exc.translated())
    if _is_htmx(request):
        return _job_response(request, opening, job)
    return RedirectResponse(f"/hr/openings/{opening.id}/exports/{job.id}", status_code=303)


@router.get("/openings/{opening_id}/exports/{job_id}")
def export_job(request: Request, opening: HROpening, job_id: IdPath, session: SessionDep) -> Response:
    """An export's progress (the htmx partial polls it every second until the file is ready)."""
    job = exports.job_of(session, opening, job_id)
    if job is None:
        raise HTTPException(404)
    response = _job_response(request, opening, job)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/openings/{opening_id}/exports/{job_id}/file")
def export_file(request: Request, opening: HROpening, user: HRUser, job_id: IdPath, session: SessionDep) -> Response:
    """The finished export's file, streamed piece by piece (409 while it is not ready)."""
    job = exports.download(session, request.app.state.engine, user, opening, job_id)
    if job is None:
        raise HTTPException(404)
    if job.status != "done":
        return Response(_("The export is not ready yet."), status_code=409, media_type="text/plain; charset=utf-8")
    media, disposition = exports.file_names(opening, job)
    return StreamingResponse(
        exports.pieces(request.app.state.engine, job.id),  # type: ignore[arg-type]
        media_type=media,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store", "Content-Length": str(job.size)},
    )


# --- the old URLs (bookmarks and scripts) -----------------------------------------------------------------------


def _old_export(request: Request, opening: Opening, user: Any, session: Any, kind: str) -> Response:
    result = exports.export_or_queue(
        session, request.app.state.engine, user, opening, kind, request_of(request.query_params)
    )
    if isinstance(result, ExportJob):  # too many rows to answer at once: the job's page shows its progress
        return RedirectResponse(f"/hr/openings/{opening.id}/exports/{result.id}", status_code=303)
    probe = ExportJob(opening_id=opening.id, kind=kind)  # type: ignore[arg-type]
    media, disposition = exports.file_names(opening, probe)
    return Response(result, media_type=media, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


@router.get("/openings/{opening_id}/export.csv")
def export_csv(request: Request, opening: HROpening, user: HRUser, session: SessionDep) -> Response:
    """The ranking (filters and order applied) as CSV for Excel: at once when small, else a job's page."""
    return _old_export(request, opening, user, session, "csv")


@router.get("/openings/{opening_id}/export.xlsx")
def export_xlsx(request: Request, opening: HROpening, user: HRUser, session: SessionDep) -> Response:
    """The ranking (filters and order applied) as an XLSX workbook: at once when small, else a job's page."""
    return _old_export(request, opening, user, session, "xlsx")

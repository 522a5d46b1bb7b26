"""HR: what became of an opening's hires (entered or imported) and whether the exam predicted it.

Every route reaches the opening through ``exam.services.access`` (owned or shared openings only) and passes
the opening to the service, which refuses attempts of other openings.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from exam.hiring.charts import scatter_svg
from exam.i18n import gettext as _
from exam.models import Opening
from exam.services import access, outcomes, review, stats
from exam.web import stats_labels as sl
from exam.web.deps import FormDep, HRUser, IdPath, SessionDep
from exam.web.hr.common import COMMON
from exam.web.templating import _is_htmx, render

router = APIRouter(prefix="/hr")


def _charts(view: outcomes.ValidityView) -> list[dict[str, Any]]:
    """A scatter of hiring score against each outcome with enough points, with its table rows."""
    names, units = sl.outcome_labels(), sl.outcome_units()
    out = []
    for o in outcomes.OUTCOMES:
        points = view.points.get(o.name) or []
        if len(points) < 2:
            continue
        label = names[o.name] + (f" ({units[o.name]})" if units[o.name] else "")
        svg = scatter_svg(
            points,
            title=_("Hiring score and %(o)s") % {"o": names[o.name]},
            desc=_(
                "%(n)s hires: the hiring score at the exam against %(o)s three months later; the dashed line is the trend."
            )
            % {"n": len(points), "o": names[o.name]},
            x_label=_("Hiring score"),
            y_label=label if o.kind != "binary" else _("Passed probation (1 = yes)"),
            binary=o.kind == "binary",
            chart_id=f"scatter-{o.name}",
        )
        out.append({"outcome": o, "label": label, "svg": svg, "points": sorted(points)})
    return out


def _page(
    request: Request,
    session: Session,
    opening: Opening,
    *,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    profile = review.profile_of(session, opening)
    view = outcomes.validity(session, opening, profile)
    figures = stats.opening_figures(session, opening.id)  # type: ignore[arg-type]
    ctx = {
        **COMMON,
        "opening": opening,
        "profile": profile,
        "rows": outcomes.hires(session, opening),
        "view": view,
        "charts": _charts(view),
        "figures": figures,
        "outcome_list": outcomes.OUTCOMES,
        "outcome_labels": sl.outcome_labels(),
        "outcome_units": sl.outcome_units(),
        "criteria": {c["id"]: c.get("label") or c["id"] for c in profile.get("criteria") or []},
        "strength": sl.strength,
        "method_label": sl.method_label,
        "reliability_reason": sl.reliability_reason,
        "error": None,
        "row_error": None,
    }
    ctx.update(extra)
    return render(request, "hr/outcomes.html", ctx, status_code=status_code)


@router.get("/openings/{opening_id}/outcomes")
def outcomes_page(request: Request, opening_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """Hires' outcomes (entry and CSV import), the exam's validity for them and the paper's reliability."""
    opening = access.require_opening(session, user, opening_id, "view")
    notice = None
    if request.query_params.get("saved"):
        notice = _("The outcomes were saved.")
    return _page(request, session, opening, notice=notice)


def _row_response(
    request: Request,
    session: Session,
    opening: Opening,
    attempt_id: int,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    if not _is_htmx(request):
        if error:
            return _page(request, session, opening, status_code=status_code, error=error)
        return RedirectResponse(f"/hr/openings/{opening.id}/outcomes?saved=1#hire-{attempt_id}", status_code=303)
    row = next((r for r in outcomes.hires(session, opening) if r.attempt.id == attempt_id), None)
    ctx = {
        **COMMON,
        "opening": opening,
        "r": row,
        "outcome_list": outcomes.OUTCOMES,
        "outcome_labels": sl.outcome_labels(),
        "row_error": error,
        "saved": error is None,
    }
    return render(request, "hr/_outcome_row.html", ctx, status_code=status_code)


@router.post("/openings/{opening_id}/outcomes/{attempt_id}")
def save(
    request: Request, opening_id: IdPath, attempt_id: IdPath, user: HRUser, session: SessionDep, form: FormDep
) -> Response:
    """Record one hire's outcomes (empty fields are unknown)."""
    opening = access.require_opening(session, user, opening_id, "edit")
    data = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        values = outcomes.parse_values(data)
        outcomes.save_outcome(session, user, opening, attempt_id, values, data.get("note", ""))
    except outcomes.OutcomeError as exc:
        return _row_response(request, session, opening, attempt_id, 422, exc.translated())
    return _row_response(request, session, opening, attempt_id)


@router.post("/openings/{opening_id}/outcomes/{attempt_id}/clear")
def clear(request: Request, opening_id: IdPath, attempt_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """Delete one hire's recorded outcomes."""
    opening = access.require_opening(session, user, opening_id, "edit")
    try:
        outcomes.clear_outcome(session, user, opening, attempt_id)
    except outcomes.OutcomeError as exc:
        return _row_response(request, session, opening, attempt_id, 422, exc.translated())
    return _row_response(request, session, opening, attempt_id)


@router.post("/openings/{opening_id}/outcomes-csv")
def import_csv(
    request: Request, opening_id: IdPath, user: HRUser, session: SessionDep, file: UploadFile | None = None
) -> Response:
    """Record outcomes from a CSV file; bad rows are listed with their line and reason, good rows kept."""
    opening = access.require_opening(session, user, opening_id, "edit")
    if file is None or not file.filename:
        return _page(request, session, opening, status_code=422, error=_("Choose a CSV file to upload."))
    raw = file.file.read(outcomes.MAX_CSV_BYTES + 1)
    try:
        report = outcomes.import_csv(session, user, opening, raw)
    except outcomes.OutcomeError as exc:
        return _page(request, session, opening, status_code=422, error=exc.translated())
    notice = _("%(good)s rows saved, %(bad)s rows refused.") % {"good": report.saved, "bad": len(report.problems)}
    status_code = 200 if report.saved or not report.problems else 422
    return _page(request, session, opening, status_code=status_code, notice=notice, problems=report.problems)


@router.get("/openings/{opening_id}/outcomes.csv")
def template(request: Request, opening_id: IdPath, user: HRUser, session: SessionDep) -> Response:
    """The hires with their outcomes as a CSV for Excel, to fill in and upload again."""
    opening = access.require_opening(session, user, opening_id, "view")
    body = outcomes.template_csv(session, opening)
    stem = f"outcomes-{opening.id}-{date.today().isoformat()}"
    nice = f"{opening.title}-{_('outcomes')}-{date.today().isoformat()}"
    disposition = f"attachment; filename=\"{stem}.csv\"; filename*=UTF-8''{quote(nice)}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )

"""HR review pages: an opening's ranking, candidate reports, comparison, overrides, decisions, exports, data rights."""
from __future__ import annotations

import json
import logging
from datetime import date
from typing import Annotated, Any, Mapping, Optional
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from exam.accounts import audit
from exam.db import writer
from exam.hiring import data_rights, export, ranking, review
from exam.hiring.report import (
    DECISION_LABELS,
    STATUS_LABELS,
    band_index,
    build_report,
    compare_rows,
    criterion_points,
    decision_label,
    explain_score,
    export_table,
    hiring_of,
    num,
    person,
    status_label,
    topic_label,
)
from exam.hiring.svg import histogram_svg, score_bins
from exam.i18n import gettext as _
from exam.models import Answer, Attempt, Opening
from exam.security import N_
from exam.web.background import register
from exam.web.deps import FormDep, HRUser, ReviewerUser, SessionDep, get_or_404
from exam.web.templating import _is_htmx, render

log = logging.getLogger("exam.hr_review")

router = APIRouter(prefix="/hr")

COMMON: dict[str, Any] = {"num": num, "band_index": band_index, "decision_label": decision_label,
                          "status_label": status_label, "explain_score": explain_score, "topic_label": topic_label}


# --- helpers -------------------------------------------------------------------------------


def _opening(session: Session, opening_id: int) -> Opening:
    return get_or_404(session, Opening, opening_id)


def _attempt(session: Session, attempt_id: int) -> Attempt:
    return get_or_404(session, Attempt, attempt_id)


def _audit_now(request: Request, actor: Any, action: str, target_type: str, target_id: str,
               after: dict[str, Any] | None = None) -> None:
    """Write an audit entry from a GET request (its own short write transaction)."""
    with Session(writer(request.app.state.engine), expire_on_commit=False) as s:
        audit(s, actor, action, target_type, target_id, after=after)
        s.commit()


def _sort_params(q: Mapping[str, Any]) -> tuple[str, bool, int, int]:
    sort = q.get("sort", "rank")
    sort = sort if sort in ranking.SORTS else "rank"
    desc = q.get("dir", "desc" if sort != "name" else "asc") != "asc"
    try:
        page = max(1, int(q.get("page", "1")))
    except ValueError:
        page = 1
    try:
        per_page = max(10, min(ranking.MAX_PER_PAGE, int(q.get("per_page", str(ranking.PER_PAGE)))))
    except ValueError:
        per_page = ranking.PER_PAGE
    return sort, desc, page, per_page


def _query(items: list[tuple[str, str]], **changes: Any) -> str:
    """A query string from items with some keys replaced (None removes)."""
    data = [(k, v) for k, v in items if k not in changes]
    data += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
    return urlencode(data)


def _distribution_chart(session: Session, opening_id: int, profile: dict[str, Any]) -> dict[str, Any]:
    met, failed = ranking.distribution(session, opening_id)
    bins = score_bins(met, failed)
    total = sum(b.total for b in bins)
    band_lines = [(float(b["min"]), str(b["label"])) for b in profile.get("bands") or [] if float(b["min"]) > 0]
    svg = histogram_svg(
        bins, title=_("Distribution of hiring scores"),
        desc=_("%(n)s scored candidates in bins of 10 points; blue bars meet every hard requirement, grey bars do "
               "not. Dashed lines mark the recommendation bands.") % {"n": total},
        met_label=_("Meets hard requirements"), failed_label=_("Fails a hard requirement"),
        x_label=_("Hiring score"), y_label=_("Candidates"), band_lines=band_lines)
    return {"svg": svg, "bins": bins, "total": total}


def _ranking_context(request: Request, session: Session, opening: Opening, *, error: str | None = None,
                     notice: str | None = None, params: Mapping[str, Any] | None = None,
                     partial: bool = False) -> dict[str, Any]:
    params = request.query_params if params is None else params
    profile = review.profile_of(session, opening)
    filters = ranking.Filters.parse(params)
    sort, desc, page, per_page = _sort_params(params)
    result = ranking.fetch_page(session, opening.id, filters, sort=sort, desc=desc, page=page,  # type: ignore[arg-type]
                                per_page=per_page)
    items = filters.items() + ([("per_page", str(per_page))] if per_page != ranking.PER_PAGE else [])
    sort_items = items + [("sort", sort), ("dir", "desc" if desc else "asc")]

    base = f"/hr/openings/{opening.id}"

    def sort_url(key: str) -> str:
        default_desc = key != "name"
        new_desc = (not desc) if key == sort else default_desc
        return f"{base}/ranking?" + _query(items, sort=key, dir="desc" if new_desc else "asc")

    def page_url(n: int) -> str:
        return f"{base}/ranking?" + _query(sort_items, page=n if n > 1 else None)

    return {
        **COMMON, "opening": opening, "profile": profile, "page": result, "filters": filters, "sort": sort, "desc": desc,
        "sort_url": sort_url, "page_url": page_url, "query": _query(sort_items),
        "export_query": _query(sort_items),
        # the htmx partial (table only) needs neither the totals nor the chart
        "stats": None if partial else ranking.opening_stats(session, opening.id),  # type: ignore[arg-type]
        "chart": None if partial else _distribution_chart(session, opening.id, profile),  # type: ignore[arg-type]
        "criteria": profile.get("criteria") or [], "bands": profile.get("bands") or [],
        "criterion_points": criterion_points, "decision_label": decision_label, "status_label": status_label,
        "decisions": list(DECISION_LABELS.items()), "statuses": list(STATUS_LABELS.items()),
        "error": error, "notice": notice, "base": base,
        "next": f"{base}/ranking" + ("?" + _query(sort_items, page=result.page if result.page > 1 else None)),
    }


# --- ranking -------------------------------------------------------------------------------


@router.get("/openings/{opening_id}/ranking")
def ranking_page(request: Request, opening_id: int, user: HRUser, session: SessionDep) -> Response:
    """The ranked shortlist of an opening (the table alone for htmx requests)."""
    opening = _opening(session, opening_id)
    notice = None
    done = request.query_params.get("updated")
    if done and done.isdigit():
        notice = _("%(n)s candidates updated.") % {"n": done}
    if request.query_params.get("deleted") == "1":
        notice = _("The candidate's data was deleted.")
    partial = _is_htmx(request) and request.headers.get("HX-Target") == "ranking-results"
    ctx = _ranking_context(request, session, opening, notice=notice, partial=partial)
    if partial:
        return render(request, "hr/review/_ranking_results.html", ctx)
    return render(request, "hr/review/ranking.html", ctx)


def _safe_next(value: str, opening_id: int) -> str:
    prefix = f"/hr/openings/{opening_id}/ranking"
    if value.startswith(prefix) and "//" not in value and "\\" not in value:
        return value
    return prefix


@router.post("/openings/{opening_id}/bulk")
def bulk(request: Request, opening_id: int, user: HRUser, session: SessionDep, form: FormDep) -> Response:
    """Compare the selected candidates, or give them all the same decision."""
    opening = _opening(session, opening_id)
    ids: list[int] = []
    for value in form.getlist("ids"):
        if str(value).isdigit() and int(str(value)) not in ids:
            ids.append(int(str(value)))
    action = str(form.get("action") or "")
    next_url = _safe_next(str(form.get("next") or ""), opening_id)
    if action == "compare":
        if not 2 <= len(ids) <= 4:
            return _bulk_error(request, session, opening, next_url, _("Select two to four candidates to compare."))
        return RedirectResponse(f"/hr/openings/{opening_id}/compare?" + urlencode([("ids", i) for i in ids]),
                                status_code=303)
    if not ids:
        return _bulk_error(request, session, opening, next_url, _("Select at least one candidate."))
    attempts = session.exec(select(Attempt).where(col(Attempt.id).in_(ids), Attempt.opening_id == opening_id)).all()
    try:
        changed = review.bulk_decide(session, user, attempts, str(form.get("decision") or ""),
                                     str(form.get("note") or ""))
    except review.ReviewError as exc:
        session.rollback()
        return _bulk_error(request, session, opening, next_url, exc.translated())
    session.commit()
    sep = "&" if "?" in next_url else "?"
    return RedirectResponse(f"{next_url}{sep}updated={changed}", status_code=303)


def _bulk_error(request: Request, session: Session, opening: Opening, next_url: str, message: str) -> Response:
    """The ranking again (as it was) with the error."""
    from starlette.datastructures import QueryParams

    query = next_url.split("?", 1)[1] if "?" in next_url else ""
    ctx = _ranking_context(request, session, opening, error=message, params=QueryParams(query))
    return render(request, "hr/review/ranking.html", ctx, status_code=422)


# --- exports ----------------------------------------------------------------------------------


def _export(request: Request, session: Session, opening: Opening, user: Any, kind: str) -> Response:
    profile = review.profile_of(session, opening)
    filters = ranking.Filters.parse(request.query_params)
    sort, desc, _page, _per = _sort_params(request.query_params)
    rows = ranking.export_rows(session, opening.id, filters, sort=sort, desc=desc)  # type: ignore[arg-type]
    headers, table = export_table(rows, profile)
    stem = f"ranking-{opening.id}-{date.today().isoformat()}"
    nice = f"{opening.title}-{_('ranking')}-{date.today().isoformat()}"
    if kind == "csv":
        body = export.to_csv(headers, table)
        media = "text/csv; charset=utf-8"
    else:
        body = export.to_xlsx(headers, table, title=_("Ranking"),
                              widths=[6, 12, 24, 10, 10, 10, 10, 24])
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    _audit_now(request, user, "ranking.export", "opening", str(opening.id),
               after={"format": kind, "filters": dict(filters.items()), "sort": sort})
    disposition = f"attachment; filename=\"{stem}.{kind}\"; filename*=UTF-8''{quote(nice)}.{kind}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition,
                                                     "Cache-Control": "no-store"})


@router.get("/openings/{opening_id}/export.csv")
def export_csv(request: Request, opening_id: int, user: HRUser, session: SessionDep) -> Response:
    """The ranking (filters and order applied) as CSV for Excel."""
    return _export(request, session, _opening(session, opening_id), user, "csv")


@router.get("/openings/{opening_id}/export.xlsx")
def export_xlsx(request: Request, opening_id: int, user: HRUser, session: SessionDep) -> Response:
    """The ranking (filters and order applied) as an XLSX workbook."""
    return _export(request, session, _opening(session, opening_id), user, "xlsx")


# --- compare -------------------------------------------------------------------------------------


@router.get("/openings/{opening_id}/compare")
def compare(request: Request, opening_id: int, user: HRUser, session: SessionDep) -> Response:
    """Two to four candidates of an opening side by side."""
    opening = _opening(session, opening_id)
    ids: list[int] = []
    for value in request.query_params.getlist("ids"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    profile = review.profile_of(session, opening)
    if not 2 <= len(ids) <= 4:
        return render(request, "hr/review/compare.html", {
            **COMMON, "opening": opening, "items": [], "rows": [], "profile": profile,
            "error": _("Select two to four candidates to compare.")}, status_code=422)
    attempts = {a.id: a for a in session.exec(select(Attempt).where(col(Attempt.id).in_(ids),
                                                                     Attempt.opening_id == opening_id)).all()}
    if len(attempts) != len(ids):
        raise HTTPException(404)
    ranks = ranking.ranks_and_percentiles(session, opening_id, ids)
    touched = ranking.overridden_ids(session, ids)
    items = []
    for i in ids:
        a = attempts[i]
        name = person(session, a)[0]
        rank, pct = ranks.get(i, (None, None))
        items.append((a, name, hiring_of(a, profile), rank, pct))
    return render(request, "hr/review/compare.html", {
        **COMMON, "opening": opening, "profile": profile, "items": items, "rows": compare_rows(items, profile),
        "overridden": touched, "error": None})


# --- report ----------------------------------------------------------------------------------------


def _report_response(request: Request, session: Session, attempt: Attempt, user: Any, *, error: str | None = None,
                     error_for: str | None = None, status_code: int = 200, notice: str | None = None) -> Response:
    opening = _opening(session, attempt.opening_id)
    profile = review.profile_of(session, opening)
    report = build_report(session, attempt, profile)
    return render(request, "hr/review/report.html", {
        **COMMON, "r": report, "opening": opening, "error": error, "error_for": error_for, "notice": notice,
        "decisions": list(DECISION_LABELS.items()), "decision_label": decision_label, "status_label": status_label,
        "can_decide": user.role == "hr",
    }, status_code=status_code)


@router.get("/attempts/{attempt_id}")
def report_page(request: Request, attempt_id: int, user: ReviewerUser, session: SessionDep) -> Response:
    """A candidate's report: hiring score explained, every section with evidence, integrity timeline, audit."""
    attempt = _attempt(session, attempt_id)
    notice = {"override": _("The mark was changed; the scores and the ranking are updated."),
              "decision": _("The decision was saved.")}.get(request.query_params.get("saved", ""))
    return _report_response(request, session, attempt, user, notice=notice)


def _float_or_none(value: str) -> Optional[float]:
    value = (value or "").strip().replace(",", ".")
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise review.ReviewError(N_("Points must be a number.")) from None


@router.post("/attempts/{attempt_id}/override")
def override(request: Request, attempt_id: int, user: ReviewerUser, session: SessionDep,
             answer_id: Annotated[int, Form()], criterion_id: Annotated[str, Form()],
             points: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "",
             remove: Annotated[str, Form()] = "") -> Response:
    """Override (or restore) one reply criterion's points, with a required comment; regrades at once."""
    attempt = _attempt(session, attempt_id)
    answer = session.get(Answer, answer_id, with_for_update=True)  # row lock on PostgreSQL (SQLite: BEGIN IMMEDIATE)
    if answer is None or answer.attempt_id != attempt.id:
        raise HTTPException(404)
    try:
        value = None if remove else _float_or_none(points)
        if value is None and not remove:
            raise review.ReviewError(N_("Give the points, or restore the automatic mark."))
        review.override_criterion(session, user, answer, criterion_id, value, comment)
    except review.ReviewError as exc:
        session.rollback()
        known = {c.get("id") for c in (answer.result or {}).get("criteria") or []}
        return _report_response(request, session, _attempt(session, attempt_id), user, error=exc.translated(),
                                error_for=f"{answer_id}:{criterion_id}" if criterion_id in known else None,
                                status_code=422)
    session.commit()
    return RedirectResponse(f"/hr/attempts/{attempt.id}?saved=override#answer-{answer.id}", status_code=303)


@router.post("/attempts/{attempt_id}/decision")
def decision(request: Request, attempt_id: int, user: HRUser, session: SessionDep,
             decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    """Record HR's decision on a candidate, with a required note."""
    attempt = _attempt(session, attempt_id)
    try:
        review.decide(session, user, attempt, decision, note)
    except review.ReviewError as exc:
        session.rollback()
        return _report_response(request, session, _attempt(session, attempt_id), user, error=exc.translated(),
                                error_for="decision", status_code=422)
    session.commit()
    return RedirectResponse(f"/hr/attempts/{attempt.id}?saved=decision#decision", status_code=303)


# --- data rights ----------------------------------------------------------------------------------


@router.get("/attempts/{attempt_id}/data.json")
def candidate_data(request: Request, attempt_id: int, user: HRUser, session: SessionDep) -> Response:
    """Everything held on this attempt's candidate, as a JSON download (audited)."""
    attempt = _attempt(session, attempt_id)
    try:
        data = data_rights.export_candidate(session, attempt.candidate_id)
    except data_rights.DataRightsError as exc:
        raise HTTPException(404, exc.translated()) from exc
    _audit_now(request, user, "candidate.export", "attempt", str(attempt.id),
               after={"candidate_id": attempt.candidate_id})
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="candidate-{attempt.candidate_id}.json"',
        "Cache-Control": "no-store"})


@router.post("/attempts/{attempt_id}/delete")
def delete_candidate(request: Request, attempt_id: int, user: HRUser, session: SessionDep,
                     comment: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """Delete this attempt's candidate and all their data (audited)."""
    attempt = _attempt(session, attempt_id)
    opening_id = attempt.opening_id
    try:
        if confirm != "yes":
            raise data_rights.DataRightsError(N_("Tick the box to confirm the deletion."))
        data_rights.delete_candidate(session, user, attempt.candidate_id, comment)
    except data_rights.DataRightsError as exc:
        session.rollback()
        return _report_response(request, session, _attempt(session, attempt_id), user, error=exc.translated(),
                                error_for="delete", status_code=422)
    session.commit()
    return RedirectResponse(f"/hr/openings/{opening_id}/ranking?deleted=1", status_code=303)


# --- retention ------------------------------------------------------------------------------------


@register("retention", "sweep_interval_seconds")
def retention_job(app: Any) -> None:
    """Purge candidate data past each opening's retention period."""
    with Session(writer(app.state.engine), expire_on_commit=False) as session:
        report = data_rights.purge_expired(session)
        session.commit()
    if report.openings:
        log.info("retention purge: openings %s, %s attempts, %s invitations, %s candidates", report.openings,
                 report.attempts, report.invitations, report.candidates)

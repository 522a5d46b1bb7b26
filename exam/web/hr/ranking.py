"""HR: an opening's ranked shortlist (filters, sorting, bulk decisions), its exports and the comparison page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import QueryParams

from exam.hiring.explain import (
    DECISION_LABELS,
    STATUS_LABELS,
    compare_rows,
    criterion_points,
    criterion_values,
    decision_label,
    format_value,
    lower_is_better,
    status_label,
)
from exam.hiring.svg import histogram_svg, score_bins
from exam.i18n import gettext as _
from exam.models import Opening
from exam.services import ranking, regrade, review, stats
from exam.web.deps import FormDep, HROpening, HRUser, SessionDep
from exam.web.hr.common import COMMON
from exam.web.templating import _is_htmx, render

router = APIRouter(prefix="/hr")


def sort_params(q: Mapping[str, Any]) -> tuple[str, bool, int, int]:
    sort = ranking.valid_sort(q.get("sort", "rank"))
    desc = q.get("dir", "desc" if _default_desc(sort) else "asc") != "asc"
    page = _bounded(q.get("page", "1"), 1, 1, 1_000_000)
    per_page = _bounded(q.get("per_page", str(ranking.PER_PAGE)), ranking.PER_PAGE, 10, ranking.MAX_PER_PAGE)
    return sort, desc, page, per_page


def _default_desc(sort: str) -> bool:
    """Best first: names A to Z, inputs where lower is better (a response time) from the lowest."""
    name = ranking.input_of(sort)
    return sort != "name" and not (name is not None and lower_is_better(name))


def _bounded(value: Any, default: int, lo: int, hi: int) -> int:
    """A query integer clamped to [lo, hi] (malformed or absurdly long: the default)."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 12:
        return default if not text.isdigit() else hi
    return max(lo, min(hi, int(text)))


def _ids(values: list[Any]) -> list[int]:
    """Distinct attempt ids in order; anything not a plausible id is dropped."""
    ids: list[int] = []
    for value in values:
        text = str(value)
        if text.isdigit() and len(text) <= 10 and 0 < int(text) < 2**31 and int(text) not in ids:
            ids.append(int(text))
    return ids


def _query(items: list[tuple[str, str]], **changes: Any) -> str:
    """A query string from items with some keys replaced (None removes)."""
    data = [(k, v) for k, v in items if k not in changes]
    data += [(k, str(v)) for k, v in changes.items() if v is not None and v != ""]
    return urlencode(data)


def _distribution_chart(summary: ranking.OpeningStats, profile: dict[str, Any]) -> dict[str, Any]:
    bins = score_bins(summary.bins_met, summary.bins_failed)
    total = sum(b.total for b in bins)
    band_lines = [(float(b["min"]), str(b["label"])) for b in profile.get("bands") or [] if float(b["min"]) > 0]
    desc = _(
        "%(n)s scored candidates in bins of 10 points; blue bars meet every hard requirement, grey bars do "
        "not. Dashed lines mark the recommendation bands."
    ) % {"n": total}
    if summary.filtered:
        desc = _("Only the candidates matching the filters.") + " " + desc
    svg = histogram_svg(
        bins,
        title=_("Distribution of hiring scores"),
        desc=desc,
        met_label=_("Meets hard requirements"),
        failed_label=_("Fails a hard requirement"),
        x_label=_("Hiring score"),
        y_label=_("Candidates"),
        band_lines=band_lines,
    )
    return {"svg": svg, "bins": bins, "total": total}


def _sem(session: Session, opening_id: int) -> float | None:
    """The hiring score's standard error of measurement for this opening (None until it can be computed)."""
    figures = stats.opening_figures(session, opening_id)
    return (figures.data.get("hiring") or {}).get("sem") if figures else None


def _ranking_context(
    request: Request,
    session: Session,
    opening: Opening,
    *,
    error: str | None = None,
    notice: str | None = None,
    params: Mapping[str, Any] | None = None,
    partial: bool = False,
    with_summary: bool = False,
) -> dict[str, Any]:
    params = request.query_params if params is None else params
    profile = review.profile_of(session, opening)
    filters = ranking.Filters.parse(params)
    summary = None if partial and not with_summary else ranking.opening_stats(session, opening.id, filters)  # type: ignore[arg-type]
    sort, desc, page, per_page = sort_params(params)
    result = ranking.fetch_page(
        session,
        opening.id,
        filters,
        sort=sort,
        desc=desc,
        page=page,  # type: ignore[arg-type]
        per_page=per_page,
    )
    items = filters.items() + ([("per_page", str(per_page))] if per_page != ranking.PER_PAGE else [])
    sort_items = items + [("sort", sort), ("dir", "desc" if desc else "asc")]

    base = f"/hr/openings/{opening.id}"

    def sort_url(key: str) -> str:
        default_desc = _default_desc(key)
        new_desc = (not desc) if key == sort else default_desc
        return f"{base}/ranking?" + _query(items, sort=key, dir="desc" if new_desc else "asc")

    def page_url(n: int) -> str:
        return f"{base}/ranking?" + _query(sort_items, page=n if n > 1 else None)

    return {
        **COMMON,
        "opening": opening,
        "profile": profile,
        "page": result,
        "filters": filters,
        "sort": sort,
        "desc": desc,
        "sort_url": sort_url,
        "page_url": page_url,
        "query": _query(sort_items),
        "export_query": _query(sort_items),
        # the totals and the chart count the candidates matching the filters; the htmx partial of a new sort or
        # page (the table only) needs neither, that of new filters sends them out of band
        "stats": summary,
        "chart": _distribution_chart(summary, profile) if summary is not None else None,
        "summary_oob": partial and with_summary,
        "sem": _sem(session, opening.id),  # type: ignore[arg-type]
        "rank_changes": None if partial else regrade.rank_changes(session, opening),
        "criteria": profile.get("criteria") or [],
        "bands": profile.get("bands") or [],
        "criterion_points": criterion_points,
        "criterion_values": criterion_values,
        "format_value": format_value,
        "decision_label": decision_label,
        "status_label": status_label,
        "decisions": list(DECISION_LABELS.items()),
        "statuses": list(STATUS_LABELS.items()),
        "error": error,
        "notice": notice,
        "base": base,
        "next": f"{base}/ranking" + ("?" + _query(sort_items, page=result.page if result.page > 1 else None)),
    }


# --- ranking -------------------------------------------------------------------------------


@router.get("/openings/{opening_id}/ranking")
def ranking_page(request: Request, opening: HROpening, session: SessionDep) -> Response:
    """The ranked shortlist of an opening (the table alone for htmx requests)."""
    notice = None
    done = request.query_params.get("updated")
    if done and done.isdigit():
        notice = _("%(n)s candidates updated.") % {"n": done}
    if request.query_params.get("deleted") == "1":
        notice = _("The candidate's data was deleted.")
    partial = _is_htmx(request) and request.headers.get("HX-Target") == "ranking-results"
    # new filters (the filter form sent the request): the totals and the chart change with the table
    with_summary = partial and request.headers.get("HX-Trigger") == "ranking-filters"
    ctx = _ranking_context(request, session, opening, notice=notice, partial=partial, with_summary=with_summary)
    if partial:
        return render(request, "hr/review/_ranking_results.html", ctx)
    return render(request, "hr/review/ranking.html", ctx)


def _safe_next(value: str, opening_id: int) -> str:
    prefix = f"/hr/openings/{opening_id}/ranking"
    if value.startswith(prefix) and "//" not in value and "\\" not in value:
        return value
    return prefix


@router.post("/openings/{opening_id}/bulk")
def bulk(request: Request, opening: HROpening, user: HRUser, session: SessionDep, form: FormDep) -> Response:
    """Compare the selected candidates, or give them all the same decision."""
    opening_id = opening.id
    assert opening_id is not None
    ids = _ids(list(form.getlist("ids")))
    action = str(form.get("action") or "")
    next_url = _safe_next(str(form.get("next") or ""), opening_id)
    if action == "compare":
        if not 2 <= len(ids) <= 4:
            return _bulk_error(request, session, opening, next_url, _("Select two to four candidates to compare."))
        return RedirectResponse(
            f"/hr/openings/{opening_id}/compare?" + urlencode([("ids", i) for i in ids]), status_code=303
        )
    if not ids:
        return _bulk_error(request, session, opening, next_url, _("Select at least one candidate."))
    attempts = list(review.attempts_in(session, opening_id, ids).values())
    try:
        changed = review.bulk_decide(
            session, user, attempts, str(form.get("decision") or ""), str(form.get("note") or "")
        )
    except review.ReviewError as exc:
        return _bulk_error(request, session, opening, next_url, exc.translated())
    sep = "&" if "?" in next_url else "?"
    return RedirectResponse(f"{next_url}{sep}updated={changed}", status_code=303)


def _bulk_error(request: Request, session: Session, opening: Opening, next_url: str, message: str) -> Response:
    """The ranking again (as it was) with the error."""
    query = next_url.split("?", 1)[1] if "?" in next_url else ""
    ctx = _ranking_context(request, session, opening, error=message, params=QueryParams(query))
    return render(request, "hr/review/ranking.html", ctx, status_code=422)


# --- compare -------------------------------------------------------------------------------------


@router.get("/openings/{opening_id}/compare")
def compare(request: Request, opening: HROpening, session: SessionDep) -> Response:
    """Two to four candidates of an opening side by side."""
    ids = _ids(request.query_params.getlist("ids"))
    profile = review.profile_of(session, opening)
    if not 2 <= len(ids) <= 4:
        return render(
            request,
            "hr/review/compare.html",
            {
                **COMMON,
                "opening": opening,
                "items": [],
                "rows": [],
                "profile": profile,
                "error": _("Select two to four candidates to compare."),
            },
            status_code=422,
        )
    items = review.compare_items(session, opening, ids, profile)
    if items is None:
        raise HTTPException(404)
    touched = ranking.overridden_ids(session, ids)
    return render(
        request,
        "hr/review/compare.html",
        {
            **COMMON,
            "opening": opening,
            "profile": profile,
            "items": items,
            "rows": compare_rows(items, profile),
            "overridden": touched,
            "error": None,
        },
    )

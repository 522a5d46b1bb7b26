"""The trainers' statistics: flagged questions, a question's option analysis, score distributions, reliability."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import select

from exam.hiring.charts import count_bars_svg, group_bars_svg
from exam.i18n import gettext as _
from exam.models import JobProfile, JobProfileVersion
from exam.services import outcomes, stats
from exam.services.bank_store import set_status
from exam.web import stats_labels as sl
from exam.web.deps import SessionDep, TrainerUser, get_or_404
from exam.web.trainer.common import page, partial, question_row, qurl, redirect

router = APIRouter(prefix="/trainer")


def labels() -> dict[str, Any]:
    """What the statistics templates use to name things."""
    return {
        "flag_names": sl.flag_names(),
        "flag_texts": sl.flag_texts,
        "option_label": sl.option_label,
        "method_label": sl.method_label,
        "reliability_reason": sl.reliability_reason,
    }


def section_chart(section: dict[str, Any], chart_id: str) -> Any:
    """The SVG histogram of a section's rates (percent of its marks)."""
    n = section["summary"]["n"]
    return count_bars_svg(
        [tuple(b) for b in section["bins"]],  # type: ignore[misc]
        title=_("Score distribution: %(s)s") % {"s": section.get("title") or section["id"]},
        desc=_("%(n)s finished attempts in bins of 10 percentage points of the section's marks.") % {"n": n},
        x_label=_("Share of the section's marks (%)"),
        y_label=_("Candidates"),
        chart_id=chart_id,
    )


def option_chart(item: dict[str, Any], chart_id: str) -> Any:
    """The SVG of an item's option analysis: the share of the top and bottom 27 % and of all who picked each option."""
    options = item.get("options") or []
    kind = str(item.get("type") or "")
    return group_bars_svg(
        [sl.option_label(o["option"], kind) for o in options],
        [
            (_("Top 27%"), [o["upper"] for o in options]),
            (_("Bottom 27%"), [o["lower"] for o in options]),
            (_("Everyone"), [o["share"] for o in options]),
        ],
        marked=[bool(o["correct"]) for o in options],
        title=_("Option analysis"),
        desc=_(
            "Share of the strongest and weakest 27%% of %(n)s candidates, and of everyone, who picked each "
            "option; the keyed option is marked ✓."
        )
        % {"n": item["responses"]},
        y_label=_("Picked by"),
        chart_id=chart_id,
    )


def _flagged(session: Any, figures: stats.Figures | None) -> list[dict[str, Any]]:
    """The active questions whose current version is flagged, with their figures."""
    by_question = stats.flags_by_question(figures)
    rows = stats.questions(session, stats.flagged_ids(session, figures))
    found: list[dict[str, Any]] = [{"question": q, "item": by_question[q.id]} for q in rows if q.status == "active"]
    # the most worrying first: more reasons, then the lowest discrimination
    found.sort(
        key=lambda f: (
            -len(f["item"]["flags"]),
            f["item"]["discrimination"] if f["item"]["discrimination"] is not None else 9,
        )
    )
    return found


@router.get("/stats")
def overview(request: Request, user: TrainerUser, session: SessionDep, opening: int | None = None) -> Response:
    """Flagged questions, paper reliability and score distributions per opening, exposure."""
    figures = stats.item_figures(session)
    flagged = _flagged(session, figures)
    openings = stats.opening_snapshots(session)
    shown = next((o for o in openings if o.data.get("opening_id") == opening), openings[0] if openings else None)
    charts = []
    if shown is not None:
        charts = [section_chart(s, f"section-{i}") for i, s in enumerate(shown.data.get("sections") or [])]
    ctx = {
        "area": "stats",
        "figures": figures,
        "flagged": flagged,
        "openings": openings,
        "shown": shown,
        "charts": charts,
        "exposure": stats.exposure_table(session),
        **labels(),
    }
    if request.query_params.get("notice") == "stats_refreshed":
        ctx["notice"] = _("Statistics recomputed from every finished attempt.")
    return page(request, "trainer/stats.html", ctx)


@router.post("/stats/refresh")
def refresh(request: Request, user: TrainerUser, session: SessionDep) -> Response:
    """Recompute the statistics now."""
    stats.item_figures(session, refresh=True)
    return redirect("/trainer/stats?notice=stats_refreshed")


@router.get("/questions/{question_id}/stats")
def question_stats(request: Request, question_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """One question's statistics per version: figures, flags with reasons, option analysis as chart and table."""
    row = question_row(session, question_id)
    figures = stats.item_figures(session)
    data = stats.question_figures(session, row.id, figures)
    charts = {v["version"]: option_chart(v, f"options-v{v['version']}") for v in data["versions"] if v.get("options")}
    ctx = {
        "area": "questions",
        "row": row,
        "data": data,
        "charts": charts,
        "figures": figures,
        **labels(),
    }
    return page(request, "trainer/question_stats.html", ctx)


def _safe_next(value: str) -> str:
    """A local trainer URL to go back to (else the bank list)."""
    if value.startswith("/trainer") and "//" not in value and "\\" not in value:
        return value
    return "/trainer"


@router.post("/questions/{question_id}/retire")
def retire(
    request: Request,
    question_id: str,
    user: TrainerUser,
    session: SessionDep,
    next: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Retire a (flagged) question from drawing in one step; its history and past answers stay."""
    row = question_row(session, question_id)
    if row.status != "active":
        raise HTTPException(409, _("This question is already retired."))
    note = (_("retired from the statistics: %(why)s") % {"why": reason.strip()[:300]}) if reason.strip() else ""
    set_status(session, row.id, "retired", user.id, note)
    if partial(request, f"row-{row.id}"):
        fresh = question_row(session, row.id)
        ctx = {"row": fresh, "item_stats": stats.flags_by_question(stats.item_figures(session, recompute=False))}
        return page(request, "trainer/_question_row.html", ctx | labels())
    target = _safe_next(next)
    return redirect(target + ("&" if "?" in target else "?") + "notice=retired")


__all__ = ["router", "qurl"]


@router.get("/profiles/{profile_id}/validity")
def profile_validity(request: Request, profile_id: str, user: TrainerUser, session: SessionDep) -> Response:
    """What the hires' outcomes say about a profile's criteria and weights, pooled over its openings (no names)."""
    row = get_or_404(session, JobProfile, profile_id)
    stored = session.exec(
        select(JobProfileVersion).where(
            JobProfileVersion.profile_id == row.id, JobProfileVersion.version == row.current_version
        )
    ).one()
    view = outcomes.profile_validity(session, row.id, stored.content)
    ctx = {
        "area": "profiles",
        "profile_row": row,
        "profile": stored.content,
        "view": view,
        "criteria": {c["id"]: c.get("label") or c["id"] for c in stored.content.get("criteria") or []},
        "outcome_list": outcomes.OUTCOMES,
        "outcome_labels": sl.outcome_labels(),
        "strength": sl.strength,
    }
    return page(request, "trainer/profile_validity.html", ctx)

"""The candidate report: a stored attempt with its answers, integrity timeline and audit, ready to display."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, true
from sqlmodel import Session, col, select

from exam.hiring.explain import Labels, audit_label, explanation_rows, hiring_of, num, signal_label
from exam.hiring.score import HiringResult
from exam.hiring.svg import line_chart_svg
from exam.hiring.timeline import describe_event, item_names
from exam.i18n import gettext as _
from exam.models import (
    Answer,
    Attempt,
    AttemptSection,
    AuditLog,
    IntegrityEvent,
    Invitation,
    Opening,
    QuestionVersion,
    User,
)
from exam.questions.base import QuestionType
from exam.questions.registry import TYPES
from exam.services.ranking import percentile_rank
from exam.timeutil import as_utc

GENERIC_TEMPLATE = QuestionType.report_template

# --- the report ------------------------------------------------------------------------


@dataclass
class AnswerView:
    """One answer as the report shows it."""

    answer: Answer
    type: str
    content: dict[str, Any]
    template: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class SectionView:
    """One section of the paper with its figures and answers."""

    id: str
    title: str
    figures: dict[str, Any]
    answers: list[AnswerView]
    started_at: datetime | None = None
    submitted_at: datetime | None = None


@dataclass
class Report:
    """Everything the candidate report page shows."""

    attempt: Attempt
    opening: Opening
    profile: dict[str, Any]
    name: str
    email: str | None
    phone: str | None
    hiring: HiringResult | None
    labels: Labels
    criteria: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    sections: list[SectionView]
    events: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    rank: int | None = None
    percentile: float | None = None
    scored_total: int = 0
    overridden: int = 0


def person(session: Session, attempt: Attempt) -> tuple[str, str | None, str | None]:
    """(name, e-mail, phone) of an attempt's candidate."""
    inv = session.get(Invitation, attempt.invitation_id) if attempt.invitation_id else None
    user = session.get(User, attempt.candidate_id)
    name = (inv.name if inv else None) or (user.display_name if user else None) or (user.username if user else "")
    email = (inv.email if inv else None) or (user.email if user else None)
    phone = (inv.phone if inv else None) or (user.phone if user else None)
    return name or "", email, phone


def _speed_curve(data: dict[str, Any], answer_id: int | None, minimum: float | None) -> str | None:
    """The SVG of an answer's speed over the test (answers whose view has a speed series)."""
    points = data.get("points") or []
    if not points:
        return None
    reference = (minimum, _("required %(n)s") % {"n": num(minimum)}) if minimum else None
    avg = (data.get("figures") or {}).get("gross_cpm")
    average = (float(avg), _("average %(n)s") % {"n": num(float(avg))}) if avg else None
    return line_chart_svg(
        points,
        title=_("Typing speed over the test"),
        desc=_("Characters per minute in 10-second steps; the dashed line is the required speed."),
        x_label=_("seconds"),
        y_label=_("chars/min"),
        reference=reference,
        average=average,
        chart_id=f"curve-{answer_id}",
    )


PRIVATE_EVENT_KEYS = ("ip", "user_agent", "session", "device")


def pseudonym(attempt: Attempt) -> str:
    """A stable label for an attempt that says nothing about the person (trainers calibrate with it)."""
    digest = hashlib.sha256(f"attempt:{attempt.id}:{as_utc(attempt.started_at).isoformat()}".encode()).hexdigest()
    return _("Candidate %(code)s") % {"code": digest[:6].upper()}


def rank_of(session: Session, attempt: Attempt) -> tuple[int | None, float | None, int]:
    """(rank, percentile, scored attempts of the opening) of one attempt, in one pass of conditional counts.

    The same figures as the window functions of :func:`exam.services.ranking.ranks_and_percentiles` (rank by
    hard requirements met, then score; percentile with ties as half), without ranking the whole opening
    (10,000 rows sorted three times for one candidate's report).
    """
    score = col(Attempt.hiring_score)
    met = func.coalesce(col(Attempt.hard_requirements_met), False)
    mine = attempt.hiring_score
    if mine is None or attempt.id is None:
        total = session.exec(
            select(func.count(col(Attempt.id))).where(col(Attempt.opening_id) == attempt.opening_id, score.is_not(None))
        ).one()
        return None, None, int(total)
    ahead = and_(met == true(), score > mine) if attempt.hard_requirements_met else or_(met == true(), score > mine)
    counts = session.exec(
        select(
            func.count(col(Attempt.id)),
            func.coalesce(func.sum(case((ahead, 1), else_=0)), 0),
            func.coalesce(func.sum(case((score < mine, 1), else_=0)), 0),
            func.coalesce(func.sum(case((score == mine, 1), else_=0)), 0),
        ).where(col(Attempt.opening_id) == attempt.opening_id, score.is_not(None))
    ).one()
    total, before, below, equal = (int(v) for v in counts)
    return before + 1, percentile_rank(below, equal, total), total


def build_report(
    session: Session, attempt: Attempt, profile: Mapping[str, Any], *, pseudonymous: bool = False
) -> Report:
    """The candidate report of one attempt (``pseudonymous``: no name, contact, addresses or review history)."""
    opening = session.get(Opening, attempt.opening_id)
    assert opening is not None
    name, email, phone = (pseudonym(attempt), None, None) if pseudonymous else person(session, attempt)
    results = attempt.results or {}
    labels = Labels(profile, results)
    hiring = hiring_of(attempt, profile)
    criteria, requirements = explanation_rows(hiring, labels) if hiring else ([], [])
    minimum = next(
        (r["min"] for r in profile.get("hard_requirements") or [] if str(r.get("input", "")).endswith(".net_cpm")), None
    )

    answers = session.exec(select(Answer).where(Answer.attempt_id == attempt.id).order_by(col(Answer.position))).all()
    versions = {
        v.id: v
        for v in session.exec(
            select(QuestionVersion).where(col(QuestionVersion.id).in_({a.question_version_id for a in answers} or {-1}))
        ).all()
    }
    clocks = {
        s.section_id: s
        for s in session.exec(select(AttemptSection).where(AttemptSection.attempt_id == attempt.id)).all()
    }
    paper_sections = [(s.get("id"), s.get("title")) for s in (attempt.paper or {}).get("sections") or []]
    known = {sid for sid, _t in paper_sections}
    for a in answers:
        if a.section_id not in known:
            paper_sections.append((a.section_id, labels.section(a.section_id)))
            known.add(a.section_id)
    sections: list[SectionView] = []
    for sid, title in paper_sections:
        views = []
        for a in answers:
            if a.section_id != sid:
                continue
            version = versions.get(a.question_version_id)
            content = dict(version.content) if version else {}
            type_name = content.get("type") or ""
            question_type = TYPES.get(type_name)
            view = AnswerView(
                answer=a,
                type=type_name,
                content=content,
                template=question_type.report_template if question_type else GENERIC_TEMPLATE,
            )
            if question_type is not None:
                view.data = question_type.report_view(content, a)
                view.data["curve"] = _speed_curve(view.data, a.id, minimum)
            views.append(view)
        clock = clocks.get(sid)
        sections.append(
            SectionView(
                id=sid,
                title=title or labels.section(sid),
                figures=dict((results.get("sections") or {}).get(sid) or {}),
                answers=views,
                started_at=clock.started_at if clock else None,
                submitted_at=clock.submitted_at if clock else None,
            )
        )

    start = as_utc(attempt.started_at)
    names = item_names(
        [
            (
                sec.title,
                [
                    (
                        v.answer.position,
                        str(
                            v.content.get("title")
                            or v.content.get("stem")
                            or (v.content.get("messages") or [""])[0]
                            or ""
                        ),
                    )
                    for v in sec.answers
                ],
            )
            for sec in sections
        ]
    )
    events = []
    for e in session.exec(
        select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt.id).order_by(col(IntegrityEvent.at))
    ).all():
        offset = (as_utc(e.at) - start).total_seconds()
        events.append(
            {
                "event": e,
                "label": signal_label(e.kind),
                "offset": offset,
                "clock": f"{int(offset // 60):02d}:{int(offset % 60):02d}" if offset >= 0 else "—",
                "detail": (
                    detail := {
                        k: v for k, v in (e.detail or {}).items() if not (pseudonymous and k in PRIVATE_EVENT_KEYS)
                    }
                ),
                "words": describe_event(e.kind, detail, names),
            }
        )
    entries = session.exec(
        select(AuditLog)
        .where(AuditLog.target_type == "attempt", AuditLog.target_id == str(attempt.id))
        .order_by(col(AuditLog.id).desc())
    ).all()
    actors = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({e.actor_id for e in entries if e.actor_id} or {-1}))
        ).all()
    }
    answer_names = {v.answer.id: names.get(str(v.answer.position), "") for sec in sections for v in sec.answers}
    criterion_names = {
        (v.answer.id, c.get("id")): c.get("label") or ""
        for sec in sections
        for v in sec.answers
        for c in ((v.answer.result or {}).get("criteria") or [])
    }
    audit = [
        {
            "entry": e,
            "actor": (actors[e.actor_id].display_name or actors[e.actor_id].username)
            if e.actor_id in actors
            else _("system"),
            "label": audit_label(e.action),
            "change": _override_words(e.after, answer_names, criterion_names)
            if e.action.startswith("review.override")
            else "",
        }
        for e in entries
    ]
    if pseudonymous:
        audit = []  # reviewers' names and comments (which may name the candidate) are HR's
    rank, percentile, scored_total = rank_of(session, attempt)
    overridden = sum(len(a.overrides or {}) for a in answers)
    return Report(
        attempt=attempt,
        opening=opening,
        profile=dict(profile),
        name=name,
        email=email,
        phone=phone,
        hiring=hiring,
        labels=labels,
        criteria=criteria,
        requirements=requirements,
        sections=sections,
        events=events,
        audit=audit,
        rank=rank,
        percentile=percentile,
        scored_total=int(scored_total),
        overridden=overridden,
    )


def _override_words(after: Any, answers: dict[Any, str], criteria: dict[tuple[Any, Any], str]) -> str:
    """Which reply and rubric criterion a reviewer changed, in words ("" when unknown)."""
    if not isinstance(after, dict):
        return ""
    where = answers.get(after.get("answer_id"), "")
    label = criteria.get((after.get("answer_id"), after.get("criterion")), "") or _("a rubric criterion")
    return f"{where} · {label}" if where else label

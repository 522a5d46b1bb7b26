"""The candidate report: a stored attempt with its answers, integrity timeline and audit, ready to display."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Optional

from sqlalchemy import func
from sqlmodel import Session, col, select

from exam.hiring.explain import AUDIT_LABELS, Labels, explanation_rows, hiring_of, num, signal_label
from exam.hiring.highlight import highlight
from exam.hiring.score import HiringResult
from exam.hiring.svg import line_chart_svg, speed_series
from exam.i18n import gettext as _
from exam.models import Answer, Attempt, AttemptSection, AuditLog, IntegrityEvent, Invitation, Opening, QuestionVersion, User
from exam.services.ranking import ranks_and_percentiles
from exam.timeutil import as_utc

# --- the report ------------------------------------------------------------------------


@dataclass
class AnswerView:
    """One answer as the report shows it."""

    answer: Answer
    type: str
    content: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class SectionView:
    """One section of the paper with its figures and answers."""

    id: str
    title: str
    figures: dict[str, Any]
    answers: list[AnswerView]
    started_at: Optional[datetime] = None
    submitted_at: Optional[datetime] = None


@dataclass
class Report:
    """Everything the candidate report page shows."""

    attempt: Attempt
    opening: Opening
    profile: dict[str, Any]
    name: str
    email: Optional[str]
    phone: Optional[str]
    hiring: Optional[HiringResult]
    labels: Labels
    criteria: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    sections: list[SectionView]
    events: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    rank: Optional[int] = None
    percentile: Optional[float] = None
    scored_total: int = 0
    overridden: int = 0


def person(session: Session, attempt: Attempt) -> tuple[str, Optional[str], Optional[str]]:
    """(name, e-mail, phone) of an attempt's candidate."""
    inv = session.get(Invitation, attempt.invitation_id) if attempt.invitation_id else None
    user = session.get(User, attempt.candidate_id)
    name = (inv.name if inv else None) or (user.display_name if user else None) or (user.username if user else "")
    email = (inv.email if inv else None) or (user.email if user else None)
    phone = (inv.phone if inv else None) or (user.phone if user else None)
    return name or "", email, phone


def _picked(response: Mapping[str, Any]) -> list[str]:
    for key in ("choices", "choice", "picks", "picked"):
        value = response.get(key)
        if value is None:
            continue
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return []


def _choice_view(answer: Answer, content: Mapping[str, Any]) -> dict[str, Any]:
    response = answer.response or {}
    if content.get("type") == "true_false":
        picked = response.get("answer")
        truth = content.get("answer")
        options = [{"id": "true", "text": _("True"), "correct": truth is True, "picked": picked is True},
                   {"id": "false", "text": _("False"), "correct": truth is False, "picked": picked is False}]
    else:
        chosen = set(_picked(response))
        options = [{"id": o.get("id"), "text": o.get("text"), "correct": bool(o.get("correct")),
                    "picked": o.get("id") in chosen} for o in content.get("options") or []]
    maximum = answer.max_score or 1.0
    score = answer.score or 0.0
    outcome = "right" if score >= maximum - 1e-9 else ("partial" if score > 0 else "wrong")
    answered = any(o["picked"] for o in options)
    return {"options": options, "outcome": outcome if answered or outcome != "wrong" else "unanswered"}


def _typing_view(answer: Answer, content: Mapping[str, Any], minimum: Optional[float]) -> dict[str, Any]:
    figures = dict(answer.result or {})
    response = answer.response or {}
    samples = response.get("samples") or figures.get("samples") or []
    points = speed_series(samples) if samples else []
    curve = None
    if points:
        reference = (minimum, _("required %(n)s") % {"n": num(minimum)}) if minimum else None
        avg = figures.get("gross_cpm")
        average = (float(avg), _("average %(n)s") % {"n": num(float(avg))}) if avg else None
        curve = line_chart_svg(points, title=_("Typing speed over the test"),
                               desc=_("Characters per minute in 10-second steps; the dashed line is the required "
                                      "speed."),
                               x_label=_("seconds"), y_label=_("chars/min"), reference=reference, average=average,
                               chart_id=f"curve-{answer.id}")
    return {"figures": figures, "curve": curve, "points": points, "typed": response.get("text") or "",
            "passage": content.get("passage") or ""}


def _reply_view(answer: Answer, content: Mapping[str, Any]) -> dict[str, Any]:
    result = answer.result or {}
    overrides = answer.overrides or {}
    text = (answer.response or {}).get("text") or ""
    rows = []
    for c in result.get("criteria") or []:
        overridden = c["id"] in overrides
        rows.append({
            "id": c["id"], "label": c.get("label") or c["id"], "auto": c.get("points") or 0.0,
            "points": float(overrides[c["id"]]) if overridden else float(c.get("points") or 0.0),
            "max": c.get("max") or 0.0, "overridden": overridden,
            "evidence": [e for e in c.get("evidence") or []],
        })
    return {"text": text, "segments": highlight(text, result.get("criteria") or []), "criteria": rows,
            "flags": result.get("flags") or [], "caps": result.get("caps") or [],
            "score": answer.score, "auto_score": result.get("score"), "overridden": bool(overrides)}


def build_report(session: Session, attempt: Attempt, profile: Mapping[str, Any]) -> Report:
    """The candidate report of one attempt."""
    opening = session.get(Opening, attempt.opening_id)
    assert opening is not None
    name, email, phone = person(session, attempt)
    results = attempt.results or {}
    labels = Labels(profile, results)
    hiring = hiring_of(attempt, profile)
    criteria, requirements = explanation_rows(hiring, labels) if hiring else ([], [])
    minimum = next((r["min"] for r in profile.get("hard_requirements") or []
                    if str(r.get("input", "")).endswith(".net_cpm")), None)

    answers = session.exec(select(Answer).where(Answer.attempt_id == attempt.id)
                           .order_by(col(Answer.position))).all()
    versions = {v.id: v for v in session.exec(select(QuestionVersion).where(
        col(QuestionVersion.id).in_({a.question_version_id for a in answers} or {-1}))).all()}
    clocks = {s.section_id: s for s in session.exec(select(AttemptSection).where(
        AttemptSection.attempt_id == attempt.id)).all()}
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
            qtype = content.get("type") or ""
            view = AnswerView(answer=a, type=qtype, content=content)
            if qtype == "typing":
                view.data = _typing_view(a, content, minimum)
            elif qtype == "reply":
                view.data = _reply_view(a, content)
            elif qtype in ("single_choice", "multiple_choice", "true_false"):
                view.data = _choice_view(a, content)
            views.append(view)
        clock = clocks.get(sid)
        sections.append(SectionView(id=sid, title=title or labels.section(sid),
                                    figures=dict((results.get("sections") or {}).get(sid) or {}), answers=views,
                                    started_at=clock.started_at if clock else None,
                                    submitted_at=clock.submitted_at if clock else None))

    start = as_utc(attempt.started_at)
    events = []
    for e in session.exec(select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt.id)
                          .order_by(col(IntegrityEvent.at))).all():
        offset = (as_utc(e.at) - start).total_seconds()
        events.append({"event": e, "label": signal_label(e.kind), "offset": offset,
                       "clock": f"{int(offset // 60):02d}:{int(offset % 60):02d}" if offset >= 0 else "—",
                       "detail": {k: v for k, v in (e.detail or {}).items()}})
    entries = session.exec(select(AuditLog).where(AuditLog.target_type == "attempt",
                                                  AuditLog.target_id == str(attempt.id))
                           .order_by(col(AuditLog.id).desc())).all()
    actors = {u.id: u for u in session.exec(select(User).where(
        col(User.id).in_({e.actor_id for e in entries if e.actor_id} or {-1}))).all()}
    audit = [{"entry": e, "actor": (actors[e.actor_id].display_name or actors[e.actor_id].username)
              if e.actor_id in actors else _("system"),
              "label": _(AUDIT_LABELS[e.action]) if e.action in AUDIT_LABELS else e.action} for e in entries]
    ranks = ranks_and_percentiles(session, attempt.opening_id, [attempt.id]) if attempt.id else {}
    rank, percentile = ranks.get(attempt.id, (None, None)) if attempt.id else (None, None)  # type: ignore[arg-type]
    scored_total = session.exec(select(func.count(col(Attempt.id))).where(  # type: ignore[call-overload]
        col(Attempt.opening_id) == attempt.opening_id, col(Attempt.hiring_score).is_not(None))).one()
    overridden = sum(len(a.overrides or {}) for a in answers)
    return Report(attempt=attempt, opening=opening, profile=dict(profile), name=name, email=email, phone=phone,
                  hiring=hiring, labels=labels, criteria=criteria, requirements=requirements, sections=sections,
                  events=events, audit=audit, rank=rank, percentile=percentile, scored_total=int(scored_total),
                  overridden=overridden)

"""What the candidate's exam page shows, built only from public views (never keys, rubrics or model answers)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from exam.models import Attempt
from exam.questions.registry import TYPES, get_type
from exam.security import N_
from exam.services import papers
from exam.services.attempts import answers_of, current, public_response, sections_of
from exam.timeutil import as_utc, utcnow

TYPE_LABELS = {name: question_type.label for name, question_type in TYPES.items()}

STAGE_LABELS = {"presale": N_("Pre-sale"), "insale": N_("In-sale"), "aftersale": N_("After-sale")}


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def exam_view(session: Session, attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """The running section of an attempt as the candidate may see it."""
    now = now or utcnow()
    clocks = sections_of(session, attempt)
    running = current(session, attempt)
    answers = {a.position: a for a in answers_of(session, attempt)}
    questions = papers.load_versions(session, [a.question_version_id for a in answers.values()])
    sections = []
    for index, section in enumerate(attempt.paper.get("sections") or []):
        clock = clocks[index] if index < len(clocks) else None
        state = (
            "done"
            if clock is not None and clock.submitted_at is not None
            else ("current" if running is not None and running.position == index else "upcoming")
        )
        sections.append(
            {
                "id": section["id"],
                "title": section.get("title") or section["id"],
                "index": index,
                "state": state,
                "count": len(section.get("items") or []),
                "minutes": round(int(section.get("time_limit") or 0) / 60),
            }
        )
    items = []
    if running is not None:
        number = 0
        for entry in papers.iter_items(attempt.paper):
            if entry.section_index != running.position:
                continue
            number += 1
            answer = answers.get(entry.position)
            question = questions.get(answer.question_version_id) if answer else None
            if answer is None or question is None:
                continue
            qtype = get_type(question.type)
            view = qtype.public_view(question, entry.item)
            if "options" in view:  # the page knows options by display position only
                view = {
                    **view,
                    "options": [{"value": str(i), "text": o["text"]} for i, o in enumerate(view["options"])],
                }
            response = public_response(answer.response, entry.item)
            item: dict[str, Any] = {
                "position": entry.position,
                "number": number,
                "type": question.type,
                "template": qtype.template,
                "type_label": qtype.label,
                "view": view,
                "response": response,
                "version": answer.version,
                "flagged": answer.flagged,
                "answered": qtype.is_answered(answer.response or {}),
            }
            item.update(qtype.page_state(question, entry.item, answer.response or {}, running.deadline_at))
            items.append(item)
    return {
        "attempt_id": attempt.id,
        "status": attempt.status,
        "sections": sections,
        "section": sections[running.position] if running is not None else None,
        "section_started_at": _iso(running.started_at) if running else None,
        "section_deadline": _iso(running.deadline_at) if running else None,
        "deadline": _iso(attempt.deadline_at),
        "server_now": now.isoformat(),
        "questions": items,
        "is_last": running is not None and running.position == len(sections) - 1,
    }


def state_view(session: Session, attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """The clock state the page polls (JSON)."""
    now = now or utcnow()
    running = current(session, attempt)
    return {
        "status": attempt.status,
        "section": running.section_id if running else None,
        "section_index": running.position if running else None,
        "section_deadline": _iso(running.deadline_at) if running else None,
        "deadline": _iso(attempt.deadline_at),
        "server_now": now.isoformat(),
    }


def intro_view(profile_summary: list[Mapping[str, Any]], factor: float) -> dict[str, Any]:
    """What the exam contains and how long it takes (the candidate's extra time included)."""
    sections = []
    total = 0.0
    for s in profile_summary:
        seconds = float(s["time_limit"]) * factor
        total += seconds
        sections.append({**s, "minutes": max(1, round(seconds / 60))})
    return {
        "sections": sections,
        "total_minutes": max(1, round(total / 60)),
        "count": sum(int(s["count"]) for s in profile_summary),
    }

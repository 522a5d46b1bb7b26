"""Typing passages: the candidate copies a passage on the server's clock; graded by net speed and accuracy."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from exam.grading.typing import grade_typing, normalise, speed_series
from exam.numbers import round1
from exam.questions.base import (
    AnswerRefused,
    GradedLike,
    GradeOutcome,
    Metric,
    QuestionBase,
    QuestionType,
    SaveContext,
    Saving,
    Text,
    form_value,
)
from exam.questions.signals import count_chars, rhythm_signals
from exam.security import N_
from exam.timeutil import as_utc, iso, parse_iso

MAX_TYPED_CHARS = 20_000
MAX_SAMPLES = 600
MIN_TYPING_SECONDS = 1.0


class TypingQuestion(QuestionBase):
    """A passage to type within ``time_limit`` seconds."""

    type: Literal["typing"]
    title: Text
    language: Literal["zh", "en", "mixed"] = "zh"
    time_limit: Annotated[int, Field(gt=0, le=3600, strict=True)]
    passage: Text

    def summary(self) -> str:
        """The title."""
        return self.title


def typing_window(response: Mapping[str, Any], question: Any, section_deadline: datetime | None) -> dict[str, Any]:
    """The typing clock of an answer: started_at, ends_at (start + time limit, within the section deadline)."""
    started = parse_iso(response.get("started_at"))
    limit = int(getattr(question, "time_limit", 0) or 0)
    out: dict[str, Any] = {"started_at": started.isoformat() if started else None, "time_limit": limit, "ends_at": None}
    if started is not None:
        ends = started + timedelta(seconds=limit)
        if section_deadline is not None:
            ends = min(ends, as_utc(section_deadline))
        out["ends_at"] = ends.isoformat()
    return out


def typing_seconds(question: Any, response: Mapping[str, Any], section_deadline: datetime | None) -> float:
    """The server-side duration a typing answer is scored over.

    The test has a fixed duration (the passage's time limit, cut by the section deadline). A candidate
    who finishes the whole passage earlier is timed up to their last change. Browser figures are ignored.
    """
    limit = float(getattr(question, "time_limit", 0) or 0) or 60.0
    started = parse_iso(response.get("started_at"))
    if started is None:
        return limit
    available = limit
    if section_deadline is not None:
        available = max(MIN_TYPING_SECONDS, min(limit, (as_utc(section_deadline) - started).total_seconds()))
    text = str(response.get("text") or "")
    last = parse_iso(response.get("last_change_at"))
    passage = normalise(getattr(question, "passage", "") or "")
    if last is not None and passage and text:
        result = grade_typing(question.passage, text, available)
        if result.attempted >= len(passage):  # the whole passage was typed
            return max(MIN_TYPING_SECONDS, min(available, (last - started).total_seconds()))
    return available


def _mean(items: Sequence[GradedLike], key: str) -> float:
    return sum(float(i.detail.get(key) or 0) for i in items) / len(items)


class Typing(QuestionType):
    """The typing question type."""

    name = "typing"
    model = TypingQuestion
    template = "candidate/questions/_typing.html"
    report_template = "hr/review/answers/_typing.html"
    label = N_("Typing")
    folder = "typing"
    metrics = (
        Metric("net_cpm", "cpm", N_("Net typing speed")),
        Metric("gross_cpm", "cpm", N_("Gross typing speed")),
        Metric("accuracy", "ratio", N_("Typing accuracy")),
    )

    def public_view(self, question: TypingQuestion, item: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """Title, passage, language and time limit."""
        return {
            "type": self.name,
            "title": question.title,
            "passage": question.passage,
            "language": question.language,
            "time_limit": question.time_limit,
        }

    def read_answer(self, question: TypingQuestion, data: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """``{"text": str, "seconds": float | None}``; seconds as measured by the page."""
        text = form_value(data, "text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"typed text must be a string, got {type(text).__name__}")
        if len(text) > MAX_TYPED_CHARS:
            raise ValueError(f"typed text is {len(text)} characters long; at most {MAX_TYPED_CHARS} are accepted")
        seconds = form_value(data, "seconds")
        if seconds in (None, ""):
            return {"text": text, "seconds": None}
        try:
            value = float(seconds)
        except (TypeError, ValueError):
            raise ValueError(f"seconds must be a number, got {seconds!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"seconds must be a positive number, got {seconds!r}")
        return {"text": text, "seconds": value}

    def page_state(
        self,
        question: TypingQuestion,
        item: Mapping[str, Any],
        response: Mapping[str, Any],  # type: ignore[override]
        section_deadline: datetime | None,
    ) -> dict[str, Any]:
        """The passage's own clock."""
        return {"typing": typing_window(response, question, section_deadline)}

    def start_clock(
        self,
        question: TypingQuestion,
        response: Mapping[str, Any],  # type: ignore[override]
        now: datetime,
    ) -> dict[str, Any] | None:
        """Start the passage's clock (the start button or the first keystroke); a started clock is kept."""
        if response.get("started_at"):
            return dict(response)
        return {**response, "started_at": iso(now), "text": response.get("text", ""), "samples": [[0, 0]]}

    def on_save(
        self,
        question: TypingQuestion,
        old: Mapping[str, Any],
        response: dict[str, Any],  # type: ignore[override]
        ctx: SaveContext,
    ) -> Saving:
        """Refuse text after the passage's time; keep speed samples; flag impossible bursts and pasted text."""
        response.pop("seconds", None)
        started = parse_iso(old.get("started_at")) or ctx.now
        if ctx.now > started + timedelta(seconds=question.time_limit + ctx.grace_seconds):
            raise AnswerRefused("typing_over", N_("The typing time is over; the text can no longer change."))
        elapsed = round(max(0.0, (ctx.now - started).total_seconds()), 2)
        samples = list(old.get("samples") or [[0, 0]])
        changed = response["text"] != str(old.get("text") or "")
        if changed:
            if len(samples) < MAX_SAMPLES:
                samples.append([elapsed, count_chars(response["text"])])
            response["last_change_at"] = iso(ctx.now)
        elif old.get("last_change_at"):
            response["last_change_at"] = old["last_change_at"]
        response.update({"started_at": iso(started), "samples": samples})
        signals = rhythm_signals(old, response, ctx.meta) if changed else []
        page = {"elapsed": elapsed, **typing_window(response, question, ctx.section_deadline)}
        return Saving(response, signals, {"typing": page})

    def grade(self, question: TypingQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:  # type: ignore[override]
        """Score = accuracy (0–1); detail = the `exam grade typing` figures.

        ``ctx["seconds"]`` (e.g. the server-side clock) wins over the response's seconds;
        without either, the time limit is used.
        """
        seconds = ctx.get("seconds") or response.get("seconds") or question.time_limit
        result = grade_typing(question.passage, response.get("text") or "", seconds)
        detail = result.as_dict()
        detail["seconds"] = seconds
        return GradeOutcome(score=float(result.accuracy), max_score=1.0, detail=detail)

    def grade_response(
        self,
        question: TypingQuestion,
        response: Mapping[str, Any],
        *,  # type: ignore[override]
        section_deadline: datetime | None = None,
    ) -> GradeOutcome:
        """Graded over the server's clock; the detail keeps the start and the speed samples."""
        seconds = typing_seconds(question, response, section_deadline)
        outcome = self.grade(question, {"text": response.get("text") or ""}, seconds=seconds)
        detail = {
            **outcome.detail,
            "started_at": response.get("started_at"),
            "samples": list(response.get("samples") or []),
        }
        return GradeOutcome(outcome.score, outcome.max_score, detail)

    def section_figures(self, items: Sequence[GradedLike]) -> dict[str, Any]:
        """Mean net and gross speed and accuracy over the section's passages."""
        if not items:
            return {}
        return {
            "net_cpm": round1(_mean(items, "net_cpm")),
            "gross_cpm": round1(_mean(items, "gross_cpm")),
            "accuracy": round(_mean(items, "accuracy"), 4),
        }

    def section_inputs(self, figures: Mapping[str, Any]) -> dict[str, float]:
        """net_cpm, gross_cpm and accuracy."""
        return {m.name: float(figures[m.name]) for m in self.metrics if figures.get(m.name) is not None}

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """The figures, the speed over the test in 10-second steps, the passage and what was typed."""
        figures = dict(answer.result or {})
        response = answer.response or {}
        samples = response.get("samples") or figures.get("samples") or []
        return {
            "figures": figures,
            "points": speed_series(samples) if samples else [],
            "typed": response.get("text") or "",
            "passage": content.get("passage") or "",
        }

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A title, the language, three minutes and a placeholder passage."""
        return {"title": texts["title"], "language": "zh", "time_limit": 180, "passage": texts["passage"] + "\n"}


TYPE = Typing()

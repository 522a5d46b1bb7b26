"""Typing passages: the candidate copies a passage; graded by net speed and accuracy."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from exam.questions.base import GradeOutcome, Issue, QuestionBase, QuestionType, Text, form_value
from exam.questions.registry import register

MAX_TYPED_CHARS = 20_000


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

    def check(self) -> list[Issue]:
        """Repeated topics (inherited); nothing else beyond the field rules."""
        return super().check()


class Typing(QuestionType):
    """The typing question type."""

    name = "typing"
    model = TypingQuestion
    template = "candidate/questions/_typing.html"
    label = "打字"

    def public_view(self, question: TypingQuestion, item: Mapping[str, Any]) -> dict[str, Any]:
        """Title, passage, language and time limit."""
        return {
            "type": self.name,
            "title": question.title,
            "passage": question.passage,
            "language": question.language,
            "time_limit": question.time_limit,
        }

    def read_answer(self, question: TypingQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
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

    def grade(self, question: TypingQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """Score = accuracy (0–1); detail = the `exam grade typing` figures.

        ``ctx["seconds"]`` (e.g. the server-side clock) wins over the response's seconds;
        without either, the time limit is used.
        """
        from exam.grading.typing import grade_typing

        seconds = ctx.get("seconds") or response.get("seconds") or question.time_limit
        result = grade_typing(question.passage, response.get("text") or "", seconds)
        detail = result.as_dict()
        detail["seconds"] = seconds
        return GradeOutcome(score=float(result.accuracy), max_score=1.0, detail=detail)


register(Typing())

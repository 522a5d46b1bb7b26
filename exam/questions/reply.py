"""Reply tasks: the candidate answers a customer's message(s); graded by a rubric."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from exam.grading.rubric import Rubric, grade_reply
from exam.questions.base import GradeOutcome, Issue, QuestionBase, QuestionType, Text, form_value
from exam.questions.registry import register

RUBRIC_TOTAL = 100


class ReplyQuestion(QuestionBase):
    """A customer scenario, the rubric that scores replies, and model answers for trainers."""

    type: Literal["reply"]
    stage: Literal["presale", "insale", "aftersale"]
    customer_type: Literal["tiger", "peacock", "koala", "owl"] | None = None
    facts: Text
    messages: Annotated[list[Text], Field(min_length=1)]
    max_chars: Annotated[int, Field(gt=0, le=5000, strict=True)] = 500
    rubric: Rubric
    model_answers: list[Text] = []

    def summary(self) -> str:
        """The customer's first message."""
        return self.messages[0]

    def service_stage(self) -> str | None:
        """The service stage."""
        return self.stage

    def check(self) -> list[Issue]:
        """Model answers within max_chars (the Rubric model checks its own ids and 100-point total)."""
        issues = super().check()
        for index, answer in enumerate(self.model_answers):
            if len(answer) > self.max_chars:
                issues.append(Issue(("model_answers", index),
                                    f"has model answer {index + 1} of {len(answer)} characters, "
                                    f"more than max_chars {self.max_chars}"))
        return issues


class Reply(QuestionType):
    """The reply question type."""

    name = "reply"
    model = ReplyQuestion
    template = "candidate/questions/_reply.html"
    label = "客户回复"

    def public_view(self, question: ReplyQuestion, item: Mapping[str, Any]) -> dict[str, Any]:
        """Stage, customer type, facts, messages and length limit (never rubric or model answers)."""
        return {
            "type": self.name,
            "stage": question.stage,
            "customer_type": question.customer_type,
            "facts": question.facts,
            "messages": list(question.messages),
            "max_chars": question.max_chars,
        }

    def read_answer(self, question: ReplyQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"text": str}``, at most ``max_chars`` characters."""
        text = form_value(data, "text")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise ValueError(f"a reply must be text, got {type(text).__name__}")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > question.max_chars:
            raise ValueError(f"the reply is {len(text)} characters long; at most {question.max_chars} are allowed")
        return {"text": text}

    def grade(self, question: ReplyQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """Rubric score out of 100 with per-criterion evidence."""
        result = grade_reply(
            question.rubric,
            response.get("text") or "",
            facts=question.facts,
            messages=list(question.messages),
            model_answers=list(question.model_answers),
            question=question.id,
        )
        detail = _as_dict(result)
        score = detail.get("score", getattr(result, "score", 0.0))
        return GradeOutcome(score=float(score), max_score=float(RUBRIC_TOTAL), detail=detail)


def _as_dict(result: Any) -> dict[str, Any]:
    """A grading result as a JSON-ready dict, whatever its shape."""
    if isinstance(result, Mapping):
        return dict(result)
    for name in ("as_dict", "to_dict", "model_dump"):
        method = getattr(result, name, None)
        if callable(method):
            return dict(method())
    return {"score": getattr(result, "score", 0.0)}


register(Reply())

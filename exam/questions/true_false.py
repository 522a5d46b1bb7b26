"""True/false statements."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import StrictBool

from exam.questions import _choice
from exam.questions.base import GradeOutcome, QuestionBase, QuestionType, Text, form_value
from exam.questions.registry import register

TRUE_WORDS = {"true", "1", "yes", "对", "正确"}
FALSE_WORDS = {"false", "0", "no", "错", "错误"}


class TrueFalseQuestion(QuestionBase):
    """A statement that is either true or false."""

    type: Literal["true_false"]
    stem: Text
    answer: StrictBool

    def summary(self) -> str:
        """The statement."""
        return self.stem


class TrueFalse(QuestionType):
    """The true_false question type."""

    name = "true_false"
    model = TrueFalseQuestion
    template = "candidate/questions/_true_false.html"
    label = "判断题"

    def public_view(self, question: TrueFalseQuestion, item: Mapping[str, Any]) -> dict[str, Any]:
        """The statement only."""
        return {"type": self.name, "stem": question.stem}

    def read_answer(self, question: TrueFalseQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"answer": true | false | None}`` from the ``answer`` field."""
        value = form_value(data, "answer")
        if value is None or value == "":
            return {"answer": None}
        if isinstance(value, bool):
            return {"answer": value}
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return {"answer": True}
        if word in FALSE_WORDS:
            return {"answer": False}
        raise ValueError(f"a true/false answer must be 'true' or 'false', got {value!r}")

    def grade(self, question: TrueFalseQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """1 point for the right answer, else 0."""
        from exam.grading import choice

        picked = response.get("answer")
        return _choice.outcome(choice.grade_true_false(question.answer, picked), question.answer, picked)


register(TrueFalse())

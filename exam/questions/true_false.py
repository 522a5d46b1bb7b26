"""True/false statements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import StrictBool

from exam.analysis.items import ChoiceKey
from exam.grading import choice
from exam.i18n import gettext
from exam.questions import _choice
from exam.questions.base import GradeOutcome, QuestionBase, QuestionType, Text, form_value
from exam.security import N_

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
    report_template = "hr/review/answers/_choice.html"
    label = N_("True or false")
    folder = "choice"
    id_prefix = "tf"

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

    def is_answered(self, response: Mapping[str, Any]) -> bool:
        """True or false is picked."""
        return response.get("answer") is not None

    def option_key(self, question: TrueFalseQuestion) -> ChoiceKey:  # type: ignore[override]
        """Two options, "true" and "false", the right one keyed."""
        return ChoiceKey(("true", "false"), ("true" if question.answer else "false",), "true_false")

    def picked_options(self, response: Mapping[str, Any]) -> tuple[str, ...]:
        """("true",), ("false",) or () when unanswered."""
        answer = response.get("answer")
        return () if answer is None else ("true" if answer else "false",)

    def grade(self, question: TrueFalseQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """1 point for the right answer, else 0."""
        picked = response.get("answer")
        return _choice.outcome(choice.grade_true_false(question.answer, picked), question.answer, picked)

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """True and false as two options, which is right and which the candidate picked."""
        picked, truth = (answer.response or {}).get("answer"), content.get("answer")
        return _choice.choice_report(
            answer,
            [
                {"id": "true", "text": gettext("True"), "correct": truth is True, "picked": picked is True},
                {"id": "false", "text": gettext("False"), "correct": truth is False, "picked": picked is False},
            ],
        )

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A statement that is true."""
        return {"stem": texts["statement"], "answer": True}


TYPE = TrueFalse()

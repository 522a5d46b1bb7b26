"""Single-choice questions: exactly one correct option."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from exam.grading import choice
from exam.questions import _choice
from exam.questions.base import GradeOutcome, Issue, form_value
from exam.security import N_


class SingleChoiceQuestion(_choice.ChoiceQuestionBase):
    """A choice question with exactly one correct option."""

    type: Literal["single_choice"]

    def check(self) -> list[Issue]:
        """Exactly one correct option."""
        issues = super().check()
        correct = self.correct_ids()
        if len(correct) != 1:
            found = f"{len(correct)} correct options ({', '.join(correct)})" if correct else "no correct option"
            issues.append(Issue(("options",), f"has {found}; exactly one is required"))
        return issues


class SingleChoice(_choice.OptionsQuestionType):
    """The single_choice question type."""

    name = "single_choice"
    model = SingleChoiceQuestion
    template = "candidate/questions/_single_choice.html"
    label = N_("Single choice")

    def read_answer(self, question: SingleChoiceQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"choice": option id | None}`` from the ``choice`` field."""
        value = form_value(data, "choice")
        if value in (None, ""):
            return {"choice": None}
        return {"choice": _choice.check_option_id(question, value)}

    def is_answered(self, response: Mapping[str, Any]) -> bool:
        """An option is picked."""
        return bool(response.get("choice"))

    def grade(self, question: SingleChoiceQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """1 point for the correct option, else 0."""
        correct, picked = question.correct_ids()[0], response.get("choice")
        return _choice.outcome(choice.grade_single(correct, picked), correct, picked)


TYPE = SingleChoice()

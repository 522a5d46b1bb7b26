"""Multiple-choice questions: one or more correct options, all-or-nothing or partial scoring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from exam.grading import choice
from exam.questions import _choice
from exam.questions.base import GradeOutcome, Issue, form_values
from exam.security import N_


class MultipleChoiceQuestion(_choice.ChoiceQuestionBase):
    """A choice question with at least one correct option."""

    type: Literal["multiple_choice"]
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"

    def check(self) -> list[Issue]:
        """At least one correct option."""
        issues = super().check()
        if not self.correct_ids():
            issues.append(Issue(("options",), "has no correct option; at least one is required"))
        return issues


class MultipleChoice(_choice.OptionsQuestionType):
    """The multiple_choice question type."""

    name = "multiple_choice"
    model = MultipleChoiceQuestion
    template = "candidate/questions/_multiple_choice.html"
    label = N_("Multiple choice")

    def read_answer(self, question: MultipleChoiceQuestion, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"choices": [option ids in bank order]}`` from the repeated ``choices`` field."""
        picked = {_choice.check_option_id(question, v) for v in form_values(data, "choices") if v != ""}
        return {"choices": [o.id for o in question.options if o.id in picked]}

    def is_answered(self, response: Mapping[str, Any]) -> bool:
        """At least one option is picked."""
        return bool(response.get("choices"))

    def grade(self, question: MultipleChoiceQuestion, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """All-or-nothing or partial credit, out of 1 point."""
        correct, picked = question.correct_ids(), list(response.get("choices") or [])
        return _choice.outcome(choice.grade_multiple(correct, picked, question.scoring), correct, picked)

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A stem and four options, the first two right."""
        data = super().starter(texts)
        data["options"][1]["correct"] = True
        return data


TYPE = MultipleChoice()

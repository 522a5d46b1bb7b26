"""Pieces shared by the option-based types (single_choice, multiple_choice)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from exam.analysis.items import ChoiceKey
from exam.questions.base import GradeOutcome, Issue, QuestionBase, QuestionType, Text, duplicates

OptionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$", max_length=16)]


class ChoiceOption(BaseModel):
    """One option of a choice question."""

    model_config = ConfigDict(extra="forbid")
    id: OptionId
    text: Text
    correct: StrictBool = False


class ChoiceQuestionBase(QuestionBase):
    """A stem with 2 to 8 options, shuffled per candidate unless ``shuffle`` is false."""

    stem: Text
    options: Annotated[list[ChoiceOption], Field(min_length=2, max_length=8)]
    shuffle: StrictBool = True

    def check(self) -> list[Issue]:
        """Unique option ids and texts."""
        issues = super().check()
        ids = [o.id for o in self.options]
        for first, later in duplicates(ids):
            issues.append(
                Issue(
                    ("options", later, "id"),
                    f"has duplicate option id {ids[later]!r} (options {first + 1} and {later + 1})",
                )
            )
        texts = [" ".join(o.text.split()) for o in self.options]
        for first, later in duplicates(texts):
            issues.append(
                Issue(
                    ("options", later, "text"),
                    f"has duplicate option text {texts[later]!r} (options {first + 1} and {later + 1})",
                )
            )
        return issues

    def correct_ids(self) -> list[str]:
        """Ids of the correct options, in bank order."""
        return [o.id for o in self.options if o.correct]

    def summary(self) -> str:
        """The stem."""
        return self.stem


class OptionsQuestionType(QuestionType):
    """What the option-based types share: the candidate's view, the per-paper option order, HR's view."""

    report_template = "hr/review/answers/_choice.html"
    folder = "choice"
    id_prefix = "choice"

    def public_view(self, question: ChoiceQuestionBase, item: Mapping[str, Any]) -> dict[str, Any]:  # type: ignore[override]
        """Stem and options in the paper's order, without the key."""
        return {"type": self.name, "stem": question.stem, "options": public_options(question, item)}

    def prepare_item(self, question: ChoiceQuestionBase, rng: random.Random) -> dict[str, Any]:  # type: ignore[override]
        """The option order."""
        return prepare_options(question, rng)

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """The options in bank order, which are right and which the candidate picked."""
        chosen = set(picked_ids(answer.response or {}))
        options = [
            {
                "id": o.get("id"),
                "text": o.get("text"),
                "correct": bool(o.get("correct")),
                "picked": o.get("id") in chosen,
            }
            for o in content.get("options") or []
        ]
        return choice_report(answer, options)

    def option_key(self, question: ChoiceQuestionBase) -> ChoiceKey:  # type: ignore[override]
        """The options in bank order, the keyed ones and the scoring."""
        return ChoiceKey(
            options=tuple(o.id for o in question.options),
            correct=tuple(question.correct_ids()),
            kind=self.name,  # type: ignore[arg-type]
            scoring=getattr(question, "scoring", "all_or_nothing"),
        )

    def picked_options(self, response: Mapping[str, Any]) -> tuple[str, ...]:
        """The option ids picked."""
        return tuple(picked_ids(response))

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """A stem and four options, the first right."""
        return {
            "stem": texts["stem"],
            "options": [
                {"id": "a", "text": texts["option"] + " A", "correct": True},
                {"id": "b", "text": texts["option"] + " B"},
                {"id": "c", "text": texts["option"] + " C"},
                {"id": "d", "text": texts["option"] + " D"},
            ],
        }


def picked_ids(response: Mapping[str, Any]) -> list[str]:
    """The option ids a stored response picked."""
    for key in ("choices", "choice", "picks", "picked"):
        value = response.get(key)
        if value is None:
            continue
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return []


def choice_report(answer: Any, options: list[dict[str, Any]]) -> dict[str, Any]:
    """HR's view of a graded choice answer: the options with key and pick, and the outcome."""
    maximum = answer.max_score or 1.0
    score = answer.score or 0.0
    outcome = "right" if score >= maximum - 1e-9 else ("partial" if score > 0 else "wrong")
    answered = any(o["picked"] for o in options)
    return {"options": options, "outcome": outcome if answered or outcome != "wrong" else "unanswered"}


def prepare_options(question: ChoiceQuestionBase, rng: random.Random) -> dict[str, Any]:
    """The option order of one candidate's paper."""
    order = [o.id for o in question.options]
    if question.shuffle:
        rng.shuffle(order)
    return {"order": order}


def public_options(question: ChoiceQuestionBase, item: Mapping[str, Any]) -> list[dict[str, str]]:
    """Options in the paper's order, without ``correct``."""
    by_id = {o.id: o for o in question.options}
    order = list(item.get("order") or [])
    if sorted(order) != sorted(by_id):
        order = [o.id for o in question.options]
    return [{"id": oid, "text": by_id[oid].text} for oid in order]


def check_option_id(question: ChoiceQuestionBase, value: Any) -> str:
    """Return ``value`` as an option id of ``question``; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"an option id must be a string, got {value!r}")
    value = value.strip()
    ids = [o.id for o in question.options]
    if value not in ids:
        raise ValueError(f"question {question.id!r} has no option {value!r} (options: {', '.join(ids)})")
    return value


def outcome(score: float, correct: Any, picked: Any) -> GradeOutcome:
    """A 1-point outcome with the key and the pick as evidence."""
    return GradeOutcome(score=float(score), max_score=1.0, detail={"correct": correct, "picked": picked})

"""Shared pieces of every question type: common bank fields, checks and the QuestionType base."""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, model_validator

ID_PATTERN = r"^[a-z0-9_.-]+$"
DEFER_CHECKS = "defer_checks"

TOPICS: dict[str, str] = {
    "qualities": "basic qualities: self-control, affinity, responsibility, patience, empathy",
    "principles": "communication principles",
    "language": "taboo language and standard phrases",
    "standard_phrases": "standard phrases and service scripts",
    "customer_types": "tiger, peacock, koala and owl customers",
    "presale_flow": "the pre-sale reception flow and duties",
    "insale": "payment, order notes, price changes, closing orders, urging payment",
    "aftersale": "logistics, returns, refunds, bad reviews, complaints",
    "bargaining": "handling price objections",
    "platform_rules": "platform rules and back-office operations",
    "kpi": "conversion rate, order value, response time, reply rate, bad-review rate, satisfaction",
    "privacy": "customers' privacy and data protection",
    "quality_improvement": "improving service quality",
}

Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120)]

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Issue:
    """A semantic problem found in a validated model, located relative to that model."""

    loc: Loc
    message: str


def _known_topic(value: str) -> str:
    """Accept only the topics documented in question_banks/README.md."""
    if value not in TOPICS:
        raise ValueError(f"unknown topic {value!r}; known topics: {', '.join(TOPICS)}")
    return value


Topic = Annotated[str, AfterValidator(_known_topic), Field(json_schema_extra={"enum": list(TOPICS)})]


def duplicates(values: list[Any]) -> list[tuple[int, int]]:
    """Return (first index, later index) pairs of repeated values, in order."""
    seen: dict[Any, int] = {}
    pairs: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        if value in seen:
            pairs.append((seen[value], index))
        else:
            seen[value] = index
    return pairs


class CheckedModel(BaseModel):
    """A strict bank model whose cross-field checks run after validation (or later, when deferred)."""

    model_config = ConfigDict(extra="forbid")

    def check(self) -> list[Issue]:
        """Cross-field problems of this model; empty when sound."""
        return []

    @model_validator(mode="after")
    def _run_checks(self, info: ValidationInfo) -> "CheckedModel":
        if isinstance(info.context, Mapping) and info.context.get(DEFER_CHECKS):
            return self
        issues = self.check()
        if issues:
            raise ValueError("; ".join(f"{self.subject()} {issue.message}" for issue in issues))
        return self

    def subject(self) -> str:
        """How messages name this model."""
        return type(self).__name__


class Source(BaseModel):
    """Where in the seed documents the content comes from."""

    model_config = ConfigDict(extra="forbid")
    seed: Text
    section: Text


class QuestionBase(CheckedModel):
    """Fields shared by every question type."""

    id: Identifier
    type: str
    topics: Annotated[list[Topic], Field(min_length=1)]
    difficulty: Annotated[int, Field(ge=1, le=5, strict=True)]
    source: Source
    status: Literal["active", "retired"] = "active"
    explanation: Text

    def subject(self) -> str:
        """E.g. "single_choice question 'x'"."""
        return f"{self.type} question {self.id!r}"

    def check(self) -> list[Issue]:
        """Repeated topics."""
        return [
            Issue(("topics", later), f"lists topic {self.topics[later]!r} twice")
            for _, later in duplicates(self.topics)
        ]

    def summary(self) -> str:
        """A one-line summary for lists and filters."""
        return ""

    def service_stage(self) -> str | None:
        """The service stage (replies only)."""
        return None


@dataclass(frozen=True)
class GradeOutcome:
    """The score of one answer and the evidence behind it."""

    score: float
    max_score: float
    detail: dict[str, Any] = field(default_factory=dict)


HEAD_KEYS = ("id", "type", "topics", "difficulty", "source", "status")
TAIL_KEYS = ("explanation",)


def ordered_dump(model: BaseModel, head: tuple[str, ...] = HEAD_KEYS, tail: tuple[str, ...] = TAIL_KEYS) -> dict[str, Any]:
    """JSON-ready dict without defaults, keys as head, then field order, then tail."""
    full = model.model_dump(mode="json")
    data = _tidy(_keep_tags(model.model_dump(mode="json", exclude_defaults=True), full))
    keys = [k for k in head if k in data]
    keys += [k for k in data if k not in head and k not in tail]
    keys += [k for k in tail if k in data]
    return {k: data[k] for k in keys}


TAG_KEYS = ("kind",)


def _keep_tags(pruned: Any, full: Any) -> Any:
    """Put back union tags (e.g. a detector's ``kind``) that exclude_defaults dropped, first in the mapping."""
    if isinstance(pruned, dict) and isinstance(full, dict):
        tags = {k: full[k] for k in TAG_KEYS if k in full and k not in pruned}
        rest = {k: _keep_tags(v, full.get(k)) for k, v in pruned.items()}
        return {**tags, **rest}
    if isinstance(pruned, list) and isinstance(full, list) and len(pruned) == len(full):
        return [_keep_tags(p, f) for p, f in zip(pruned, full)]
    return pruned


def _tidy(value: Any) -> Any:
    """Write integral floats as ints (25.0 -> 25), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


class QuestionType:
    """One question type: its bank model, template and behaviour (the plugin interface)."""

    name: ClassVar[str]
    model: ClassVar[type[QuestionBase]]
    template: ClassVar[str]
    label: ClassVar[str] = ""

    def parse(self, data: Mapping[str, Any]) -> QuestionBase:
        """Validate bank data into this type's model (raises pydantic.ValidationError)."""
        return self.model.model_validate(data)

    def public_view(self, question: QuestionBase, item: Mapping[str, Any]) -> dict[str, Any]:
        """What a candidate's browser may see of the question."""
        raise NotImplementedError

    def prepare_item(self, question: QuestionBase, rng: random.Random) -> dict[str, Any]:
        """Per-candidate paper data (e.g. the shuffled option order)."""
        return {}

    def read_answer(self, question: QuestionBase, data: Mapping[str, Any]) -> dict[str, Any]:
        """Normalise form or JSON input into a stored response (ValueError if invalid)."""
        raise NotImplementedError

    def grade(self, question: QuestionBase, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """Score a stored response."""
        raise NotImplementedError

    def export(self, question: QuestionBase) -> dict[str, Any]:
        """The YAML-ready dict of the question (round-trips through parse)."""
        return ordered_dump(question)


def form_values(data: Mapping[str, Any], key: str) -> list[Any]:
    """All values of ``key`` from a multi-dict (form) or a plain mapping (JSON)."""
    getlist = getattr(data, "getlist", None)
    if callable(getlist):
        values = list(getlist(key))
    else:
        raw = data.get(key)
        if raw is None:
            values = []
        elif isinstance(raw, (list, tuple)):
            values = list(raw)
        else:
            values = [raw]
    return values


def form_value(data: Mapping[str, Any], key: str) -> Any:
    """The single value of ``key`` (None when absent); ValueError when sent several times."""
    values = form_values(data, key)
    if len(values) > 1:
        raise ValueError(f"{key!r} was sent {len(values)} times; expected one value")
    return values[0] if values else None

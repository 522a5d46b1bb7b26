"""Shared pieces of every question type: common bank fields, checks and the QuestionType base."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol

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
    def _run_checks(self, info: ValidationInfo) -> CheckedModel:
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


def ordered_dump(
    model: BaseModel, head: tuple[str, ...] = HEAD_KEYS, tail: tuple[str, ...] = TAIL_KEYS
) -> dict[str, Any]:
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


@dataclass(frozen=True)
class Metric:
    """A figure a question type adds to a section's results; profiles use it as the input ``<section>.<name>``.

    ``kind`` says how it is measured and shown: ``percent`` (0–100), ``ratio`` (0–1), ``cpm`` (characters per
    minute), ``seconds``, ``yuan`` or ``count``. ``label`` is an English msgid. ``pattern`` metrics (e.g.
    ``criterion.*``) stand for a family whose last part is an id from the bank.
    """

    name: str
    kind: str
    label: str
    higher_is_better: bool = True
    placeholder: str = "id"  # what the last part of a family's name is, for messages ("rubric criterion id")

    @property
    def pattern(self) -> bool:
        """Whether this metric is a family (``criterion.*``)."""
        return self.name.endswith(".*")


@dataclass(frozen=True)
class SaveContext:
    """What a type's save hook may use: the server's time and grace, the section deadline, the page's counters."""

    now: datetime
    grace_seconds: float = 0.0
    section_deadline: datetime | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Saving:
    """What a type's save hook decided: the response to store, integrity signals, figures for the page."""

    response: dict[str, Any]
    signals: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    page: dict[str, Any] | None = None


class AnswerRefused(ValueError):
    """A type refuses to store an answer (e.g. its own clock ran out): a short code and an English msgid."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class GradedLike(Protocol):
    """A graded answer as section figures see it (see exam.hiring.sections.GradedItem)."""

    position: int
    score: float
    max: float
    detail: Mapping[str, Any]
    overrides: Mapping[str, Any]


if TYPE_CHECKING:
    from exam.analysis.items import ChoiceKey


class QuestionType:
    """One question type: its bank model, templates and behaviour (the plugin interface, one module per type).

    A type knows how to validate its bank data, what a candidate may see, how to read, store and grade an
    answer, what figures it adds to a section (and so to the hiring inputs), how HR sees a graded answer,
    and how trainers start a new question of its kind. Register it with one line in exam.questions.registry.
    """

    name: ClassVar[str]
    model: ClassVar[type[QuestionBase]]
    template: ClassVar[str]  # the candidate's partial
    report_template: ClassVar[str] = "hr/review/answers/_generic.html"  # the HR report's partial
    label: ClassVar[str] = ""  # English msgid of the type's name
    folder: ClassVar[str] = "questions"  # where `exam bank export` writes questions of this type
    id_prefix: ClassVar[str] = ""  # the first part of suggested ids (default: the type's name)
    metrics: ClassVar[tuple[Metric, ...]] = ()
    tryable: ClassVar[bool] = False  # trainers can try answers against its grader on a page

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

    def is_answered(self, response: Mapping[str, Any]) -> bool:
        """Whether a stored response holds an answer."""
        return bool(str(response.get("text") or "").strip())

    def page_state(
        self,
        question: QuestionBase,
        item: Mapping[str, Any],
        response: Mapping[str, Any],
        section_deadline: datetime | None,
    ) -> dict[str, Any]:
        """Extra per-item data for the exam page (e.g. a typing passage's own clock)."""
        return {}

    def start_clock(self, question: QuestionBase, response: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
        """The response with the item's own clock started (None: the type has no clock of its own)."""
        return None

    def on_save(
        self, question: QuestionBase, old: Mapping[str, Any], response: dict[str, Any], ctx: SaveContext
    ) -> Saving:
        """Bookkeeping before a response is stored: timing, integrity signals (AnswerRefused to refuse)."""
        return Saving(response)

    def grade(self, question: QuestionBase, response: Mapping[str, Any], **ctx: Any) -> GradeOutcome:
        """Score a response (the pure grader)."""
        raise NotImplementedError

    def grade_response(
        self, question: QuestionBase, response: Mapping[str, Any], *, section_deadline: datetime | None = None
    ) -> GradeOutcome:
        """Score a stored response (server bookkeeping, keys starting with "_", is left out)."""
        return self.grade(question, {k: v for k, v in response.items() if not str(k).startswith("_")})

    def automatic_score(self, max_score: float, detail: Mapping[str, Any]) -> float | None:
        """The grader's own score from a stored grading, for types whose score reviewers can override."""
        return None

    def score_with_overrides(
        self, score: float, max_score: float, detail: Mapping[str, Any], overrides: Mapping[str, Any]
    ) -> float:
        """An answer's score with a reviewer's overrides applied (types without overrides keep the score)."""
        return score

    def section_figures(self, items: Sequence[GradedLike]) -> dict[str, Any]:
        """Figures this type adds to a section's results from its graded items there."""
        return {}

    def section_inputs(self, figures: Mapping[str, Any]) -> dict[str, float]:
        """Hiring inputs (``<metric>: value``) from a section's figures."""
        return {}

    def report_view(self, content: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """What HR's report shows of a graded answer (``content``: the stored question version)."""
        return {}

    def option_key(self, question: QuestionBase) -> ChoiceKey | None:
        """The options, the keyed ones and the scoring, for the option analysis of item statistics (None: no options)."""
        return None

    def picked_options(self, response: Mapping[str, Any]) -> tuple[str, ...] | None:
        """The option ids a stored response picked, for the option analysis (None for types without options)."""
        return None

    def starter(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """Type-specific fields of a new question in the trainers' editor (``texts``: translated placeholders)."""
        return {}

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

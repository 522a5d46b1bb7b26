"""Job profiles: the paper blueprint, the hiring criteria, hard requirements and bands."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from exam.questions import registry
from exam.questions.base import (
    TOPICS,
    CheckedModel,
    Identifier,
    Issue,
    QuestionBase,
    Source,
    Text,
    Topic,
    duplicates,
    ordered_dump,
)

Number = Annotated[float, Field(strict=True)]
STAGES = ("presale", "insale", "aftersale")
PERCENT_METRICS = ("percent",)


def _known_type(value: str) -> str:
    """Accept only registered question types."""
    names = registry.type_names()
    if value not in names:
        raise ValueError(f"unknown question type {value!r}; known types: {', '.join(names)}")
    return value


QuestionTypeName = Annotated[str, AfterValidator(_known_type)]
Difficulty = Annotated[int, Field(ge=1, le=5, strict=True)]


class DrawRule(BaseModel):
    """Pick ``count`` active questions of ``type`` at random, optionally filtered."""

    model_config = ConfigDict(extra="forbid")
    type: QuestionTypeName
    count: Annotated[int, Field(ge=1, le=200, strict=True)]
    topics: Annotated[list[Topic], Field(min_length=1)] | None = None
    difficulty: Annotated[list[Difficulty], Field(min_length=2, max_length=2)] | None = None
    stages: Annotated[list[Literal["presale", "insale", "aftersale"]], Field(min_length=1)] | None = None
    questions: Annotated[list[Identifier], Field(min_length=1)] | None = None

    def matches(self, question: QuestionBase) -> bool:
        """Whether ``question`` may be drawn by this rule (active, type and every filter)."""
        if question.status != "active" or question.type != self.type:
            return False
        if self.questions is not None and question.id not in self.questions:
            return False
        if self.topics is not None and not set(self.topics) & set(question.topics):
            return False
        if self.difficulty is not None and not self.difficulty[0] <= question.difficulty <= self.difficulty[1]:
            return False
        if self.stages is not None and question.service_stage() not in self.stages:
            return False
        return True

    def describe(self) -> str:
        """A short English description of the filter, for messages."""
        parts = [self.type]
        if self.topics:
            parts.append("topics " + ", ".join(self.topics))
        if self.difficulty:
            parts.append(f"difficulty {self.difficulty[0]}-{self.difficulty[1]}")
        if self.stages:
            parts.append("stages " + ", ".join(self.stages))
        if self.questions:
            parts.append("questions " + ", ".join(self.questions))
        return "; ".join(parts)


class Section(BaseModel):
    """One timed section of the paper."""

    model_config = ConfigDict(extra="forbid")
    id: Identifier
    title: Text
    time_limit: Annotated[int, Field(gt=0, le=14_400, strict=True)]
    draw: Annotated[list[DrawRule], Field(min_length=1)]

    def types(self) -> set[str]:
        """Question types this section draws."""
        return {rule.type for rule in self.draw}

    def count(self) -> int:
        """Questions in this section."""
        return sum(rule.count for rule in self.draw)


class Scale(BaseModel):
    """Linear scale: the input value worth 0 points and the value worth 100 points."""

    model_config = ConfigDict(extra="forbid")
    zero: Number
    full: Number

    def points(self, value: float) -> float:
        """``value`` on the 0–100 scale, clamped."""
        ratio = (value - self.zero) / (self.full - self.zero)
        return max(0.0, min(100.0, 100.0 * ratio))


class Criterion(BaseModel):
    """A hiring criterion fed by one input."""

    model_config = ConfigDict(extra="forbid")
    id: Identifier
    label: Text
    input: Text
    scale: Scale | None = None
    weight: Annotated[Number, Field(gt=0)]


class HardRequirement(BaseModel):
    """An input minimum that knocks a candidate out when missed."""

    model_config = ConfigDict(extra="forbid")
    input: Text
    min: Number
    label: Text


class Band(BaseModel):
    """A recommendation band: the first band whose ``min`` the score reaches."""

    model_config = ConfigDict(extra="forbid")
    min: Annotated[Number, Field(ge=0, le=100)]
    label: Text


class Profile(CheckedModel):
    """A job profile (question_banks/profiles/*.yaml)."""

    id: Identifier
    title: Text
    source: Source
    description: str = ""
    status: Literal["active", "retired"] = "active"
    sections: Annotated[list[Section], Field(min_length=1)]
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    hard_requirements: list[HardRequirement] = []
    bands: Annotated[list[Band], Field(min_length=1)]

    def subject(self) -> str:
        """E.g. "profile 'presale'"."""
        return f"profile {self.id!r}"

    def section(self, section_id: str) -> Section | None:
        """The section with this id."""
        return next((s for s in self.sections if s.id == section_id), None)

    def check(self) -> list[Issue]:
        """Unique ids, documented inputs, scales where needed, sorted bands ending at 0."""
        issues: list[Issue] = []
        for key, items in (("sections", self.sections), ("criteria", self.criteria)):
            ids = [item.id for item in items]
            for _, later in duplicates(ids):
                issues.append(Issue((key, later, "id"), f"has two {key} with id {ids[later]!r}"))
        for s_index, section in enumerate(self.sections):
            for r_index, rule in enumerate(section.draw):
                loc = ("sections", s_index, "draw", r_index)
                if rule.stages is not None and "stage" not in registry.get_type(rule.type).model.model_fields:
                    staged = ", ".join(n for n, t in registry.all_types().items() if "stage" in t.model.model_fields)
                    issues.append(
                        Issue(
                            loc + ("stages",),
                            f"section {section.id!r} draw rule {r_index + 1} filters "
                            f"by stages, which only these types have: {staged} (type is {rule.type})",
                        )
                    )
                if rule.difficulty is not None and rule.difficulty[0] > rule.difficulty[1]:
                    issues.append(
                        Issue(
                            loc + ("difficulty",),
                            f"section {section.id!r} draw rule {r_index + 1} has "
                            f"difficulty [{rule.difficulty[0]}, {rule.difficulty[1]}]; "
                            "the low end must come first",
                        )
                    )
                for _, later in duplicates(rule.questions or []):
                    issues.append(
                        Issue(
                            loc + ("questions", later),
                            f"section {section.id!r} draw rule {r_index + 1} "
                            f"names question {rule.questions[later]!r} twice",
                        )
                    )
        for index, criterion in enumerate(self.criteria):
            loc = ("criteria", index)
            problem = self.input_problem(criterion.input)
            if problem:
                issues.append(Issue(loc + ("input",), f"criterion {criterion.id!r}: {problem}"))
            elif criterion.scale is None and not is_percentage(criterion.input):
                issues.append(
                    Issue(
                        loc + ("input",),
                        f"criterion {criterion.id!r} takes {criterion.input}, "
                        "which is not a percentage; give it a scale {zero: ..., full: ...}",
                    )
                )
            if criterion.scale is not None and criterion.scale.zero == criterion.scale.full:
                issues.append(
                    Issue(
                        loc + ("scale",),
                        f"criterion {criterion.id!r} has a scale whose zero and full are both {criterion.scale.zero:g}",
                    )
                )
        for index, requirement in enumerate(self.hard_requirements):
            problem = self.input_problem(requirement.input)
            if problem:
                issues.append(Issue(("hard_requirements", index, "input"), f"hard requirement {index + 1}: {problem}"))
        mins = [band.min for band in self.bands]
        for index in range(1, len(mins)):
            if mins[index] >= mins[index - 1]:
                issues.append(
                    Issue(
                        ("bands", index, "min"),
                        f"has bands out of order: band {index + 1} min "
                        f"{mins[index]:g} is not below band {index} min {mins[index - 1]:g} "
                        "(list bands from the highest min down to 0)",
                    )
                )
        if mins and mins[-1] != 0:
            issues.append(
                Issue(
                    ("bands", len(mins) - 1, "min"),
                    f"has a last band with min {mins[-1]:g}; the last band must have min 0",
                )
            )
        labels = [band.label for band in self.bands]
        for _, later in duplicates(labels):
            issues.append(Issue(("bands", later, "label"), f"has two bands labelled {labels[later]!r}"))
        return issues

    def input_problem(self, value: str) -> str | None:
        """Why ``value`` is not a documented input of this profile, or None."""
        parts = value.split(".")
        section = self.section(parts[0])
        section_ids = ", ".join(s.id for s in self.sections)
        provider = registry.metric_of(value)
        generic = (len(parts) == 2 and parts[1] in PERCENT_METRICS) or (len(parts) == 3 and parts[1] == "topic")
        if not generic and provider is None:
            return f"input {value!r} is not one of the documented forms ({registry.input_forms()})"
        if section is None:
            return f"input {value!r} names section {parts[0]!r}, which this profile does not have (sections: {section_ids})"
        if parts[1] == "topic" and parts[2] not in TOPICS:
            return f"input {value!r} names unknown topic {parts[2]!r}"
        if provider is not None and provider[0].name not in section.types():
            return f"input {value!r} needs {provider[0].name} questions, but section {section.id!r} draws none"
        return None

    def question_count(self) -> int:
        """Questions on a paper."""
        return sum(section.count() for section in self.sections)

    def band_for(self, score: float) -> str:
        """The label of the first band whose min ``score`` reaches."""
        for band in self.bands:
            if score >= band.min:
                return band.label
        return self.bands[-1].label

    def export(self) -> dict[str, Any]:
        """The YAML-ready dict (under the file's ``profile`` key)."""
        return ordered_dump(self, head=("id", "title", "source", "status", "description"), tail=())


def is_percentage(value: str) -> bool:
    """Whether an input is already on the 0–100 scale."""
    parts = value.split(".")
    if (len(parts) == 2 and parts[1] in PERCENT_METRICS) or (len(parts) == 3 and parts[1] == "topic"):
        return True
    found = registry.metric(value)
    return found is not None and found.kind == "percent"


class ProfileFile(BaseModel):
    """The layout of a profile file: one key, ``profile``."""

    model_config = ConfigDict(extra="forbid")
    profile: Profile


__all__ = [
    "Band",
    "Criterion",
    "DrawRule",
    "HardRequirement",
    "Profile",
    "ProfileFile",
    "Scale",
    "Section",
    "STAGES",
    "is_percentage",
]

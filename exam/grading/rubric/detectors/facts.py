"""Facts detector: the scenario's facts and concrete steps a reply states, and how dense it is with them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from exam.grading.lexicon import PHRASE_SETS
from exam.grading.rubric.context import Phrase, _Context, _evidence, _find, _Outcome, _overlaps
from exam.grading.rubric.detectors.base import _ID, _Detector
from exam.grading.rubric.evidence import Evidence
from exam.grading.text import content_chars


class FactItem(BaseModel):
    """A fact of the scenario (or a concrete step) that a good reply mentions."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    any: list[Phrase] = Field(min_length=1)
    points: float = Field(gt=0)
    generic: bool = False  # a step any scenario may mention: earns points, does not show substance


class FactsDetector(_Detector):
    """Scenario facts and steps: each item found earns its points; too few raise ``flag`` / ``thin_flag``.

    Density: in a reply of at least ``filler_chars`` content characters, the share of characters in
    clauses that carry a fact, a step (library ``next_step``) or a number of the facts must reach
    ``min_density``; a long reply that is mostly filler raises ``filler_flag``.

    Concrete steps (library ``concrete_step``: asking for the evidence needed -- a screenshot, a photo,
    the error prompt, the order number -- and the agent's own specific action -- 我帮您查/核实/联系)
    are substance too: each kind found outside the scenario facts adds ``step_points`` to the points
    checked against ``min_points``, and a reply with both kinds counts one hit towards ``min_hits``.
    They earn no points of their own (the rubric's items and phrases do that).
    """

    kind: Literal["facts"]
    items: list[FactItem] = Field(min_length=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "no_substance"
    min_points: float = Field(default=0.0, ge=0)
    thin_flag: str = "thin_answer"
    max_points: float | None = Field(default=None, gt=0)
    filler_chars: int = Field(default=60, ge=1)
    min_density: float = Field(default=0.3, ge=0, le=1)
    filler_flag: str = "filler"
    step_points: float = Field(default=4.0, ge=0)

    @model_validator(mode="after")
    def _unique(self) -> FactsDetector:
        """Item ids are unique."""
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("fact item ids must be unique")
        return self

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Sum the points of the items found; list the missing ones as evidence."""
        points = core_points = 0.0
        core_hits = 0
        evidence: list[Evidence] = []
        substance: list[tuple[int, int]] = []
        core_spans: list[tuple[int, int]] = []
        for item in self.items:
            spans = _find(ctx, item.any)
            if spans:
                points += item.points
                if not item.generic:
                    core_hits += 1
                    core_points += item.points
                    core_spans.extend(spans)
                s, e = spans[0]
                evidence.append(_evidence(ctx, "fact", s, e, item.label))
                substance.extend(spans)
            else:
                evidence.append(Evidence("missing", "", None, None, item.label))
        if self.max_points is not None:
            points = min(points, self.max_points)
        core_max = sum(i.points for i in self.items if not i.generic)
        if self.max_points is not None:
            core_max = min(core_max, self.max_points)
        steps = 0
        if self.step_points > 0:
            for concept in PHRASE_SETS["concrete_step"]:
                spans = [sp for sp in _find(ctx, concept) if not any(_overlaps(sp, c) for c in core_spans)]
                if spans:
                    steps += 1
                    evidence.append(_evidence(ctx, "fact", spans[0][0], spans[0][1], "具体的下一步"))
        step_sum = steps * self.step_points
        substance_hits = core_hits + (1 if steps >= len(PHRASE_SETS["concrete_step"]) else 0)
        if substance_hits < self.min_hits:
            flags = [self.flag]
        elif core_points + step_sum < self.min_points:
            flags = [self.thin_flag]
        else:
            flags = []
        if self.min_density > 0 and ctx.length >= self.filler_chars:
            density = _density(ctx, substance)
            if density < self.min_density:
                flags.append(self.filler_flag)
                evidence.append(Evidence("density", "", None, None, f"只有 {density:.0%} 的内容包含事实或具体步骤"))
        return _Outcome(
            points=points,
            evidence=evidence,
            flags=flags,
            core_hits=core_hits,
            core_points=min(core_max, core_points + step_sum),
            core_max=core_max,
        )


_CLAUSE = re.compile(r"[^,。!?;~…\n:]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@lru_cache(maxsize=512)
def _fact_numbers(facts: str) -> frozenset[str]:
    """The numbers written in the scenario facts."""
    return frozenset(_NUMBER.findall(unicodedata.normalize("NFKC", facts)))


def _density(ctx: _Context, substance: list[tuple[int, int]]) -> float:
    """Share of content characters in clauses that hold a fact, a concrete step or a number of the facts."""
    spans = list(substance)
    spans.extend(_find(ctx, PHRASE_SETS["next_step"][0]))
    numbers = _fact_numbers(ctx.facts)
    spans.extend(m.span() for m in _NUMBER.finditer(ctx.text.norm) if m.group() in numbers)
    total = useful = 0
    for m in _CLAUSE.finditer(ctx.text.norm):
        n = content_chars(m.group())
        total += n
        if n and any(a < m.end() and m.start() < b for a, b in spans):
            useful += n
    return useful / total if total else 0.0

"""Contradiction detector (fact check): fact slots and statements that contradict the scenario's facts."""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from exam.grading.lexicon import FACT_SETS
from exam.grading.rubric.context import (
    _NEGATED_BEFORE,
    Phrase,
    _as_tuple,
    _clause_before,
    _concept_regex,
    _Context,
    _evidence,
    _find,
    _Outcome,
    _overlaps,
)
from exam.grading.rubric.detectors.base import _ID, _check_set, _Detector
from exam.grading.rubric.detectors.factcheck import (
    _ASKS_PRICE,
    _ASKS_SHIPPING,
    _DENIED_BEFORE,
    _MAIN_PRICE_NOTE,
    _NUM_RE,
    _RANGE_LOW,
    _UNIT_OF,
    _facts_profile,
    _not_shipped,
    _parse_number,
    _unit_alternation,
    _wrong_main_price,
)
from exam.grading.rubric.evidence import Evidence


class FactSlot(BaseModel):
    """One fact of the scenario that a reply can get wrong: the right value and how a wrong one shows.

    A slot states the fact in one or more ways: ``wrong`` phrases that contradict it outright; a
    shared ``set`` (rival values such as other couriers or fabrics, or claims such as "the buyer pays
    the shipping"); and/or a ``value`` with ``patterns`` in which ``{n}`` stands for a number (taken
    in the slot's ``unit``) and ``{q}`` for a number with a unit of the same kind (天/周/个月 ...,
    converted), so "一周就能见效" contradicts "4 周左右可见改善" (``direction: less``).
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    right: list[Phrase] = Field(default_factory=list)
    wrong: list[Phrase] = Field(default_factory=list)
    set: str | None = None
    value: float | list[float] | None = None
    unit: str | None = None
    patterns: list[str] = Field(default_factory=list)
    direction: Literal["differs", "less", "more"] = "differs"
    tolerance: float = Field(default=0.0, ge=0)
    unless: list[Phrase] = Field(default_factory=list)
    critical: bool = False  # the fact the customer asked about: getting it wrong alone raises ``many_flag``

    @field_validator("set")
    @classmethod
    def _known_set(cls, v: str | None) -> str | None:
        """The set must be one of the library's fact sets."""
        return _check_set(v, FACT_SETS, "fact")

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, v: str | None) -> str | None:
        """The unit must be one the number parser knows."""
        if v is not None and v not in _UNIT_OF:
            raise ValueError(f"unknown unit {v!r}; known: {', '.join(sorted(_UNIT_OF))}")
        return v

    @model_validator(mode="after")
    def _complete(self) -> FactSlot:
        """A slot says how a wrong value shows; numeric patterns need a value and a placeholder."""
        if not (self.wrong or self.set or self.patterns):
            raise ValueError("give `wrong` phrases, a `set` or numeric `patterns`")
        if self.patterns and self.value is None:
            raise ValueError("numeric `patterns` need a `value`")
        if self.value is not None and not self.patterns:
            raise ValueError("a `value` needs `patterns` with {n} or {q}")
        for pat in self.patterns:
            if pat.count("{n}") + pat.count("{q}") != 1:
                raise ValueError(f"pattern {pat!r} needs exactly one {{n}} or {{q}} placeholder")
            if "{q}" in pat and self.unit is None:
                raise ValueError("{q} needs the slot's `unit`")
            try:
                rx = re.compile(self._expand(pat))
            except re.error as exc:
                raise ValueError(f"invalid pattern {pat!r}: {exc}") from None
            if rx.fullmatch(""):
                raise ValueError(f"pattern {pat!r} matches the empty text")
        if self.set and "rivals" in FACT_SETS[self.set] and not self.right:
            raise ValueError(f"set {self.set!r} lists rival values: give the `right` ones")
        return self

    def _expand(self, pattern: str) -> str:
        """Replace ``{n}`` / ``{q}`` by the number regex (``{q}`` with a unit of the slot's kind)."""
        units = _unit_alternation(self.unit)
        n = _NUM_RE + (rf"\s*(?P<unit>{units})?" if units else "")
        q = _NUM_RE + rf"\s*(?P<unit>{units})"
        body = pattern[3:] if pattern.startswith("re:") else pattern
        return body.replace("{n}", n, 1).replace("{q}", q, 1)

    @cached_property
    def compiled(self) -> list[re.Pattern[str]]:
        """The numeric patterns, compiled."""
        return [re.compile(self._expand(p)) for p in self.patterns]

    @cached_property
    def wrong_concept(self) -> tuple[str, ...]:
        """Contradicting phrases: ``wrong`` plus the set's claims or its rivals not matching ``right``."""
        phrases = list(self.wrong)
        if self.set:
            entry = FACT_SETS[self.set]
            for claim in entry.get("claims", []):
                phrases.extend(_as_tuple(claim))
            rights = [r[3:] if r.startswith("re:") else r for r in self.right]
            for rival in entry.get("rivals", []):
                rx = _concept_regex(_as_tuple(rival))
                if not any(rx.search(unicodedata.normalize("NFKC", r).lower()) for r in rights):
                    phrases.extend(_as_tuple(rival))
        return tuple(phrases)

    @cached_property
    def excuses(self) -> tuple[str, ...]:
        """Phrases whose match overlapping a contradiction excuses it."""
        extra = list(FACT_SETS[self.set].get("unless", [])) if self.set else []
        return tuple(self.unless) + tuple(self.right) + tuple(p for c in extra for p in _as_tuple(c))

    def _stated_wrong(self, match: re.Match[str], norm: str) -> bool:
        """Whether the number in ``match`` contradicts the slot's value (both ends of a range "3-5 天")."""
        number = _parse_number(match.group("num"))
        if number is None:
            return False
        low = _RANGE_LOW.search(norm[max(0, match.start("num") - 8) : match.start("num")])
        if low is not None:
            first = _parse_number(low.group("num"))
            if first is not None and not self._wrong_number(first, match.groupdict().get("unit")):
                return False
        return self._wrong_number(number, match.groupdict().get("unit"))

    def _wrong_number(self, number: float, unit: str | None) -> bool:
        """Whether ``number`` (in ``unit``, else the slot's unit) contradicts the slot's value."""
        if unit and self.unit:
            fam, mult = _UNIT_OF[unit]
            slot_fam, slot_mult = _UNIT_OF[self.unit]
            if fam != slot_fam:
                return False
            number = number * mult / slot_mult
        values = self.value if isinstance(self.value, list) else [self.value]
        tol = self.tolerance + 1e-9
        if self.direction == "less":
            return number < min(values) - tol  # type: ignore[type-var]
        if self.direction == "more":
            return number > max(values) + tol  # type: ignore[type-var]
        return all(abs(number - v) > tol for v in values)  # type: ignore[operator]

    def find(self, ctx: _Context) -> list[tuple[int, int]]:
        """Spans of the reply (normalised offsets) that contradict this fact."""
        spans: list[tuple[int, int]] = []
        if self.wrong_concept:
            spans.extend(_find(ctx, list(self.wrong_concept)))
        for rx in self.compiled:
            for m in rx.finditer(ctx.text.norm):
                if m.end() > m.start() and self._stated_wrong(m, ctx.text.norm):
                    # a wrong value the reply turns down is not stated (没法给您打8折)
                    if _NEGATED_BEFORE.search(_clause_before(ctx.text.norm, m.start())):
                        continue
                    spans.append(m.span())
        if not spans:
            return []
        excused = [sp for u in self.excuses for sp in _find(ctx, u)]
        norm = ctx.text.norm
        return [
            sp
            for sp in spans
            if not any(_overlaps(sp, ex) for ex in excused)
            and not _DENIED_BEFORE.search(norm[max(0, sp[0] - 10) : sp[0]])
        ]


class ContradictionDetector(_Detector):
    """Fact check: a reply stating something that contradicts the scenario's facts (a wrong carrier, a
    wrong number of days, the buyer paying the shipping the shop pays) raises ``flag`` and costs
    ``penalty`` per fact it gets wrong; ``many`` or more wrong facts also raise ``many_flag``."""

    kind: Literal["contradiction"]
    slots: list[FactSlot] = Field(min_length=1)
    penalty: float = Field(default=5.0, ge=0)
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    flag: str = "wrong_fact"
    many: int = Field(default=2, ge=1)
    many_flag: str = "wrong_facts"
    derived: bool = Field(
        default=True,
        description="also check what the facts imply without a slot: the "
        "main item's price, an order said not to have shipped when it has",
    )

    @model_validator(mode="after")
    def _unique(self) -> ContradictionDetector:
        """Slot ids are unique."""
        ids = [s.id for s in self.slots]
        if len(ids) != len(set(ids)):
            raise ValueError("fact slot ids must be unique")
        return self

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Report each fact the reply gets wrong (first contradicting span each)."""
        evidence: list[Evidence] = []
        wrong = 0
        critical = False
        reported: list[tuple[int, int]] = []
        for slot in self.slots:
            spans = slot.find(ctx)
            if spans:
                wrong += 1
                critical = critical or slot.critical
                s, e = min(spans)
                reported.extend(spans)
                evidence.append(_evidence(ctx, "contradiction", s, e, f"与事实不符:{slot.label}"))
        if self.derived and ctx.facts:
            profile = _facts_profile(ctx.facts)
            asked = " ".join(ctx.messages)
            checks = (
                (
                    _wrong_main_price(ctx, profile),
                    _ASKS_PRICE,
                    _MAIN_PRICE_NOTE.format(item=profile.item, price=profile.price or 0),
                ),
                (_not_shipped(ctx, profile), _ASKS_SHIPPING, "与事实不符:订单已发货"),
            )
            for spans, asks, note in checks:
                if spans and asks.search(asked):
                    critical = True  # the customer asked about it (the price, whether it has shipped)
                spans = [sp for sp in spans if not any(_overlaps(sp, r) for r in reported)]
                if spans:
                    wrong += 1
                    s, e = spans[0]
                    evidence.append(_evidence(ctx, "contradiction", s, e, note))
        if not wrong:
            base = self.points * ctx.clean_sheet(self.min_chars)
            return _Outcome(points=base)
        flags = [self.flag] + ([self.many_flag] if wrong >= self.many or critical else [])
        return _Outcome(points=-self.penalty * wrong, evidence=evidence, flags=flags)

"""Transparent rubric engine for free-text replies: criteria fed by detectors, evidence, caps.

A rubric is a list of criteria (id, label, max points). Each criterion's points are the sum of
its detectors' points, clamped to ``[0, max]``. Detectors also raise *flags* (taboo,
forbidden_claim, off_topic, ...); a flag with a *cap* bounds the total score. Everything the
engine decides is reported as evidence with the matched text and its position in the reply.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Annotated, Any, Final, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from exam.grading.lexicon import PHRASE_SETS, TABOO_FLAGS, TABOO_SETS
from exam.grading.text import NormText, cjk_ratio, compile_phrase, content_chars, content_positions, ngrams, ngrams_cached

__all__ = [
    "DEFAULT_CAPS",
    "AppliedCap",
    "Criterion",
    "CriterionResult",
    "Detector",
    "Evidence",
    "FactsDetector",
    "ForbiddenDetector",
    "LengthDetector",
    "PhrasesDetector",
    "PositionDetector",
    "RelevanceDetector",
    "ReplyResult",
    "Rubric",
    "SimilarityDetector",
    "TabooDetector",
    "TabooEntry",
    "grade_reply",
    "recompute_score",
]

# Default caps: when a flag is raised, the total score is at most this (0-100).
DEFAULT_CAPS: Final[dict[str, float]] = {
    # Scoring guide 0-2: empty, off-topic, rude, refuses to help, breaks a principle.
    "empty": 0,
    "wrong_language": 10,
    "rude": 10,
    "privacy_leak": 10,
    "forbidden_claim": 10,
    "off_topic": 10,
    "no_substance": 20,
    "too_short": 20,
    "shirk": 20,
    # 3-4: one serious flaw (blame, an absolute guarantee), heavy slang, hardly answers the question.
    "slang": 35,
    "thin_answer": 40,
    "blame": 40,
    "absolute_promise": 45,
    # 5-6: one notable flaw (a taboo word), a sloppy, unpunctuated chat style.
    "sloppy": 50,
    "taboo": 65,
}

_MAX_EVIDENCE_PER_CONCEPT = 3
_ID = r"^[a-z0-9_.-]+$"



def _valid_phrase(phrase: str) -> str:
    """A phrase must be non-empty and, when ``re:``, a valid regular expression that cannot match nothing."""
    if not phrase or phrase == "re:":
        raise ValueError("empty phrase")
    try:
        pattern = compile_phrase(phrase)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {phrase[3:]!r}: {exc}") from None
    if pattern.fullmatch(""):
        raise ValueError(f"phrase {phrase!r} matches the empty text")
    return phrase


Phrase = Annotated[str, AfterValidator(_valid_phrase)]
Concept = Union[Phrase, list[Phrase]]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what was found (or missed) and where in the raw reply."""

    kind: str
    text: str
    start: int | None
    end: int | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{kind, text, start, end, note}``."""
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end, "note": self.note}


@dataclass(frozen=True)
class CriterionResult:
    """Points of one criterion with the evidence behind them."""

    id: str
    label: str
    points: float
    max: float
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the contract form ``{id, label, points, max, evidence}`` (plus ``flags``)."""
        return {
            "id": self.id,
            "label": self.label,
            "points": self.points,
            "max": self.max,
            "evidence": [e.as_dict() for e in self.evidence],
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class AppliedCap:
    """A raised flag's bound on the total; ``criterion`` is None for reply-level guards."""

    flag: str
    max: float
    criterion: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return ``{flag, max, criterion}``."""
        return {"flag": self.flag, "max": self.max, "criterion": self.criterion}


@dataclass(frozen=True)
class ReplyResult:
    """A graded reply: total 0-100, per-criterion results, flags and the caps they impose."""

    score: float
    criteria: list[CriterionResult]
    flags: list[str]
    caps: list[AppliedCap] = field(default_factory=list)
    question: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the `exam grade reply` contract JSON (extra keys: flags, caps, raw_score)."""
        return {
            "question": self.question,
            "score": self.score,
            "criteria": [c.as_dict() for c in self.criteria],
            "flags": list(self.flags),
            "caps": [c.as_dict() for c in self.caps],
            "raw_score": _round1(sum(c.points for c in self.criteria)),
        }


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    """Everything detectors may look at for one reply."""

    text: NormText
    facts: str
    messages: tuple[str, ...]
    model_answers: tuple[str, ...]
    length: int

    @cached_property
    def grams(self) -> set[str]:
        """Bigrams of the reply."""
        return ngrams(self.text.raw)

    @cached_property
    def content_at(self) -> list[int]:
        """Normalised offsets of the reply's content characters."""
        return content_positions(self.text.norm)


@dataclass
class _Outcome:
    """What one detector contributes to its criterion."""

    points: float = 0.0
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _evidence(ctx: _Context, kind: str, start: int, end: int, note: str) -> Evidence:
    """Build evidence for a span of the normalised reply, reported in raw offsets."""
    rs, re_ = ctx.text.raw_span(start, end)
    return Evidence(kind=kind, text=ctx.text.raw[rs:re_], start=rs, end=re_, note=note)


def _concept_label(concept: Concept) -> str:
    """A short human label for a concept (its first phrase without the re: prefix)."""
    first = concept if isinstance(concept, str) else concept[0]
    return first[3:] if first.startswith("re:") else first


@lru_cache(maxsize=2048)
def _concept_regex(concept: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation regex for all phrases of a concept."""
    return re.compile("|".join(f"(?:{compile_phrase(p).pattern})" for p in concept))


def _as_tuple(concept: Concept) -> tuple[str, ...]:
    """Normalise a concept to a tuple of phrases."""
    return (concept,) if isinstance(concept, str) else tuple(concept)


def _find(ctx: _Context, concept: Concept, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Spans (normalised offsets) where ``concept`` matches entirely inside ``[lo, hi)``."""
    hi = len(ctx.text.norm) if hi is None else hi
    spans = []
    for m in _concept_regex(_as_tuple(concept)).finditer(ctx.text.norm):
        if m.end() > m.start() and m.start() >= lo and m.end() <= hi:
            spans.append((m.start(), m.end()))
    return spans


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when two half-open spans overlap."""
    return a[0] < b[1] and b[0] < a[1]


# --------------------------------------------------------------------------- detectors


class _Detector(BaseModel):
    """Fields shared by every detector."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    note: str | None = Field(default=None, description="shown with this detector's evidence")


def _check_set(name: str | None, known: Mapping[str, object], what: str) -> str | None:
    """Validate that a named library set exists."""
    if name is not None and name not in known:
        raise ValueError(f"unknown {what} set {name!r}; known: {', '.join(sorted(known))}")
    return name


class PhrasesDetector(_Detector):
    """Phrase concepts (a library ``set`` and/or inline ``phrases``) matched any / all / at least n."""

    kind: Literal["phrases"]
    set: str | None = None
    phrases: list[Concept] = Field(default_factory=list)
    mode: Literal["any", "all", "at_least"] = "any"
    n: int = Field(default=1, ge=1)
    points: float
    partial: bool = False
    at: Literal["start", "end"] | None = None
    within: int | None = Field(default=None, ge=1)
    flag: str | None = None

    @field_validator("set")
    @classmethod
    def _known_set(cls, v: str | None) -> str | None:
        """The set must be one of the library's phrase sets."""
        return _check_set(v, PHRASE_SETS, "phrase")

    @model_validator(mode="after")
    def _has_phrases(self) -> PhrasesDetector:
        """At least one concept; ``at`` and ``within`` go together."""
        if not self.concepts:
            raise ValueError("give a library `set` or inline `phrases`")
        if (self.at is None) != (self.within is None):
            raise ValueError("`at` and `within` go together")
        if self.mode == "at_least" and self.n > len(self.concepts):
            raise ValueError(f"n={self.n} is more than the {len(self.concepts)} concepts")
        return self

    @property
    def concepts(self) -> list[Concept]:
        """Library concepts followed by inline ones."""
        base = list(PHRASE_SETS[self.set]) if self.set else []
        return base + list(self.phrases)

    def _required(self) -> int:
        """How many distinct concepts must match."""
        return {"any": 1, "all": len(self.concepts), "at_least": self.n}[self.mode]

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Award ``points`` (scaled when ``partial``) when enough concepts match in the region."""
        lo, hi = 0, len(ctx.text.norm)
        if self.at == "start" and self.within:
            hi = _norm_offset_for_content(ctx, self.within, from_end=False)
        elif self.at == "end" and self.within:
            lo = _norm_offset_for_content(ctx, self.within, from_end=True)
        found = 0
        evidence: list[Evidence] = []
        kind = "position" if self.at else "phrase"
        note = self.note or (self.set or "")
        for concept in self.concepts:
            spans = _find(ctx, concept, lo, hi)
            if spans:
                found += 1
                for s, e in spans[:_MAX_EVIDENCE_PER_CONCEPT]:
                    evidence.append(_evidence(ctx, kind, s, e, note))
        need = self._required()
        if self.partial:
            share = min(1.0, found / need)
        else:
            share = 1.0 if found >= need else 0.0
        if share == 0:
            evidence = []
            if self.points > 0:
                evidence.append(Evidence("missing", "", None, None, note or "phrases"))
        flags = [self.flag] if self.flag and share > 0 else []
        return _Outcome(points=self.points * share, evidence=evidence, flags=flags)


class PositionDetector(PhrasesDetector):
    """Phrases that must appear near the start or the end (e.g. a greeting, a polite closing)."""

    kind: Literal["position"]  # type: ignore[assignment]
    at: Literal["start", "end"] = "end"
    within: int = Field(default=30, ge=1)


def _norm_offset_for_content(ctx: _Context, chars: int, *, from_end: bool) -> int:
    """Normalised offset bounding the first (or last) ``chars`` content characters."""
    positions = ctx.content_at
    if chars >= len(positions):
        return 0 if from_end else len(ctx.text.norm)
    return positions[-chars] if from_end else positions[chars - 1] + 1


class TabooEntry(BaseModel):
    """One taboo pattern with its category and the contexts that excuse it."""

    model_config = ConfigDict(extra="forbid")

    pattern: Phrase
    category: str = "refusal"
    unless: list[Phrase] = Field(default_factory=list)
    note: str | None = None


class TabooDetector(_Detector):
    """Taboo language found in context: each hit costs ``penalty``; a clean reply earns ``points``."""

    kind: Literal["taboo"]
    set: str | None = "taboo"
    entries: list[TabooEntry] = Field(default_factory=list)
    categories: list[str] | None = None
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    penalty: float = Field(default=5.0, ge=0)
    max_penalty: float | None = Field(default=None, ge=0)

    @field_validator("set")
    @classmethod
    def _known_set(cls, v: str | None) -> str | None:
        """The set must be one of the library's taboo sets."""
        return _check_set(v, TABOO_SETS, "taboo")

    @cached_property
    def all_entries(self) -> list[TabooEntry]:
        """Library entries plus inline ones, filtered by ``categories``."""
        base = [TabooEntry(**e) for e in TABOO_SETS[self.set]] if self.set else []  # type: ignore[arg-type]
        entries = base + list(self.entries)
        if self.categories is not None:
            entries = [e for e in entries if e.category in self.categories]
        return entries

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Find taboo hits not excused by an overlapping ``unless`` match."""
        evidence: list[Evidence] = []
        flags: list[str] = []
        hits = 0
        for entry in self.all_entries:
            spans = _find(ctx, entry.pattern)
            if not spans:
                continue
            excused = [sp for u in entry.unless for sp in _find(ctx, u)]
            for span in spans:
                if any(_overlaps(span, ex) for ex in excused):
                    continue
                hits += 1
                note = entry.note or entry.category
                evidence.append(_evidence(ctx, "taboo", span[0], span[1], note))
                flag = TABOO_FLAGS.get(entry.category, entry.category)
                if flag not in flags:
                    flags.append(flag)
        penalty = hits * self.penalty
        if self.max_penalty is not None:
            penalty = min(penalty, self.max_penalty)
        base = self.points if ctx.length >= self.min_chars else 0.0
        return _Outcome(points=base - penalty, evidence=evidence, flags=flags)


class FactItem(BaseModel):
    """A fact of the scenario (or a concrete step) that a good reply mentions."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    any: list[Phrase] = Field(min_length=1)
    points: float = Field(gt=0)
    generic: bool = False  # a step any scenario may mention: earns points, does not show substance


class FactsDetector(_Detector):
    """Scenario facts and steps: each item found earns its points; too few raise ``flag`` / ``thin_flag``."""

    kind: Literal["facts"]
    items: list[FactItem] = Field(min_length=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "no_substance"
    min_points: float = Field(default=0.0, ge=0)
    thin_flag: str = "thin_answer"
    max_points: float | None = Field(default=None, gt=0)

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
        for item in self.items:
            spans = _find(ctx, item.any)
            if spans:
                points += item.points
                if not item.generic:
                    core_hits += 1
                    core_points += item.points
                s, e = spans[0]
                evidence.append(_evidence(ctx, "fact", s, e, item.label))
            else:
                evidence.append(Evidence("missing", "", None, None, item.label))
        if self.max_points is not None:
            points = min(points, self.max_points)
        if core_hits < self.min_hits:
            flags = [self.flag]
        elif core_points < self.min_points:
            flags = [self.thin_flag]
        else:
            flags = []
        return _Outcome(points=points, evidence=evidence, flags=flags)


class ClaimItem(BaseModel):
    """A claim a reply must not make, with the contexts that excuse a match (e.g. negation)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    any: list[Phrase] = Field(min_length=1)
    unless: list[Phrase] = Field(default_factory=list)


class ForbiddenDetector(_Detector):
    """Forbidden claims (invented discounts, guarantees, leaking data): raise ``flag``, cost ``penalty``."""

    kind: Literal["forbidden"]
    items: list[ClaimItem] = Field(min_length=1)
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    penalty: float = Field(default=0.0, ge=0)
    flag: str = "forbidden_claim"

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Report each claim made; a reply making none earns the clean-sheet ``points``."""
        evidence: list[Evidence] = []
        made = 0
        for item in self.items:
            spans = _find(ctx, item.any)
            if spans and item.unless:
                excused = [sp for u in item.unless for sp in _find(ctx, u)]
                spans = [sp for sp in spans if not any(_overlaps(sp, ex) for ex in excused)]
            if spans:
                made += 1
                s, e = spans[0]
                evidence.append(_evidence(ctx, "claim", s, e, item.label))
        if made:
            return _Outcome(points=-self.penalty * made, evidence=evidence, flags=[self.flag])
        base = self.points if ctx.length >= self.min_chars else 0.0
        return _Outcome(points=base)


# Characters and words too generic to show that a reply is about the scenario.
_STOP_CHARS: Final[frozenset[str]] = frozenset(
    "的了吗呢啊吧哦呀是我你您他她它们这那就也都还很在有和与及个不要会能可以一么给把被让对说着过得地哪啥怎吗嘛么啦"
)
_STOP_GRAMS: Final[frozenset[str]] = frozenset(
    "亲亲 亲爱 客服 店铺 本店 小店 宝贝 商品 顾客 客户 买家 时候 什么 如果 问题 已经 需要 觉得 可能 一直 非常 "
    "谢谢 感谢 抱歉 理解 喜欢 现在 今天 昨天 东西 其他 这款 那款 一下 朋友 真的 没有 怎么 为什么".split()
)


@lru_cache(maxsize=512)
def _scenario_terms(facts: str, messages: tuple[str, ...]) -> frozenset[str]:
    """Content bigrams (and numbers of two or more digits) of the scenario's facts and messages."""
    terms = set()
    for gram in ngrams(" ".join((facts, *messages))):
        if gram[0].isdigit():
            if len(gram.rstrip("%")) >= 2:
                terms.add(gram)
        elif gram.isascii():
            continue
        elif len(gram) == 2 and not (set(gram) & _STOP_CHARS) and gram not in _STOP_GRAMS:
            terms.add(gram)
    return frozenset(terms)


class RelevanceDetector(_Detector):
    """Overlap with the customer's message and the scenario facts; too little raises ``off_topic``."""

    kind: Literal["relevance"]
    points: float
    terms: list[Concept] = Field(default_factory=list)
    use_scenario: bool = True
    target: int = Field(default=6, ge=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "off_topic"

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Count distinct scenario terms (and listed ``terms``) found in the reply."""
        evidence: list[Evidence] = []
        hits = 0
        if self.use_scenario:
            for term in sorted(_scenario_terms(ctx.facts, ctx.messages) & ctx.grams):
                idx = ctx.text.norm.find(term)
                if idx >= 0:
                    hits += 1
                    evidence.append(_evidence(ctx, "term", idx, idx + len(term), "scenario term"))
        for concept in self.terms:
            spans = _find(ctx, concept)
            if spans:
                hits += 1
                evidence.append(_evidence(ctx, "term", spans[0][0], spans[0][1], _concept_label(concept)))
        share = min(1.0, hits / self.target)
        flags = [self.flag] if hits < self.min_hits else []
        return _Outcome(points=self.points * share, evidence=evidence, flags=flags)


def _dice(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    """Dice coefficient of two sets (0 when both are empty)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


class SimilarityDetector(_Detector):
    """Character n-gram similarity (Dice) to the closest model answer, mapped linearly floor..ceil."""

    kind: Literal["similarity"]
    points: float
    n: int = Field(default=2, ge=1, le=4)
    floor: float = Field(default=0.1, ge=0, le=1)
    ceil: float = Field(default=0.45, gt=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> SimilarityDetector:
        """``floor`` must be below ``ceil``."""
        if self.floor >= self.ceil:
            raise ValueError("floor must be below ceil")
        return self

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Scale ``points`` by how close the reply is to the most similar model answer."""
        if not ctx.model_answers:
            return _Outcome(evidence=[Evidence("similarity", "", None, None, "no model answers")])
        mine = ctx.grams if self.n == 2 else ngrams(ctx.text.raw, self.n)
        best = max(_dice(mine, ngrams_cached(a, self.n)) for a in ctx.model_answers)
        share = min(1.0, max(0.0, (best - self.floor) / (self.ceil - self.floor)))
        note = f"similarity {best:.2f} to the closest model answer"
        return _Outcome(points=self.points * share, evidence=[Evidence("similarity", "", None, None, note)])


class LengthDetector(_Detector):
    """Length bounds in content characters: ``points`` inside ``[min, max]``, else ``penalty`` is subtracted."""

    kind: Literal["length"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=1)
    points: float = 0.0
    penalty: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> LengthDetector:
        """At least one bound, and min <= max."""
        if self.min is None and self.max is None:
            raise ValueError("give `min`, `max` or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Check the reply's content length against the bounds."""
        inside = (self.min is None or ctx.length >= self.min) and (self.max is None or ctx.length <= self.max)
        note = f"{ctx.length} chars; bounds {self.min}..{self.max}"
        pts = self.points if inside else -self.penalty
        return _Outcome(points=pts, evidence=[Evidence("length", "", None, None, note)])


Detector = Annotated[
    Union[
        PhrasesDetector,
        PositionDetector,
        TabooDetector,
        FactsDetector,
        ForbiddenDetector,
        RelevanceDetector,
        SimilarityDetector,
        LengthDetector,
    ],
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- rubric


class Criterion(BaseModel):
    """One rubric criterion: its points are its detectors' sum, clamped to ``[0, max]``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    max: float = Field(gt=0)
    detectors: list[Detector] = Field(min_length=1)


class Rubric(BaseModel):
    """A reply rubric: criteria whose ``max`` add up to 100, caps per flag and reply guards."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[Criterion] = Field(min_length=1)
    caps: dict[str, float] = Field(default_factory=dict)
    min_chars: int = Field(default=12, ge=0)
    min_cjk_ratio: float = Field(default=0.5, ge=0, le=1)

    @field_validator("caps")
    @classmethod
    def _cap_range(cls, v: dict[str, float]) -> dict[str, float]:
        """Caps lie in 0..100."""
        for flag, cap in v.items():
            if not 0 <= cap <= 100:
                raise ValueError(f"cap for {flag!r} must be within 0..100")
        return v

    @model_validator(mode="after")
    def _totals(self) -> Rubric:
        """Criterion ids are unique and the maxima add up to 100."""
        ids = [c.id for c in self.criteria]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion ids: {', '.join(dupes)}")
        total = sum(c.max for c in self.criteria)
        if not math.isclose(total, 100.0, abs_tol=1e-6):
            raise ValueError(f"criteria max must add up to 100, not {total:g}")
        return self

    def cap_for(self, flag: str) -> float | None:
        """The cap a flag imposes (rubric override, else the default), or None."""
        if flag in self.caps:
            return self.caps[flag]
        return DEFAULT_CAPS.get(flag)


# --------------------------------------------------------------------------- grading


def _round1(value: float) -> float:
    """Round half up to one decimal (stable for the .x5 cases floats misrepresent)."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


def _guard_flags(rubric: Rubric, text: str, length: int) -> list[str]:
    """Reply-level flags: empty, wrong language, too short."""
    if length == 0:
        return ["empty"]
    flags = []
    if cjk_ratio(text) < rubric.min_cjk_ratio:
        flags.append("wrong_language")
    if length < rubric.min_chars:
        flags.append("too_short")
    return flags


def grade_reply(
    rubric: Rubric,
    text: str,
    *,
    facts: str = "",
    messages: Sequence[str] = (),
    model_answers: Sequence[str] = (),
    question: str | None = None,
) -> ReplyResult:
    """Grade one reply against ``rubric`` in the scenario given by ``facts`` and ``messages``."""
    norm = NormText.of(text or "")
    length = content_chars(norm.norm)
    ctx = _Context(
        text=norm,
        facts=facts or "",
        messages=tuple(messages),
        model_answers=tuple(model_answers),
        length=length,
    )
    results: list[CriterionResult] = []
    flags: list[str] = []
    caps: list[AppliedCap] = []

    def raise_flag(flag: str, criterion: str | None) -> None:
        """Record a flag and the cap it imposes."""
        if flag not in flags:
            flags.append(flag)
        cap = rubric.cap_for(flag)
        if cap is not None and not any(c.flag == flag and c.criterion == criterion for c in caps):
            caps.append(AppliedCap(flag=flag, max=float(cap), criterion=criterion))

    for flag in _guard_flags(rubric, norm.norm, length):
        raise_flag(flag, None)
    for crit in rubric.criteria:
        total = 0.0
        evidence: list[Evidence] = []
        crit_flags: list[str] = []
        for det in crit.detectors:
            out = det.evaluate(ctx)
            total += out.points
            evidence.extend(out.evidence)
            for flag in out.flags:
                if flag not in crit_flags:
                    crit_flags.append(flag)
                raise_flag(flag, crit.id)
        points = _round1(min(crit.max, max(0.0, total)))
        results.append(CriterionResult(crit.id, crit.label, points, crit.max, evidence, crit_flags))
    score = recompute_score(results, caps=caps)
    return ReplyResult(score=score, criteria=results, flags=flags, caps=caps, question=question)


def _get(obj: Any, key: str) -> Any:
    """Read ``key`` from a mapping or an attribute."""
    return obj[key] if isinstance(obj, Mapping) else getattr(obj, key)


def recompute_score(
    criteria: Iterable[CriterionResult | Mapping[str, Any]],
    overrides: Mapping[str, float] | None = None,
    caps: Iterable[AppliedCap | Mapping[str, Any]] = (),
    *,
    keep_guard_caps: bool = True,
) -> float:
    """Total 0-100 from criterion points with ``overrides``; an overridden criterion's own caps are dropped."""
    overrides = dict(overrides or {})
    crits = list(criteria)
    ids = {_get(c, "id") for c in crits}
    unknown = set(overrides) - ids
    if unknown:
        raise ValueError(f"override for unknown criteria: {', '.join(sorted(unknown))}")
    total = 0.0
    for c in crits:
        cid, maximum = _get(c, "id"), float(_get(c, "max"))
        points = float(overrides.get(cid, _get(c, "points")))
        if not 0 <= points <= maximum:
            raise ValueError(f"points for {cid!r} must be within 0..{maximum:g}")
        total += points
    bound = 100.0
    for cap in caps:
        origin = _get(cap, "criterion")
        if origin is None and not keep_guard_caps:
            continue
        if origin is not None and origin in overrides:
            continue
        bound = min(bound, float(_get(cap, "max")))
    return _round1(min(bound, max(0.0, min(100.0, total))))

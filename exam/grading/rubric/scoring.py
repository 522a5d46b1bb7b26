"""Transparent rubric engine for free-text replies: criteria fed by detectors, evidence, caps.

A rubric is a list of criteria (id, label, max points). Each criterion's points are the sum of
its detectors' points, clamped to ``[0, max]``. Detectors also raise *flags* (taboo,
forbidden_claim, off_topic, ...); a flag with a *cap* bounds the total score. Everything the
engine decides is reported as evidence with the matched text and its position in the reply.
Band gates keep a reply out of the top bands (7+, 8+) when it lacks what they need (empathy, enough
of the scenario's facts, a fit to the customer type).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Annotated, Any, Final, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from exam.grading.lexicon import (
    CLAIM_DECLINED_AFTER,
    CLAIM_NEGATED_BEFORE,
    CLAIM_QUOTED_BEFORE,
    CLAIM_REFUSED_AFTER,
    CLAIM_SCOPED_CATEGORIES,
    CREDENTIAL_LOGIN,
    CREDENTIAL_NEGATION,
    CREDENTIAL_REQUEST,
    DISCOUNT_BUNDLE,
    DISCOUNT_SINGLE,
    FACT_SETS,
    FACTS_SHIPPED,
    NOT_SHIPPED,
    NOT_SHIPPED_EXCUSED,
    NOT_SHIPPED_NEW_PARCEL,
    PHRASE_SETS,
    PRIVACY_DATA,
    PRIVACY_OFFER,
    PRIVACY_OWN,
    PRIVACY_THIRD_PARTY,
    TABOO_FLAG_MIN_HITS,
    TABOO_FLAGS,
    TABOO_SETS,
)
from exam.grading.text import NormText, cjk_ratio, compile_phrase, content_chars, content_positions, ngrams, ngrams_cached

__all__ = [
    "NEGATIVE_EVIDENCE",
    "is_negative_evidence",
    "DEFAULT_CAPS",
    "DERIVED_FLAGS",
    "ENGAGED_FLAGS",
    "AppliedCap",
    "BandGate",
    "ContradictionDetector",
    "Criterion",
    "CriterionResult",
    "Detector",
    "Evidence",
    "FactSlot",
    "FactsDetector",
    "ForbiddenDetector",
    "LengthDetector",
    "PhrasesDetector",
    "PositionDetector",
    "PrivacyDetector",
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
    # Asking for a password, a verification code, a card or ID number: a security breach (0-1).
    "credential_request": 10,
    "forbidden_claim": 15,
    "off_topic": 10,
    "shirk_no_solution": 12,
    "wrong_facts": 15,
    "no_substance": 20,
    "too_short": 20,
    # 3-4: one serious flaw (blame, shirking, an absolute guarantee, a wrong fact), heavy slang,
    # hardly answers the question, long filler.
    "slang": 40,
    "thin_answer": 40,
    # A reply under the minimum length that still states the scenario's point (不能给哦,顾客信息要保密): curt, 3-4.
    "brief": 40,
    "filler": 40,
    "blame": 40,
    "shirk": 40,
    "wrong_fact": 40,
    "absolute_promise": 40,
    # 5-6: one notable flaw (a taboo word). A sloppy, unpunctuated chat style is a mild deduction (the
    # rubric's points) that only keeps a reply out of 7+: a complete, correct reply typed without
    # punctuation is still a 6.
    "sloppy": 64,
    "taboo": 65,
    # Praise followed at once by 不过/但是 and a rule (not a refusal): a minor flaw, kept out of 9+.
    "praise_but": 84,
}

# Derived flags: raised when one of the first flags and one of the second are both raised.
# Shirking or blaming with no solution at all is a refusal to help (guide 0-2), not one flaw.
DERIVED_FLAGS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "shirk_no_solution": (
        frozenset({"shirk", "blame"}),
        frozenset({"no_substance", "thin_answer", "filler", "off_topic"}),
    ),
}

# Flags that show the reply answers the customer's request, if wrongly (a promise, a claim about this
# scenario, a wrong fact of it, a leak): such a reply is judged by that flag, not as off topic.
ENGAGED_FLAGS: Final[frozenset[str]] = frozenset(
    {"absolute_promise", "forbidden_claim", "wrong_fact", "wrong_facts", "privacy_leak", "credential_request"}
)

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


# Evidence kinds that count against a reply (shown in red wherever evidence is highlighted).
NEGATIVE_EVIDENCE: frozenset[str] = frozenset({"taboo", "claim", "contradiction", "privacy"})


def is_negative_evidence(kind: str | None) -> bool:
    """Whether an evidence kind counts against the reply."""
    return kind in NEGATIVE_EVIDENCE


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
    found: dict[tuple[str, ...], list[tuple[int, int]]] = field(default_factory=dict)  # concept -> spans
    about: bool = False  # a facts detector found a fact of this scenario (set before the other detectors run)

    def clean_sheet(self, min_chars: int) -> float:
        """Share of a clean-sheet award (no taboo, no forbidden claim, no leak) a reply earns: all of it
        from ``min_chars`` characters on. A shorter reply that states a fact of the scenario earns it on a
        ramp from a quarter of ``min_chars`` (nothing) to half of it (all): a curt sentence that keeps the
        rule ("不能给哦,顾客信息要保密") has avoided the traps, a three-character "不打折" has not had the chance
        to. A short reply that says nothing of the scenario earns none."""
        if self.length >= min_chars:
            return 1.0
        if not self.about or min_chars == 0:
            return 0.0
        quarter = min_chars / 4
        return min(1.0, max(0.0, (self.length - quarter) / quarter))

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
    core_hits: int = 0  # scenario facts found (facts detectors): the reply is about this scenario
    core_points: float = 0.0  # points of the scenario facts (and concrete steps) found, for the coverage
    core_max: float = 0.0  # the most such points a reply can show


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
    key = _as_tuple(concept)
    spans = ctx.found.get(key)
    if spans is None:
        spans = [m.span() for m in _concept_regex(key).finditer(ctx.text.norm) if m.end() > m.start()]
        ctx.found[key] = spans
    if lo == 0 and hi is None:
        return list(spans)
    hi = len(ctx.text.norm) if hi is None else hi
    return [sp for sp in spans if sp[0] >= lo and sp[1] <= hi]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """True when two half-open spans overlap."""
    return a[0] < b[1] and b[0] < a[1]


_CLAUSE_BREAK: Final[re.Pattern[str]] = re.compile(r"[,。!?;~\n]")
_NEGATED_BEFORE: Final[re.Pattern[str]] = re.compile(CLAIM_NEGATED_BEFORE)
_QUOTED_BEFORE: Final[re.Pattern[str]] = re.compile(CLAIM_QUOTED_BEFORE)
_REFUSED_AFTER: Final[re.Pattern[str]] = re.compile(CLAIM_REFUSED_AFTER)
_DECLINED_AFTER: Final[re.Pattern[str]] = re.compile(CLAIM_DECLINED_AFTER)
_DENIED_INSIDE: Final[re.Pattern[str]] = re.compile(r"[^,。!?;~\n]{0,4}?不了")
_SCOPE_NOTES: Final[dict[str, str]] = {
    "negated": "否定或拒绝作出的承诺(不敢/没法/不能保证),不算承诺",
    "quoted": "引述的说法,不算承诺",
    "refused": "明确拒绝给出这样的承诺,不算承诺",
    "declined": "紧接着婉拒或说明规则(不好破例、对所有买家都一样),不算作出",
}
_CLAUSE_END: Final[re.Pattern[str]] = re.compile(r"[,。!?;~\n]")
_SENTENCE_STOP: Final[re.Pattern[str]] = re.compile(r"[。!?\n]")
# The next clause is read with the claim's own when it is this short (in characters).
_DECLINE_NEXT_CLAUSE: Final[int] = 18


def _clause_after(norm: str, end: int) -> str:
    """The rest of the clause after ``end`` plus, within the same sentence, the next clause when it is
    short: where a claim named to be turned down is declined (单独给您包邮这边不好破例; 给您包邮,这个不行哦)."""
    m = _CLAUSE_END.search(norm, end)
    if m is None:
        return norm[end:]
    rest = norm[end:m.start()]
    if _SENTENCE_STOP.match(m.group()):
        return rest
    n = _CLAUSE_END.search(norm, m.end())
    nxt = norm[m.end():n.start() if n else len(norm)]
    return rest + "," + nxt if len(nxt) <= _DECLINE_NEXT_CLAUSE else rest


def _clause_before(norm: str, start: int, reach: int = 24) -> str:
    """The text of the clause before ``start`` (at most ``reach`` characters back)."""
    before = norm[max(0, start - reach):start]
    cut = None
    for m in _CLAUSE_BREAK.finditer(before):
        cut = m.end()
    return before if cut is None else before[cut:]


def _claim_scope(ctx: _Context, span: tuple[int, int]) -> str | None:
    """Why the promise or claim at ``span`` is not one the reply makes, or None when it is made.

    A claim is out of scope when its clause negates it before the promise word (不敢保证, 没法跟您打包票,
    不能百分百保证, 能不能保证, 谁敢保证), when it is quoted or reported (“保证变白”, 所谓的保证), when the
    promise word is denied at once (保证不了), when the same sentence refuses it as an object just after
    (包您变白这种承诺我们真给不了, 保证变白这种话我们不会说), or when the rest of its clause or the next
    short clause declines it or states the rule against it (单独给您包邮这边不好破例; 给您包邮,这个不行哦;
    单独给您包邮,规则对所有买家都一样). A claim made outright stays made (给您包邮吧, 这次破例给您包邮)."""
    norm = ctx.text.norm
    start, end = span
    before = _clause_before(norm, start)
    if _NEGATED_BEFORE.search(before):
        return "negated"
    if _QUOTED_BEFORE.search(before):
        return "quoted"
    if _DENIED_INSIDE.match(norm, start, min(len(norm), end + 4)):
        return "negated"
    if _REFUSED_AFTER.search(norm[end:end + 40]):
        return "refused"
    if _DECLINED_AFTER.search(_clause_after(norm, end)):
        return "declined"
    return None


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
    unless_reply: list[Phrase] = Field(default_factory=list,
                                       description="phrases that excuse every hit when found anywhere in the reply")
    note: str | None = None
    weight: float = Field(default=1.0, ge=0, description="share of the detector's penalty one hit costs")


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
        """Find taboo hits not excused by an overlapping ``unless`` match.

        "但是" right after praise followed, in the same sentence, by a flat refusal is one flaw
        (the pattern the guide names), so the refusal after it is reported but not charged again.
        A promise (category ``promise``) the reply negates, refuses or quotes is not charged: it is
        reported as the honest refusal it is. Each hit costs ``penalty`` times its entry's ``weight``;
        a category listed in TABOO_FLAG_MIN_HITS raises its own flag only from that many hits on (one
        slang word is one taboo word, ``taboo``; a reply full of slang is ``slang``).
        """
        evidence: list[Evidence] = []
        flags: list[str] = []
        found: list[tuple[tuple[int, int], TabooEntry]] = []
        for entry in self.all_entries:
            spans = _find(ctx, entry.pattern)
            if not spans:
                continue
            if entry.unless_reply and any(_find(ctx, u) for u in entry.unless_reply):
                for span in spans[:1]:
                    evidence.append(_evidence(ctx, "phrase", span[0], span[1],
                                              f"{entry.note or entry.category}(回复里也给出了自己的具体帮助,不算推诿)"))
                continue
            excused = [sp for u in entry.unless for sp in _find(ctx, u)]
            for span in spans:
                if any(_overlaps(span, ex) for ex in excused):
                    continue
                if entry.category in CLAIM_SCOPED_CATEGORIES:
                    why = _claim_scope(ctx, span)
                    if why is not None:
                        evidence.append(_evidence(ctx, "phrase", span[0], span[1], _SCOPE_NOTES[why]))
                        continue
                found.append((span, entry))
        buts = [sp for sp, e in found if e.category == "but"]
        refusals = [sp for sp, e in found if e.category == "refusal"]
        charged = 0.0
        per_category: dict[str, int] = {}
        for span, entry in sorted(found, key=lambda f: f[0]):
            note = entry.note or entry.category
            category = entry.category
            weight = entry.weight
            if category == "refusal" and any(_same_sentence_after(ctx, b, span, 14) for b in buts):
                note += "(紧跟在“但是”之后,与之算作一处)"
                weight = 0.0
            elif category == "but" and not any(_same_sentence_after(ctx, span, r, 14) for r in refusals):
                # Praise, then 不过/但是 and a rule or a reason (no flat refusal): a minor flaw.
                category = "praise_but"
                weight *= _PRAISE_BUT_WEIGHT
                note += "(其后是规则说明而非生硬拒绝,轻微扣分)"
            charged += weight
            evidence.append(_evidence(ctx, "taboo", span[0], span[1], note))
            per_category[category] = per_category.get(category, 0) + 1
        for category, hits in per_category.items():
            flag = TABOO_FLAGS.get(category, category)
            if flag is None:
                continue
            if hits < TABOO_FLAG_MIN_HITS.get(category, 1):
                flag = "taboo"
            if flag not in flags:
                flags.append(flag)
        penalty = charged * self.penalty
        if self.max_penalty is not None:
            penalty = min(penalty, self.max_penalty)
        base = self.points * ctx.clean_sheet(self.min_chars)
        return _Outcome(points=base - penalty, evidence=evidence, flags=flags)


_SENTENCE_END = re.compile(r"[。!?\n]")
# Share of a taboo hit that praise-then-不过/但是 followed by a rule (not a refusal) costs.
_PRAISE_BUT_WEIGHT: Final[float] = 0.5


def _same_sentence_after(ctx: _Context, first: tuple[int, int], second: tuple[int, int], gap: int) -> bool:
    """True when ``second`` starts after ``first`` ends (or overlaps its end), within ``gap`` characters
    and with no sentence end between them."""
    if second[0] < first[0] or second[0] - first[1] > gap:
        return False
    between = ctx.text.norm[first[1]:second[0]]
    return not _SENTENCE_END.search(between)


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
                evidence.append(Evidence("density", "", None, None,
                                         f"只有 {density:.0%} 的内容包含事实或具体步骤"))
        return _Outcome(points=points, evidence=evidence, flags=flags, core_hits=core_hits,
                        core_points=min(core_max, core_points + step_sum), core_max=core_max)


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


class ClaimItem(BaseModel):
    """A claim a reply must not make, with the contexts that excuse a match (e.g. negation)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    any: list[Phrase] = Field(min_length=1)
    unless: list[Phrase] = Field(default_factory=list)


class ForbiddenDetector(_Detector):
    """Forbidden claims (invented discounts, guarantees, leaking data): raise ``flag``, cost ``penalty``.

    With ``scope`` (default), a claim the reply negates, refuses or quotes is not made (我不敢跟您保证一个月
    变白, 包您变白这种承诺我们真给不了): it is reported as evidence, not charged."""

    kind: Literal["forbidden"]
    items: list[ClaimItem] = Field(min_length=1)
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    penalty: float = Field(default=0.0, ge=0)
    flag: str = "forbidden_claim"
    scope: bool = True
    discounts: bool = Field(default=True, description="also flag a discount the facts do not give (打个85折 "
                            "with no discount in the facts, 单件打9折 when the facts say 两件9折)")

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Report each claim made; a reply making none earns the clean-sheet ``points``."""
        evidence: list[Evidence] = []
        made = 0
        claimed: list[tuple[int, int]] = []
        for item in self.items:
            spans = _find(ctx, item.any)
            if spans and item.unless:
                excused = [sp for u in item.unless for sp in _find(ctx, u)]
                spans = [sp for sp in spans if not any(_overlaps(sp, ex) for ex in excused)]
            if spans and self.scope:
                kept = []
                for sp in spans:
                    why = _claim_scope(ctx, sp)
                    if why is None:
                        kept.append(sp)
                    else:
                        evidence.append(_evidence(ctx, "phrase", sp[0], sp[1], f"{item.label}:{_SCOPE_NOTES[why]}"))
                spans = kept
            if spans:
                made += 1
                claimed.extend(spans)
                s, e = spans[0]
                evidence.append(_evidence(ctx, "claim", s, e, item.label))
        if self.discounts and ctx.facts:
            invented = [(sp, n) for sp, n in _invented_discounts(ctx) if not any(_overlaps(sp, c) for c in claimed)]
            if invented:
                made += 1
                (s, e), note = invented[0]
                evidence.append(_evidence(ctx, "claim", s, e, note))
        if made:
            return _Outcome(points=-self.penalty * made, evidence=evidence, flags=[self.flag])
        base = self.points * ctx.clean_sheet(self.min_chars)
        return _Outcome(points=base, evidence=evidence)


# --------------------------------------------------------------------------- fact check


_CN_DIGITS: Final[dict[str, int]] = {
    "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}

# Units a slot may use; units of one family convert (durations in days, weights in grams).
_UNIT_FAMILIES: Final[dict[str, dict[str, float]]] = {
    "duration": {"小时": 1 / 24, "天": 1, "日": 1, "周": 7, "星期": 7, "个星期": 7, "礼拜": 7, "个礼拜": 7,
                 "月": 30, "个月": 30, "个多月": 30, "年": 365},
    "money": {"元": 1, "块": 1, "块钱": 1},
    "weight": {"克": 1, "g": 1, "斤": 500, "公斤": 1000, "千克": 1000, "kg": 1000},
    "percent": {"%": 1},
    "discount": {"折": 1},
    "size": {"码": 1},
    "count": {"件": 1},
    "seconds": {"秒": 1, "分钟": 60},
}
_UNIT_OF: Final[dict[str, tuple[str, float]]] = {
    u: (fam, mult) for fam, units in _UNIT_FAMILIES.items() for u, mult in units.items()
}
# A number: Arabic, or Chinese numerals (not the 一 of 一般, 一下, 统一 ...), not an approximation (30多, 十几).
_NUM_RE: Final[str] = (
    r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?(?![0-9])"
    r"|(?<![统唯万专第单])[零一二两三四五六七八九十百半]+"
    r"(?![般下点样起直定共些切旦会边道致律向丢齐同])(?![零一二两三四五六七八九十百半]))"
    r"(?![多几来余])"
)


def _unit_alternation(unit: str | None) -> str:
    """Regex alternation of the units of ``unit``'s family (longest first)."""
    if unit is None:
        return ""
    fam = _UNIT_OF.get(unit, (None, 1.0))[0]
    units = list(_UNIT_FAMILIES[fam]) if fam else [unit]
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


def _parse_number(text: str) -> float | None:
    """An Arabic or Chinese number (``十五``, ``一百二十九``, ``半``), or None."""
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    total, cur = 0.0, 0.0
    for ch in text:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "半":
            cur += 0.5
        else:
            return None
    return total + cur


# The lower end of a range ("3-5 天", "三到五天") just before a number.
_RANGE_LOW: Final[re.Pattern[str]] = re.compile(
    r"(?P<num>[0-9]+(?:\.[0-9]+)?|[零一二两三四五六七八九十百半]+)\s*(?:个)?(?:天|日|周|月)?\s*(?:-|~|到|至)\s*$"
)
# A contradiction is excused when the reply denies it ("不是顺丰", "并非涤纶").
_DENIED_BEFORE: Final[re.Pattern[str]] = re.compile(
    r"(不是|并非|而非|并不是|不含|没有用|不用|不会用|而不是)[^,。!?]{0,4}$"
)


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
        low = _RANGE_LOW.search(norm[max(0, match.start("num") - 8):match.start("num")])
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
            sp for sp in spans
            if not any(_overlaps(sp, ex) for ex in excused)
            and not _DENIED_BEFORE.search(norm[max(0, sp[0] - 10):sp[0]])
        ]


# --- checks derived from the facts themselves (no slot needed)

# The scenario's main item and its price: the first clause of the facts, "衬衣 199 元", "美白精华 268 元".
_MAIN_ITEM: Final[re.Pattern[str]] = re.compile(r"^\s*(?P<item>[\u4e00-\u9fff]{2,6}?)\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*元")
# Other priced items of the facts: "129 元的基础款", "45 元的配套腰带".
_OTHER_ITEM: Final[re.Pattern[str]] = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*元的(?P<item>[\u4e00-\u9fff]{2,6}?)(?=[,;。,;、好]|$)")
_FACT_MONEY: Final[re.Pattern[str]] = re.compile(r"(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?:元|块)")
_DISCOUNT_NUM: Final[str] = r"(?P<num>[0-9](?:\.[0-9])?(?![0-9.])|[0-9]{2}(?![0-9.])|[一二三四五六七八九](?:点?[一二三四五六七八九])?)"
_FACT_DISCOUNT: Final[re.Pattern[str]] = re.compile(_DISCOUNT_NUM + r"\s*折")
# A discount the reply offers: "打个85折", "给你8.5折", "享9折", "九折".
_REPLY_DISCOUNT: Final[re.Pattern[str]] = re.compile(
    r"(?:(?:打|给|算|享受?|有|按|做|能|可以|优惠)(?:您|你|亲)?(?:个|一个)?)?(?<![0-9.])" + _DISCOUNT_NUM + r"折(?!扣|腾|叠|旧|算|合|现|价)"
)
_ORDER_WORDS: Final[re.Pattern[str]] = re.compile(r"订单|金额|总价|合计|总共")
_DEICTIC: Final[str] = r"这款|这件|该款|本款|此款|这一款|这条|这双|这瓶"
# Words between an item and a number that make the number about something else (a threshold, a gap,
# a coupon, another item, a comparison): "衬衣满299", "这款比基础款贵70元".
_PRICE_BLOCKERS: Final[str] = (
    r"满|差|运费|邮费|包邮|减|省|优惠|券|折|送|返|加|凑|同系列|还有|另|其他|比|贵|便宜了|多|少|定金|两件|2件|二件|三件|件"
)
_GAP_NEGATION: Final[re.Pattern[str]] = re.compile(r"不|没|无法|别|并非")
_MAIN_PRICE_NOTE: Final[str] = "与事实不符:{item} {price:g} 元"
_SHIPPED_RX: Final[re.Pattern[str]] = re.compile(FACTS_SHIPPED)
_NOT_SHIPPED_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED)
_NOT_SHIPPED_EXCUSED_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED_EXCUSED)
_NEW_PARCEL_RX: Final[re.Pattern[str]] = re.compile(NOT_SHIPPED_NEW_PARCEL)
_ASKS_PRICE: Final[re.Pattern[str]] = re.compile(r"贵|价|便宜|钱|折|优惠|多少")
_ASKS_SHIPPING: Final[re.Pattern[str]] = re.compile(r"发货|发不发|到|快递|物流|包裹|寄")
_DISCOUNT_SINGLE_RX: Final[re.Pattern[str]] = re.compile(DISCOUNT_SINGLE)
_DISCOUNT_BUNDLE_RX: Final[re.Pattern[str]] = re.compile(DISCOUNT_BUNDLE)


def _discount_value(text: str) -> float | None:
    """A discount written as 9 / 8.5 / 85 / 九 / 八五 / 八点五 折, as a number of tenths (8.5)."""
    if text[0].isdigit():
        value = float(text)
        return value / 10 if value >= 10 else value
    digits = [_CN_DIGITS[c] for c in text if c in _CN_DIGITS]
    if not digits:
        return None
    return digits[0] + (digits[1] / 10 if len(digits) > 1 else 0)


@dataclass(frozen=True)
class _FactsProfile:
    """What the derived checks read from the facts: the main item and its price, the other priced items,
    the money figures and what can be computed from them, the discounts, whether the order has shipped."""

    item: str | None
    price: float | None
    refs: re.Pattern[str] | None
    others: tuple[str, ...]
    allowed: frozenset[float]
    discounts: tuple[tuple[float, bool], ...]  # (tenths, bundle only)
    shipped: bool


@lru_cache(maxsize=512)
def _facts_profile(facts: str) -> _FactsProfile:
    """Parse the scenario facts once for the derived checks."""
    norm = unicodedata.normalize("NFKC", facts).lower()
    main = _MAIN_ITEM.search(norm)
    item = main.group("item") if main else None
    price = float(main.group("num")) if main else None
    others = tuple(sorted({m.group("item") for m in _OTHER_ITEM.finditer(norm)} - {item or ""}))
    other_words = set(others) | {o[-2:] for o in others if "款" not in o[-2:]}
    refs = None
    if item:
        words = [re.escape(item)]
        if len(item) > 2 and "款" not in item[-2:]:
            words.append(re.escape(item[-2:]))
        if _ORDER_WORDS.search(item):
            words = [_ORDER_WORDS.pattern]
        else:
            words.append(_DEICTIC)
        blockers = "|".join([_PRICE_BLOCKERS, *(re.escape(w) for w in sorted(other_words))])
        refs = re.compile(
            rf"(?:{'|'.join(words)})(?P<gap>(?:(?!{blockers})[^,。!?;~\n0-9]){{0,8}}?)"
            r"(?<![0-9.])(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?:元|块)(?!钱?的|以上|以下|左右|起|多)"
            + (rf"(?![^,。!?;~\n]{{0,4}}(?:{'|'.join(re.escape(w) for w in sorted(other_words))}))" if other_words else "")
        )
    money = {float(m.group("num")) for m in _FACT_MONEY.finditer(norm)}
    discounts = []
    for m in _FACT_DISCOUNT.finditer(norm):
        value = _discount_value(m.group("num"))
        if value is None:
            continue
        clause = norm[max(0, m.start() - 12):m.start()]
        clause = re.split(r"[,;。,;]", clause)[-1]
        discounts.append((value, bool(_DISCOUNT_BUNDLE_RX.search(clause))))
    factors = {1.0} | {d / 10 for d, _ in discounts}
    allowed: set[float] = set()
    if price is not None:
        allowed |= {round(price * k * f, 2) for k in (1, 2, 3) for f in factors}
    for a in money:
        allowed |= {round(a * f, 2) for f in factors if f != 1.0}
        for b in money:
            allowed |= {a + b, abs(a - b)}
    return _FactsProfile(item=item, price=price, refs=refs, others=others, allowed=frozenset(allowed),
                         discounts=tuple(discounts), shipped=bool(_SHIPPED_RX.search(norm)))


def _wrong_main_price(ctx: _Context, profile: _FactsProfile) -> list[tuple[int, int]]:
    """Spans stating a price for the scenario's main item that is neither its price from the facts nor a
    figure computed from the facts (两件9折 358.2, 差39元): "这款衬衣现在只要129元" when it is 199."""
    if profile.refs is None or profile.price is None:
        return []
    norm = ctx.text.norm
    spans = []
    for m in profile.refs.finditer(norm):
        value = float(m.group("num"))
        if any(abs(value - v) < 1 for v in profile.allowed):
            continue
        sentence_start = max((x.end() for x in _SENTENCE_STOP.finditer(norm, 0, m.start())), default=0)
        if any(o in norm[sentence_start:m.start()] for o in profile.others):
            continue  # the sentence is about another item of the facts (同系列还有基础款,这款只要129元)
        if _DENIED_BEFORE.search(norm[max(0, m.start() - 10):m.start()]) or _GAP_NEGATION.search(m.group("gap")):
            continue  # denied: 不是129元, 这款没法按129元卖
        spans.append(m.span())
    return spans


def _not_shipped(ctx: _Context, profile: _FactsProfile) -> list[tuple[int, int]]:
    """Spans saying the order has not shipped yet when the facts say it has (还在排队发货, 预计这两天发出)."""
    if not profile.shipped:
        return []
    norm = ctx.text.norm
    spans = []
    for m in _NOT_SHIPPED_RX.finditer(norm):
        if _NOT_SHIPPED_EXCUSED_RX.search(norm[max(0, m.start() - 10):m.start()]):
            continue
        clause = _clause_before(norm, m.start(), reach=20) + m.group() + _clause_after(norm, m.end())
        if _NEW_PARCEL_RX.search(clause):
            continue
        spans.append(m.span())
    return spans


def _invented_discounts(ctx: _Context) -> list[tuple[tuple[int, int], str]]:
    """Discounts the reply offers that the facts do not give: a rate not among the facts' (打个85折 when
    the facts give none, 8折 when they give 9折), or a bundle-only rate offered for one item (单件打9折
    when the facts say 两件9折). A discount the reply negates or declines (没法打8折) is not offered."""
    profile = _facts_profile(ctx.facts)
    norm = ctx.text.norm
    out = []
    for m in _REPLY_DISCOUNT.finditer(norm):
        value = _discount_value(m.group("num"))
        if value is None or not 1 <= value < 10:
            continue
        if _claim_scope(ctx, m.span()) is not None:
            continue
        before = _clause_before(norm, m.start(), reach=16)
        if re.search(r"(?:不|没|无|别)[^,。!?]{0,4}$", before):
            continue
        same = [bundle for d, bundle in profile.discounts if abs(d - value) < 0.01]
        if not same:
            out.append((m.span(), f"自行许诺折扣:事实中没有 {value:g} 折"))
            continue
        if all(same):
            # bundle-only: offered for one item (单件, 买一件, 给您打), with no bundle word in its clause (or
            # in the clause before, when the discount opens its clause: 两件的话,9折)
            context = _clause_before(norm, m.start(), reach=30)
            if len(context) < 4:
                context = _clause_before(norm, max(0, m.start() - len(context) - 1), reach=30) + "," + context
            context += m.group()
            if not _DISCOUNT_BUNDLE_RX.search(context) and _DISCOUNT_SINGLE_RX.search(context):
                out.append((m.span(), f"自行许诺折扣:{value:g} 折只适用于多件搭配购买"))
    return out


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
    derived: bool = Field(default=True, description="also check what the facts imply without a slot: the "
                          "main item's price, an order said not to have shipped when it has")

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
                (_wrong_main_price(ctx, profile), _ASKS_PRICE,
                 _MAIN_PRICE_NOTE.format(item=profile.item, price=profile.price or 0)),
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


# --------------------------------------------------------------------------- privacy


_PII: Final[dict[str, re.Pattern[str]]] = {k: re.compile(v) for k, v in PRIVACY_DATA.items()}
_THIRD: Final[re.Pattern[str]] = re.compile(PRIVACY_THIRD_PARTY)
_OWN_BEFORE: Final[re.Pattern[str]] = re.compile(f"(?:{PRIVACY_OWN})[^,。!?]{{0,8}}$")
_OFFER: Final[re.Pattern[str]] = re.compile(PRIVACY_OFFER)
_REFUSED_BEFORE: Final[re.Pattern[str]] = re.compile(r"(不|没|无法|不能|不得|不会|不可以|不方便|别)[^,。!?]{0,6}$")
_SENTENCE: Final[re.Pattern[str]] = re.compile(r"[^。!?\n]+")
_CREDENTIAL_ASK: Final[re.Pattern[str]] = re.compile(f"{CREDENTIAL_REQUEST}|{CREDENTIAL_LOGIN}")
_CREDENTIAL_NEGATION: Final[re.Pattern[str]] = re.compile(CREDENTIAL_NEGATION)
_LEAK_LABELS: Final[dict[str, str]] = {
    "phone": "泄露他人电话", "address": "泄露他人地址", "name": "泄露他人姓名", "offer": "答应提供他人信息",
}


class PrivacyDetector(_Detector):
    """Another person's data given out: a phone number (also masked, 138xxxx5678), an address detail
    or a name, in a sentence about someone else (她, 对方, 那位买家) or answering a customer who asks
    about someone else; or an offer to pass such data on. The customer's own data read back
    (您的电话…) is no leak. Raises ``flag``.

    With ``credentials`` (default), asking the customer for a password, a verification code, a card
    or ID number, or offering to log in to their account, raises ``credential_flag`` (a warning such
    as 请不要把验证码告诉任何人 is no request)."""

    kind: Literal["privacy"]
    points: float = 0.0
    min_chars: int = Field(default=12, ge=0)
    penalty: float = Field(default=0.0, ge=0)
    flag: str = "privacy_leak"
    credentials: bool = True
    credential_flag: str = "credential_request"

    def _credential_requests(self, ctx: _Context) -> list[tuple[int, int]]:
        """Spans asking the customer for credentials, not negated earlier in their clause."""
        norm = ctx.text.norm
        asks = []
        for m in _CREDENTIAL_ASK.finditer(norm):
            clause = _clause_before(norm, m.start(), reach=30) + m.group()
            if not _CREDENTIAL_NEGATION.search(clause):
                asks.append(m.span())
        return asks

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Find personal data of a third party in the reply, and requests for the customer's credentials."""
        norm = ctx.text.norm
        leaks: list[tuple[int, int, str]] = []
        asked_about_other = any(_THIRD.search(m) for m in ctx.messages)
        for sent in _SENTENCE.finditer(norm):
            third = asked_about_other or bool(_THIRD.search(sent.group()))
            if not third:
                continue
            for kind, rx in _PII.items():
                for m in rx.finditer(norm, sent.start(), sent.end()):
                    if not _OWN_BEFORE.search(norm[max(0, m.start() - 12):m.start()]):
                        leaks.append((m.start(), m.end(), kind))
        for m in _OFFER.finditer(norm):
            if not _REFUSED_BEFORE.search(norm[max(0, m.start() - 8):m.start()]):
                leaks.append((m.start(), m.end(), "offer"))
        asks = self._credential_requests(ctx) if self.credentials else []
        if not leaks and not asks:
            base = self.points * ctx.clean_sheet(self.min_chars)
            return _Outcome(points=base)
        evidence = [_evidence(ctx, "privacy", s, e, self.note or _LEAK_LABELS[k]) for s, e, k in sorted(leaks)[:5]]
        evidence += [_evidence(ctx, "claim", s, e, "索要顾客的密码、验证码、卡号或身份证号等敏感信息") for s, e in asks[:3]]
        flags = ([self.flag] if leaks else []) + ([self.credential_flag] if asks else [])
        return _Outcome(points=-self.penalty, evidence=evidence, flags=flags)


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
    """Overlap with the customer's message and the scenario facts; too little raises ``off_topic`` in a
    reply of at least ``min_chars`` characters (a shorter one is judged by the ``too_short`` guard)."""

    kind: Literal["relevance"]
    points: float
    terms: list[Concept] = Field(default_factory=list)
    use_scenario: bool = True
    target: int = Field(default=6, ge=1)
    min_hits: int = Field(default=1, ge=0)
    flag: str = "off_topic"
    min_chars: int = Field(default=12, ge=0)

    def evaluate(self, ctx: _Context) -> _Outcome:
        """Count distinct scenario terms (and listed ``terms``) found in the reply."""
        evidence: list[Evidence] = []
        hits = 0
        if self.use_scenario:
            for term in sorted(_scenario_terms(ctx.facts, ctx.messages) & ctx.grams):
                idx = ctx.text.norm.find(term)
                if idx >= 0:
                    hits += 1
                    evidence.append(_evidence(ctx, "term", idx, idx + len(term), "场景关键词"))
        for concept in self.terms:
            spans = _find(ctx, concept)
            if spans:
                hits += 1
                evidence.append(_evidence(ctx, "term", spans[0][0], spans[0][1], _concept_label(concept)))
        share = min(1.0, hits / self.target)
        # A reply too short to be about anything else is not off topic: the too_short guard judges it.
        flags = [self.flag] if hits < self.min_hits and ctx.length >= self.min_chars else []
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
        note = f"与最接近的参考答案相似度 {best:.2f}"
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
        if self.min is not None and self.max is not None:
            bounds = f"{self.min}–{self.max}"
        else:
            bounds = f"至少 {self.min}" if self.min is not None else f"至多 {self.max}"
        note = f"{ctx.length} 字;要求 {bounds} 字"
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
        ContradictionDetector,
        PrivacyDetector,
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


class BandGate(BaseModel):
    """A score band a reply reaches only when it meets every requirement (the guide's 7-8 "polite,
    empathetic and solves the problem"): a reply whose total reaches ``min`` without them raises
    ``flag`` with the gate's ``cap`` (default ``min - 1``), which keeps it just below the band."""

    model_config = ConfigDict(extra="forbid")

    min: float = Field(gt=0, le=100)
    flag: str = Field(default="generic", pattern=_ID)
    cap: float | None = Field(default=None, ge=0, le=100)
    criteria: dict[str, float] = Field(default_factory=dict, description="criterion id -> least share of its max")
    coverage: float | None = Field(default=None, ge=0, le=1,
                                   description="least share of the scenario facts' points (facts detectors)")
    note: str | None = None

    @model_validator(mode="after")
    def _something(self) -> BandGate:
        """A gate asks for something, with shares in 0..1."""
        if not self.criteria and self.coverage is None:
            raise ValueError("a gate needs `criteria` shares or a `coverage`")
        for cid, share in self.criteria.items():
            if not 0 <= share <= 1:
                raise ValueError(f"share for {cid!r} must be within 0..1")
        if self.cap is not None and self.cap >= self.min:
            raise ValueError("a gate's cap must lie below its min")
        return self

    @property
    def bound(self) -> float:
        """The cap a failed gate imposes."""
        return self.cap if self.cap is not None else max(0.0, self.min - 1)


class Rubric(BaseModel):
    """A reply rubric: criteria whose ``max`` add up to 100, caps per flag, band gates and reply guards."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[Criterion] = Field(min_length=1)
    caps: dict[str, float] = Field(default_factory=dict)
    gates: list[BandGate] = Field(default_factory=list)
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
        for gate in self.gates:
            unknown = sorted(set(gate.criteria) - set(ids))
            if unknown:
                raise ValueError(f"gate {gate.flag!r} names unknown criteria: {', '.join(unknown)}")
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


def _guard_flags(rubric: Rubric, text: str, length: int, about: bool) -> list[str]:
    """Reply-level flags: empty, wrong language, too short (``brief`` when it states a scenario fact)."""
    if length == 0:
        return ["empty"]
    flags = []
    if cjk_ratio(text) < rubric.min_cjk_ratio:
        flags.append("wrong_language")
    if length < rubric.min_chars:
        flags.append("brief" if about else "too_short")
    return flags


def _gate_failures(gate: BandGate, results: Sequence[CriterionResult], coverage: float | None,
                   facts_criterion: str | None) -> list[tuple[str | None, str]]:
    """The requirements of ``gate`` a reply misses: (criterion id, what is missing)."""
    by_id = {c.id: c for c in results}
    missing: list[tuple[str | None, str]] = []
    for cid, share in gate.criteria.items():
        c = by_id[cid]
        if c.points < share * c.max - 1e-9:
            missing.append((cid, f"{c.label} {c.points:g}/{c.max:g} < {share:.0%}"))
    if gate.coverage is not None and coverage is not None and coverage < gate.coverage - 1e-9:
        missing.append((facts_criterion, f"场景要点覆盖 {coverage:.0%} < {gate.coverage:.0%}"))
    return missing


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
    # Facts detectors first: whether the reply states a fact of this scenario tells the others (a curt
    # reply that keeps the rule earns its clean sheets; a reply about the scenario is not off topic).
    early: dict[int, _Outcome] = {
        id(det): det.evaluate(ctx)
        for crit in rubric.criteria for det in crit.detectors if isinstance(det, FactsDetector)
    }
    ctx.about = any(out.core_hits > 0 for out in early.values())
    outcomes: list[tuple[Criterion, list[_Outcome]]] = [
        (crit, [early[id(det)] if id(det) in early else det.evaluate(ctx) for det in crit.detectors])
        for crit in rubric.criteria
    ]
    # A reply that states a fact of this scenario is about it, whatever its wording: no off_topic; nor
    # is a reply that answers the request with a promise or a claim (保证今天补发): that flag judges it.
    engaged = any(f in ENGAGED_FLAGS for _, outs in outcomes for out in outs for f in out.flags)
    dropped = {"off_topic"} if ctx.about or engaged else set()

    results: list[CriterionResult] = []
    flags: list[str] = []
    caps: list[AppliedCap] = []

    def raise_flag(flag: str, criterion: str | None, cap: float | None = None) -> None:
        """Record a flag and the cap it imposes (``cap`` when given, else the rubric's for the flag)."""
        if flag not in flags:
            flags.append(flag)
        if cap is None:
            cap = rubric.cap_for(flag)
        if cap is not None and not any(c.flag == flag and c.criterion == criterion and c.max == cap for c in caps):
            caps.append(AppliedCap(flag=flag, max=float(cap), criterion=criterion))

    for flag in _guard_flags(rubric, norm.norm, length, ctx.about):
        raise_flag(flag, None)
    origin: dict[str, str] = {}
    facts_criterion: str | None = None
    covered = coverable = 0.0
    for crit, outs in outcomes:
        total = 0.0
        evidence: list[Evidence] = []
        crit_flags: list[str] = []
        for det, out in zip(crit.detectors, outs):
            total += out.points
            evidence.extend(out.evidence)
            if isinstance(det, FactsDetector):
                facts_criterion = facts_criterion or crit.id
                covered += out.core_points
                coverable += out.core_max
            for flag in out.flags:
                if flag in dropped:
                    continue
                if flag not in crit_flags:
                    crit_flags.append(flag)
                origin.setdefault(flag, crit.id)
                raise_flag(flag, crit.id)
        points = _round1(min(crit.max, max(0.0, total)))
        results.append(CriterionResult(crit.id, crit.label, points, crit.max, evidence, crit_flags))
    for derived, (first, second) in DERIVED_FLAGS.items():
        a = [f for f in flags if f in first]
        if a and any(f in second for f in flags):
            raise_flag(derived, origin.get(a[0]))
    # Band gates: a reply reaching a band without what the band needs stops just below it.
    coverage = covered / coverable if coverable else None
    for gate in rubric.gates:
        if recompute_score(results, caps=caps) < gate.min:
            continue
        missing = _gate_failures(gate, results, coverage, facts_criterion)
        if missing:
            where = missing[0][0]
            for r in results:
                if r.id == where:
                    note = "; ".join(m for _, m in missing)
                    r.evidence.append(Evidence("gate", "", None, None, f"{gate.note}: {note}" if gate.note else note))
                    if gate.flag not in r.flags:
                        r.flags.append(gate.flag)
            raise_flag(gate.flag, where, gate.bound)
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

"""What detectors share for one reply: phrases and concepts, the reply's context, spans and claim scope."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Annotated, Final

from pydantic import AfterValidator

from exam.grading.lexicon import CLAIM_DECLINED_AFTER, CLAIM_NEGATED_BEFORE, CLAIM_QUOTED_BEFORE, CLAIM_REFUSED_AFTER
from exam.grading.rubric.evidence import Evidence
from exam.grading.text import NormText, compile_phrase, content_positions, ngrams


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
Concept = Phrase | list[Phrase]


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
    contempt: list[tuple[int, int]] = field(default_factory=list)  # spans a contempt detector charged (run early)

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
    phrases: dict[str, str] = field(default_factory=dict)  # flag -> the phrase that raised it (named by its cap)


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
    if lo == 0 and (hi is None or hi >= len(ctx.text.norm)):
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
    rest = norm[end : m.start()]
    if _SENTENCE_STOP.match(m.group()):
        return rest
    n = _CLAUSE_END.search(norm, m.end())
    nxt = norm[m.end() : n.start() if n else len(norm)]
    return rest + "," + nxt if len(nxt) <= _DECLINE_NEXT_CLAUSE else rest


def _clause_before(norm: str, start: int, reach: int = 24) -> str:
    """The text of the clause before ``start`` (at most ``reach`` characters back)."""
    before = norm[max(0, start - reach) : start]
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
    if _REFUSED_AFTER.search(norm[end : end + 40]):
        return "refused"
    if _DECLINED_AFTER.search(_clause_after(norm, end)):
        return "declined"
    return None

"""Taboo detector: refusals, blame, shirking, promises, slang and rudeness, found in context."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exam.grading.lexicon import CLAIM_SCOPED_CATEGORIES, TABOO_FLAG_MIN_HITS, TABOO_FLAGS, TABOO_SETS
from exam.grading.rubric.context import (
    _SCOPE_NOTES,
    Phrase,
    _claim_scope,
    _Context,
    _evidence,
    _find,
    _Outcome,
    _overlaps,
)
from exam.grading.rubric.detectors.base import _check_set, _Detector
from exam.grading.rubric.evidence import N_, Evidence


class TabooEntry(BaseModel):
    """One taboo pattern with its category and the contexts that excuse it."""

    model_config = ConfigDict(extra="forbid")

    pattern: Phrase
    category: str = "refusal"
    unless: list[Phrase] = Field(default_factory=list)
    unless_reply: list[Phrase] = Field(
        default_factory=list, description="phrases that excuse every hit when found anywhere in the reply"
    )
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
        phrases: dict[str, str] = {}
        found: list[tuple[tuple[int, int], TabooEntry]] = []
        for entry in self.all_entries:
            spans = _find(ctx, entry.pattern)
            if not spans:
                continue
            if entry.unless_reply and any(_find(ctx, u) for u in entry.unless_reply):
                for span in spans[:1]:
                    evidence.append(
                        _evidence(
                            ctx,
                            "phrase",
                            span[0],
                            span[1],
                            f"{entry.note or CATEGORY_NOTES.get(entry.category, entry.category)}(回复里也给出了自己的具体帮助,不算推诿)",
                        )
                    )
                continue
            excused = [sp for u in entry.unless for sp in _find(ctx, u)]
            for span in spans:
                if any(_overlaps(span, ex) for ex in excused):
                    continue
                if any(_overlaps(span, c) for c in ctx.contempt):
                    continue  # charged once, by the contempt detector
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
        first: dict[str, str] = {}
        for span, entry in sorted(found, key=lambda f: f[0]):
            note = entry.note or CATEGORY_NOTES.get(entry.category, entry.category)
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
            first.setdefault(category, evidence[-1].text)
        for category, hits in per_category.items():
            flag = TABOO_FLAGS.get(category, category)
            if flag is None:
                continue
            if hits < TABOO_FLAG_MIN_HITS.get(category, 1):
                flag = "taboo"
            if flag not in flags:
                flags.append(flag)
            phrases.setdefault(flag, first[category])
        penalty = charged * self.penalty
        if self.max_penalty is not None:
            penalty = min(penalty, self.max_penalty)
        base = self.points * ctx.clean_sheet(self.min_chars)
        return _Outcome(points=base - penalty, evidence=evidence, flags=flags, phrases=phrases)


# What a taboo hit says when its entry gives no note (msgids, translated where shown).
CATEGORY_NOTES: Final[dict[str, str]] = {
    "refusal": N_("Flat refusal"),
    "but": N_("But right after praise"),
    "promise": N_("Absolute promise"),
    "slang": N_("Internet slang"),
    "casual": N_("Over-familiar address"),
    "argue": N_("Argues with the customer"),
    "blame": N_("Blames someone else"),
    "shirk": N_("Shirks responsibility"),
    "rude": N_("Rude"),
}

_SENTENCE_END = re.compile(r"[。!?\n]")
# Share of a taboo hit that praise-then-不过/但是 followed by a rule (not a refusal) costs.
_PRAISE_BUT_WEIGHT: Final[float] = 0.5


def _same_sentence_after(ctx: _Context, first: tuple[int, int], second: tuple[int, int], gap: int) -> bool:
    """True when ``second`` starts after ``first`` ends (or overlaps its end), within ``gap`` characters
    and with no sentence end between them."""
    if second[0] < first[0] or second[0] - first[1] > gap:
        return False
    between = ctx.text.norm[first[1] : second[0]]
    return not _SENTENCE_END.search(between)

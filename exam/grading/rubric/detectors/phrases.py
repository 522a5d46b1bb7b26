"""Phrase detectors: concepts matched anywhere, or near the start or the end of the reply (position)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from exam.grading.lexicon import PHRASE_SETS
from exam.grading.rubric.context import Concept, _Context, _evidence, _find, _Outcome, _overlaps
from exam.grading.rubric.detectors.base import _check_set, _Detector
from exam.grading.rubric.evidence import N_, Evidence

_MAX_EVIDENCE_PER_CONCEPT = 3
# What a library set's evidence says when the rubric gives no note (msgids, translated where shown).
SET_NOTES: dict[str, str] = {
    "courtesy": N_("Polite words"),
    "respect": N_("Respectful address (您)"),
    "warm_tone": N_("Warm tone"),
    "empathy": N_("Acknowledges the customer's feelings"),
    "agree_first": N_("Agrees first"),
    "greeting": N_("Greeting"),
    "closing": N_("Polite closing"),
    "next_step": N_("A next step"),
    "concrete_step": N_("A concrete step"),
    "reason": N_("Gives the reason"),
    "suggestion": N_("A suggestion"),
    "social_proof": N_("Other buyers' feedback"),
    "pushy": N_("Pushes the customer to buy"),
    "sloppy": N_("Spaces instead of punctuation"),
    "curt_you": N_("Curt 你 instead of 您"),
}


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
        note = self.note or SET_NOTES.get(self.set or "", self.set or "")
        used: list[tuple[int, int]] = []
        for concept in self.concepts:
            # one matched character counts for one concept only (不好意思 is not also 意思)
            spans = _find(ctx, concept, lo, hi)
            if used and spans:
                spans = [sp for sp in spans if not any(_overlaps(sp, u) for u in used)]
            if spans:
                found += 1
                used.extend(spans)
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
                evidence.append(Evidence("missing", "", None, None, note or N_("Expected phrases")))
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

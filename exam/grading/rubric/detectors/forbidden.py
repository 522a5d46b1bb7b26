"""Forbidden-claim detector: invented discounts, guarantees and other claims a reply must not make."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
from exam.grading.rubric.detectors.base import _ID, _Detector
from exam.grading.rubric.detectors.factcheck import _invented_discounts
from exam.grading.rubric.detectors.offers import _invented_offers
from exam.grading.rubric.evidence import Evidence


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
    discounts: bool = Field(
        default=True,
        description="also flag a discount the facts do not give (打个85折 "
        "with no discount in the facts, 单件打9折 when the facts say 两件9折)",
    )
    offers: bool = Field(
        default=True,
        description="also flag money, a price, a gift or a guarantee the facts do not give "
        "(返您50元现金, 用券后只要149, 送运费险, 保证明天送到, 不白全额退款)",
    )

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
        if self.offers and ctx.facts:
            invented = [(sp, n) for sp, n in _invented_offers(ctx) if not any(_overlaps(sp, c) for c in claimed)]
            if invented:
                made += 1
                for (s, e), note in invented[:3]:
                    claimed.append((s, e))
                    evidence.append(_evidence(ctx, "claim", s, e, note))
        if made:
            return _Outcome(points=-self.penalty * made, evidence=evidence, flags=[self.flag])
        base = self.points * ctx.clean_sheet(self.min_chars)
        return _Outcome(points=base, evidence=evidence)

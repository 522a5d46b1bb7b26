"""Similarity detector: character n-gram closeness to the model answers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from exam.grading.rubric.context import _Context, _Outcome
from exam.grading.rubric.detectors.base import _Detector
from exam.grading.rubric.evidence import N_, Evidence
from exam.grading.text import ngrams, ngrams_cached


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
            return _Outcome(evidence=[Evidence("similarity", "", None, None, N_("No model answers to compare with"))])
        mine = ctx.grams if self.n == 2 else ngrams(ctx.text.raw, self.n)
        best = max(_dice(mine, ngrams_cached(a, self.n)) for a in ctx.model_answers)
        share = min(1.0, max(0.0, (best - self.floor) / (self.ceil - self.floor)))
        note = f"与最接近的参考答案相似度 {best:.2f}"
        return _Outcome(points=self.points * share, evidence=[Evidence("similarity", "", None, None, note)])

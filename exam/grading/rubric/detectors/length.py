"""Length detector: bounds on the reply's length in content characters."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from exam.grading.rubric.context import _Context, _Outcome
from exam.grading.rubric.detectors.base import _Detector
from exam.grading.rubric.evidence import Evidence


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

"""Chart data: score histograms, summaries, option shares by score group and scatter points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exam.analysis.basic import mean, pairs, rounded, sd
from exam.analysis.items import ItemStats

__all__ = ["Bin", "Summary", "histogram", "option_chart", "scatter", "summary"]


@dataclass(frozen=True)
class Bin:
    """``count`` values in ``[lo, hi)`` (the last bin also holds ``hi``)."""

    lo: float
    hi: float
    count: int


@dataclass(frozen=True)
class Summary:
    """Count, mean, sample SD, minimum, median and maximum of some scores (None when empty)."""

    n: int
    mean: float | None
    sd: float | None
    min: float | None
    median: float | None
    max: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form, figures rounded to 2 decimals."""
        return {"n": self.n, **{k: rounded(getattr(self, k), 2) for k in ("mean", "sd", "min", "median", "max")}}


def histogram(values: Sequence[float | None], lo: float = 0.0, hi: float = 100.0, width: float = 10.0) -> list[Bin]:
    """Counts per bin of ``width`` from ``lo`` to ``hi``; values outside are clamped into the end bins."""
    if width <= 0 or hi <= lo:
        raise ValueError("need width > 0 and hi > lo")
    n = max(1, int(round((hi - lo) / width)))
    counts = [0] * n
    for v in values:
        if v is not None:
            counts[min(n - 1, max(0, int((v - lo) // width)))] += 1
    return [Bin(lo + i * width, min(hi, lo + (i + 1) * width), c) for i, c in enumerate(counts)]


def summary(values: Sequence[float | None]) -> Summary:
    """Descriptive summary of the present values."""
    xs = sorted(float(v) for v in values if v is not None)
    if not xs:
        return Summary(0, None, None, None, None, None)
    half = len(xs) // 2
    median = xs[half] if len(xs) % 2 else (xs[half - 1] + xs[half]) / 2
    return Summary(len(xs), mean(xs), sd(xs), xs[0], median, xs[-1])


def option_chart(stats: ItemStats) -> list[dict[str, Any]]:
    """One row per option: id, keyed or not, and the share (0-1) of all, upper and lower groups picking it."""
    return [
        {
            "option": o.option,
            "correct": o.correct,
            "all": rounded(o.share),
            "upper": rounded(o.upper),
            "lower": rounded(o.lower),
        }
        for o in stats.options
    ]


def scatter(x: Sequence[float | None], y: Sequence[float | None]) -> list[tuple[float, float]]:
    """The (x, y) points where both values are present, e.g. hiring score against an outcome."""
    xs, ys = pairs(x, y)
    return list(zip(xs, ys))

"""Descriptive statistics shared by the analysis modules (plain Python, no NumPy)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["clean", "mean", "pairs", "pearson", "rounded", "sd", "variance"]


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean; None for no values."""
    return sum(values) / len(values) if values else None


def variance(values: Sequence[float], ddof: int = 1) -> float | None:
    """Variance with ``n - ddof`` in the denominator (sample variance by default); None when undefined."""
    n = len(values)
    if n - ddof <= 0:
        return None
    m = sum(values) / n
    return sum((v - m) ** 2 for v in values) / (n - ddof)


def sd(values: Sequence[float], ddof: int = 1) -> float | None:
    """Standard deviation (sample by default); None when undefined."""
    v = variance(values, ddof)
    return None if v is None else math.sqrt(v)


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Pearson's r; None for fewer than 2 pairs or when either side is constant."""
    if len(x) != len(y):
        raise ValueError("value lists differ in length")
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx <= 1e-12 * max(1.0, mx * mx) * n or syy <= 1e-12 * max(1.0, my * my) * n:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def pairs(x: Sequence[float | None], y: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """The pairs where both values are present (pairwise deletion)."""
    if len(x) != len(y):
        raise ValueError("value lists differ in length")
    kept = [(float(a), float(b)) for a, b in zip(x, y) if a is not None and b is not None]
    return [a for a, _ in kept], [b for _, b in kept]


def clean(value: float | None) -> float | None:
    """NaN and infinities as None, other numbers unchanged."""
    return None if value is None or not math.isfinite(value) else value


def rounded(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded for JSON, None kept (NaN becomes None)."""
    value = clean(value)
    return None if value is None else round(value, digits)

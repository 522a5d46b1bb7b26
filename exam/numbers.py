"""Rounding shared by grading, section results and the hiring score."""

from __future__ import annotations

import math

EPS = 1e-9


def round1(value: float) -> float:
    """Round half up to one decimal (stable for .x5 values that floats misrepresent)."""
    return math.floor(value * 10 + 0.5 + EPS) / 10

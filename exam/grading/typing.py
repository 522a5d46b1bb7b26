"""Typing test grading: net/gross characters per minute and accuracy."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "TypingResult",
    "grade_typing",
    "normalise",
    "prefix_edit_distance",
    "round_half_up",
]


def normalise(text: str) -> str:
    """Return ``text`` in Unicode NFKC with every whitespace character removed."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def round_half_up(value: Fraction | int | float, digits: int) -> float:
    """Round ``value`` half up (away from zero for ties) to ``digits`` decimals."""
    exact = Fraction(value)
    scale = 10**digits
    scaled = abs(exact) * scale
    rounded = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    result = Fraction(rounded, scale)
    return float(-result if exact < 0 else result)


def prefix_edit_distance(reference: str, typed: str) -> tuple[int, int]:
    """``(E, k)``: fewest edits turning a prefix of ``reference`` into ``typed``, and the longest such prefix."""
    # Bit-parallel (Myers/Hyyrö): bit i of the vectors is row i (typed[:i+1]); one step per reference char.
    m = len(typed)
    n = len(reference)
    if m == 0:
        return 0, 0
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}
    for i, ch in enumerate(typed):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    pv = mask  # vertical +1 deltas: D[i][0] = i
    mv = 0
    score = m  # D[m][0]
    best, best_j = score, 0
    for j in range(n):
        eq = peq.get(reference[j], 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        # Global alignment on the reference side: the top row grows by one per column.
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        if score <= best:
            best, best_j = score, j + 1
    return best, best_j


@dataclass(frozen=True)
class TypingResult:
    """Figures of one typing attempt (the `exam grade typing` contract)."""

    typed: int
    attempted: int
    errors: int
    net_chars: int
    net_cpm: float
    gross_cpm: float
    accuracy: float

    def as_dict(self) -> dict[str, int | float]:
        """Return exactly the contract keys, in contract order."""
        return {
            "typed": self.typed,
            "attempted": self.attempted,
            "errors": self.errors,
            "net_chars": self.net_chars,
            "net_cpm": self.net_cpm,
            "gross_cpm": self.gross_cpm,
            "accuracy": self.accuracy,
        }


def _exact_seconds(seconds: float | int | str) -> Fraction:
    """Return ``seconds`` as an exact fraction of its decimal spelling (0.1 is 1/10)."""
    if isinstance(seconds, (int, Fraction, str)):
        return Fraction(seconds)
    return Fraction(repr(float(seconds)))


def grade_typing(reference: str, typed: str, seconds: float) -> TypingResult:
    """Grade ``typed`` against ``reference`` typed in ``seconds`` (must be > 0)."""
    secs = _exact_seconds(seconds)
    if secs <= 0:
        raise ValueError("seconds must be positive")
    ref = normalise(reference)
    txt = normalise(typed)
    errors, attempted = prefix_edit_distance(ref, txt)
    m = len(txt)
    net = max(0, m - errors)
    minutes = secs / 60
    denominator = max(attempted, m)
    accuracy = Fraction(0) if denominator == 0 else 1 - Fraction(errors, denominator)
    return TypingResult(
        typed=m,
        attempted=attempted,
        errors=errors,
        net_chars=net,
        net_cpm=round_half_up(net / minutes, 1),
        gross_cpm=round_half_up(m / minutes, 1),
        accuracy=round_half_up(accuracy, 4),
    )


def speed_series(samples: Sequence[Sequence[float]], window: float = 10.0) -> list[tuple[float, float]]:
    """Characters per minute in consecutive windows of ``window`` seconds.

    ``samples`` are ``(t_seconds, chars_typed_so_far)`` pairs in any order. Each point is
    ``(window end, speed over the window)``; the speed is interpolated linearly between samples.
    """
    pts = sorted((float(t), float(c)) for t, c in (tuple(s)[:2] for s in samples) if t is not None and c is not None)
    if len(pts) < 2:
        return []
    if pts[0][0] > 0:
        pts.insert(0, (0.0, 0.0))

    def chars_at(t: float) -> float:
        if t <= pts[0][0]:
            return pts[0][1]
        for (t0, c0), (t1, c1) in zip(pts, pts[1:]):
            if t0 <= t <= t1:
                return c0 if t1 == t0 else c0 + (c1 - c0) * (t - t0) / (t1 - t0)
        return pts[-1][1]

    end = pts[-1][0]
    series: list[tuple[float, float]] = []
    start = 0.0
    while start < end - 1e-9:
        stop = min(end, start + window)
        dt = stop - start
        if dt > 0:
            series.append((stop, max(0.0, (chars_at(stop) - chars_at(start)) * 60.0 / dt)))
        start = stop
    return series

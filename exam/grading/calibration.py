"""Agreement between the reply grader and human raters: QWK, Spearman, MAE (pure functions)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CalibrationReport",
    "GroupMetrics",
    "calibrate",
    "load_scored_replies",
    "mean_absolute_error",
    "quadratic_weighted_kappa",
    "spearman",
    "to_scale10",
]

SCALE_MAX = 10


def _half_up(value: float) -> int:
    """Round half up to an integer (with a small tolerance for float noise)."""
    return math.floor(value + 0.5 + 1e-9)


def to_scale10(score_0_100: float) -> int:
    """Map a 0-100 grader score to the 0-10 scale: ``round(score / 10)``, half up."""
    return min(SCALE_MAX, max(0, _half_up(score_0_100 / 10)))


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], lo: int = 0, hi: int = SCALE_MAX) -> float:
    """Cohen's kappa with quadratic weights for two integer ratings on ``lo..hi``."""
    if len(a) != len(b):
        raise ValueError("rating lists differ in length")
    if not a:
        return math.nan
    k = hi - lo + 1
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b):
        if not (lo <= x <= hi and lo <= y <= hi):
            raise ValueError(f"ratings must lie within {lo}..{hi}")
        observed[x - lo][y - lo] += 1
    n = len(a)
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * row[i] * col[j] / n
    if den == 0:
        return 1.0 if num == 0 else 0.0
    return 1.0 - num / den


def _ranks(values: Sequence[float]) -> list[float]:
    """Average ranks (1-based), ties sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson on average ranks); NaN when either side is constant."""
    if len(a) != len(b):
        raise ValueError("value lists differ in length")
    if len(a) < 2:
        return math.nan
    ra, rb = _ranks(a), _ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    if va == 0 or vb == 0:
        return math.nan
    return cov / math.sqrt(va * vb)


def mean_absolute_error(a: Sequence[float], b: Sequence[float]) -> float:
    """Mean absolute difference of two equally long sequences."""
    if len(a) != len(b):
        raise ValueError("value lists differ in length")
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a) if a else math.nan


@dataclass(frozen=True)
class GroupMetrics:
    """Agreement figures for one group of replies (all, or one scenario)."""

    n: int
    qwk: float
    spearman: float
    mae: float

    def as_dict(self) -> dict[str, Any]:
        """JSON form, NaN as null, figures rounded to 4 decimals."""

        def fix(x: float) -> float | None:
            """NaN as None, else rounded."""
            return None if math.isnan(x) else round(x, 4)

        return {"n": self.n, "qwk": fix(self.qwk), "spearman": fix(self.spearman), "mae": fix(self.mae)}


@dataclass(frozen=True)
class CalibrationReport:
    """Overall and per-group agreement between grader and raters on the 0-10 scale."""

    overall: GroupMetrics
    groups: dict[str, GroupMetrics] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: ``{"overall": {...}, "groups": {name: {...}}}``."""
        return {"overall": self.overall.as_dict(), "groups": {g: m.as_dict() for g, m in self.groups.items()}}

    def table(self) -> str:
        """A plain-text table, overall first, then one row per group."""

        def fmt(x: float) -> str:
            """A fixed-width figure, a dash for NaN."""
            return "   -  " if math.isnan(x) else f"{x:6.3f}"

        width = max([len("overall"), *(len(g) for g in self.groups)])
        lines = [f"{'group':<{width}}  {'n':>3}  {'QWK':>6}  {'Spearman':>8}  {'MAE':>6}"]
        rows = [("overall", self.overall), *self.groups.items()]
        for name, m in rows:
            lines.append(f"{name:<{width}}  {m.n:>3}  {fmt(m.qwk)}  {fmt(m.spearman):>8}  {fmt(m.mae)}")
        return "\n".join(lines)


def _metrics(pred: list[int], human: list[int]) -> GroupMetrics:
    """Metrics for paired 0-10 integer ratings."""
    return GroupMetrics(
        n=len(pred),
        qwk=quadratic_weighted_kappa(pred, human),
        spearman=spearman(pred, human),
        mae=mean_absolute_error(pred, human),
    )


def calibrate(pairs: Iterable[tuple[float, float, str]]) -> CalibrationReport:
    """Agreement of grader scores (0-100) with human scores (0-10), both rounded half up to 0-10 integers."""
    pred: list[int] = []
    human: list[int] = []
    by_group: dict[str, tuple[list[int], list[int]]] = {}
    for predicted, rated, group in pairs:
        p, h = to_scale10(predicted), min(SCALE_MAX, max(0, _half_up(rated)))
        pred.append(p)
        human.append(h)
        gp, gh = by_group.setdefault(str(group), ([], []))
        gp.append(p)
        gh.append(h)
    if not pred:
        raise ValueError("no scored replies to calibrate against")
    return CalibrationReport(
        overall=_metrics(pred, human),
        groups={g: _metrics(p, h) for g, (p, h) in sorted(by_group.items())},
    )


def load_scored_replies(path: str | Path) -> list[dict[str, Any]]:
    """Read scored replies (JSON Lines: ``id``, ``scenario``, ``text``, ``score``) from ``path``."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            for key in ("scenario", "text", "score"):
                if key not in row:
                    raise ValueError(f"{path}:{lineno}: missing {key!r}")
            rows.append(row)
    return rows

"""Paper reliability: Cronbach's alpha or KR-20, the standard error of measurement and score bands.

Rows are candidates, columns items (a question version, or a paper slot when papers are drawn
at random: Moodle's approach). Rows with a missing entry are dropped (listwise) and counted.
Variances are sample variances (n - 1) except in KR-20, which uses p·q (population variances)
as published; either way the ratio, hence the coefficient, is the same on the same data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from exam.analysis.basic import mean, rounded, sd, variance
from exam.analysis.items import ItemResponse

__all__ = [
    "Reliability",
    "ScoreMatrix",
    "composite_sem",
    "cronbach_alpha",
    "kr20",
    "reliability",
    "score_band",
    "score_matrix",
    "standard_error",
]

Row = Sequence[float | None]


@dataclass(frozen=True)
class ScoreMatrix:
    """Item scores per attempt: ``rows[a][i]`` is attempt ``attempts[a]`` on ``items[i]``, None if absent."""

    items: list[Hashable]
    attempts: list[Hashable]
    rows: list[list[float | None]]
    max_scores: list[float]


@dataclass(frozen=True)
class Reliability:
    """A paper's internal consistency; ``value`` is None with a ``reason`` when it cannot be computed."""

    method: Literal["alpha", "kr20"]
    value: float | None
    sem: float | None
    sem_percent: float | None
    mean_total: float | None
    sd_total: float | None
    items: int
    n: int
    dropped: int
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form: the coefficient under its method's name (``alpha`` or ``kr20``), then the rest."""
        return {
            self.method: rounded(self.value),
            "method": self.method,
            "sem": rounded(self.sem),
            "sem_percent": rounded(self.sem_percent),
            "mean": rounded(self.mean_total),
            "sd": rounded(self.sd_total),
            "items": self.items,
            "n": self.n,
            "dropped": self.dropped,
            "reason": self.reason,
        }


def score_matrix(
    responses: Iterable[ItemResponse], column: Callable[[ItemResponse], Hashable] = lambda r: r.item_id
) -> ScoreMatrix:
    """The attempts × items matrix of ``responses`` (first-seen order); ``column`` may map to a slot."""
    items: dict[Hashable, int] = {}
    attempts: dict[Hashable, int] = {}
    cells: dict[tuple[int, int], float] = {}
    maxima: dict[int, float] = {}
    for r in responses:
        i = items.setdefault(column(r), len(items))
        a = attempts.setdefault(r.attempt_id, len(attempts))
        if (a, i) in cells:
            raise ValueError(f"attempt {r.attempt_id!r} has two scores for column {column(r)!r}")
        cells[(a, i)] = float(r.score)
        maxima[i] = max(maxima.get(i, 0.0), float(r.max_score))
    rows = [[cells.get((a, i)) for i in range(len(items))] for a in range(len(attempts))]
    return ScoreMatrix(list(items), list(attempts), rows, [maxima[i] for i in range(len(items))])


def _complete(rows: Sequence[Row]) -> list[list[float]]:
    """The rows without a missing entry."""
    return [[float(v) for v in row] for row in rows if all(v is not None for v in row)]


def cronbach_alpha(rows: Sequence[Row]) -> float | None:
    """k/(k-1) · (1 - Σ item variances / total variance) over complete rows; None when undefined."""
    full = _complete(rows)
    k = len(full[0]) if full else 0
    if k < 2 or len(full) < 2:
        return None
    total_var = variance([sum(row) for row in full])
    if not total_var or total_var <= 1e-12:
        return None
    item_var = sum(variance([row[i] for row in full]) or 0.0 for i in range(k))
    return k / (k - 1) * (1 - item_var / total_var)


def _dichotomous_max(rows: Sequence[Sequence[float]], max_scores: Sequence[float] | None) -> list[float] | None:
    """Each column's full mark when every column holds only 0 and that mark, else None."""
    k = len(rows[0]) if rows else 0
    marks = []
    for i in range(k):
        column = {row[i] for row in rows}
        mark = max_scores[i] if max_scores is not None else (max(column) or 1.0)
        if not column <= {0.0, mark}:
            return None
        marks.append(mark)
    return marks


def kr20(rows: Sequence[Row], max_scores: Sequence[float] | None = None) -> float | None:
    """Kuder-Richardson 20 for right/wrong items: k/(k-1) · (1 - Σ p·q·mark² / population total variance)."""
    full = _complete(rows)
    marks = _dichotomous_max(full, max_scores)
    k = len(full[0]) if full else 0
    if marks is None or k < 2 or len(full) < 2:
        return None
    total_var = variance([sum(row) for row in full], ddof=0)
    if not total_var or total_var <= 1e-12:
        return None
    pq = 0.0
    for i, mark in enumerate(marks):
        p = sum(row[i] for row in full) / (len(full) * mark)
        pq += p * (1 - p) * mark * mark
    return k / (k - 1) * (1 - pq / total_var)


def standard_error(sd_total: float, coefficient: float) -> float:
    """SEM = SD × sqrt(1 - r), with r clipped to 0..1 (a negative coefficient gives SEM = SD)."""
    return sd_total * math.sqrt(1 - max(0.0, min(1.0, coefficient)))


def reliability(rows: Sequence[Row], max_scores: Sequence[float] | None = None) -> Reliability:
    """KR-20 when every item is right/wrong (0 or its mark), else Cronbach's alpha, with the SEM."""
    full = _complete(rows)
    k = max((len(row) for row in rows), default=0)
    dichotomous = bool(full) and _dichotomous_max(full, max_scores) is not None
    method: Literal["alpha", "kr20"] = "kr20" if dichotomous else "alpha"
    totals = [sum(row) for row in full]
    total_sd = sd(totals)
    empty = Reliability(
        method=method,
        value=None,
        sem=None,
        sem_percent=None,
        mean_total=mean(totals),
        sd_total=total_sd,
        items=k,
        n=len(full),
        dropped=len(rows) - len(full),
    )
    if k < 2:
        return replace(empty, reason="needs at least 2 items")
    if len(full) < 2:
        return replace(empty, reason="needs at least 2 attempts that answered every item")
    value = kr20(full, max_scores) if dichotomous else cronbach_alpha(full)
    if value is None or total_sd is None:
        return replace(empty, reason="total scores do not vary")
    sem = standard_error(total_sd, value)
    top = sum(max_scores) if max_scores is not None else None
    return replace(empty, value=value, sem=sem, sem_percent=100 * sem / top if top else None)


def score_band(score: float, sem: float, lo: float = 0.0, hi: float = 100.0, width: float = 1.0) -> tuple[float, float]:
    """The band ``score ± width·SEM`` clamped to ``lo..hi`` (width 1 covers about 68 % of true scores)."""
    return max(lo, score - width * sem), min(hi, score + width * sem)


def composite_sem(parts: Iterable[tuple[float, float]], correlated: bool = False) -> float:
    """SEM of a weighted mean Σw·x/Σw from (weight, SEM) parts; errors independent unless ``correlated``."""
    parts = [(w, s) for w, s in parts if w > 0]
    total = sum(w for w, _ in parts)
    if total <= 0:
        return 0.0
    if correlated:
        return sum(w * s for w, s in parts) / total
    return math.sqrt(sum((w * s) ** 2 for w, s in parts)) / total

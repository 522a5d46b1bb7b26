"""Machine vs trainer agreement for rubric calibration: one summary, the largest differences, before/after.

QWK, Spearman (average ranks for ties) and MAE come from ``exam.grading.calibration`` and are
reused here; this module adds Pearson, the mean difference and the report shapes. Scores are
integers on one scale (``lo..hi``, 0-10 by default: map 0-100 grader scores with ``to_scale10``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from exam.analysis.basic import clean, pearson, rounded
from exam.grading.calibration import SCALE_MAX, mean_absolute_error, quadratic_weighted_kappa, spearman, to_scale10

__all__ = [
    "Agreement",
    "Difference",
    "agreement",
    "agreement_change",
    "largest_differences",
    "mean_difference",
    "pearson",
    "quadratic_weighted_kappa",
    "spearman",
    "to_scale10",
]


@dataclass(frozen=True)
class Agreement:
    """Agreement of paired machine and trainer scores; None where undefined (no pairs, a constant side)."""

    n: int
    qwk: float | None
    spearman: float | None
    pearson: float | None
    mean_difference: float | None
    mae: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON form, figures rounded to 4 decimals."""
        return {
            "n": self.n,
            "qwk": rounded(self.qwk),
            "spearman": rounded(self.spearman),
            "pearson": rounded(self.pearson),
            "mean_difference": rounded(self.mean_difference),
            "mae": rounded(self.mae),
        }


@dataclass(frozen=True)
class Difference:
    """One reply where the machine and the trainer disagree: ``difference`` = machine - trainer."""

    reply_id: Hashable
    machine: int
    trainer: int
    difference: int


def mean_difference(machine: Sequence[float], trainer: Sequence[float]) -> float | None:
    """Mean of machine - trainer (positive: the machine is more lenient); None for no pairs."""
    if len(machine) != len(trainer):
        raise ValueError("value lists differ in length")
    return sum(m - t for m, t in zip(machine, trainer)) / len(machine) if machine else None


def agreement(machine: Sequence[int], trainer: Sequence[int], lo: int = 0, hi: int = SCALE_MAX) -> Agreement:
    """All agreement figures for paired integer scores on ``lo..hi``."""
    if len(machine) != len(trainer):
        raise ValueError("value lists differ in length")
    if not machine:
        return Agreement(0, None, None, None, None, None)
    return Agreement(
        n=len(machine),
        qwk=clean(quadratic_weighted_kappa(machine, trainer, lo, hi)),
        spearman=clean(spearman(machine, trainer)),
        pearson=pearson([float(m) for m in machine], [float(t) for t in trainer]),
        mean_difference=mean_difference(machine, trainer),
        mae=clean(mean_absolute_error(machine, trainer)),
    )


def largest_differences(
    reply_ids: Sequence[Hashable], machine: Sequence[int], trainer: Sequence[int], top: int = 10
) -> list[Difference]:
    """The ``top`` replies with the largest |machine - trainer| (ties in input order), zero differences left out."""
    if not len(reply_ids) == len(machine) == len(trainer):
        raise ValueError("value lists differ in length")
    rows = [Difference(r, m, t, m - t) for r, m, t in zip(reply_ids, machine, trainer) if m != t]
    return sorted(rows, key=lambda d: -abs(d.difference))[:top]


def agreement_change(before: Agreement, after: Agreement) -> dict[str, float | None]:
    """After minus before for each figure (a dry run of a rubric edit); None where either is undefined."""
    names = ("qwk", "spearman", "pearson", "mean_difference", "mae")
    return {
        name: None
        if getattr(before, name) is None or getattr(after, name) is None
        else getattr(after, name) - getattr(before, name)
        for name in names
    }

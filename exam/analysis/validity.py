"""Criterion validity: does the hiring score (or a criterion) predict what became of the hire?

Outcomes coded 0/1 (probation passed) give the point-biserial r, continuous KPIs Pearson's r;
Spearman's rho is given beside both. Pairs with a missing side are left out (pairwise). The 95 %
interval uses Fisher's z (tanh(atanh(r) ± 1.96/sqrt(n - 3))), None below n = 4; it is the usual
approximation, also for the point-biserial r. Below ``small_sample`` hires (default 30, where the
interval around r = 0 is still about ±0.36) results carry ``small_sample = True``.
The sign is raw: for KPIs where lower is better (响应时间, 差评率) a useful predictor has r < 0.

Suggested weights are validity weights, max(0, r) per criterion rescaled to the profile's total
weight, rather than regression (beta) weights: with a few dozen hires and correlated criteria,
betas swing and change sign from one hire to the next, while validity weights are never negative,
need no matrix inversion and, like unit weights, tend to hold up as well on new hires (Dawes 1979).
A criterion without an r (constant, fewer than 2 pairs) gets weight 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Any, Literal

from exam.analysis.basic import clean, pairs, pearson, rounded
from exam.grading.calibration import spearman

__all__ = [
    "SMALL_SAMPLE",
    "SuggestedWeights",
    "Validity",
    "correlate",
    "fisher_interval",
    "suggest_weights",
    "validity_table",
]

SMALL_SAMPLE = 30
Values = Sequence[float | None]


@dataclass(frozen=True)
class Validity:
    """The correlation of one predictor with one outcome over ``n`` hires."""

    predictor: str
    outcome: str
    kind: Literal["point_biserial", "pearson"]
    n: int
    r: float | None
    ci_low: float | None
    ci_high: float | None
    spearman: float | None
    small_sample: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON form, figures rounded to 4 decimals."""
        ci = None if self.ci_low is None else [rounded(self.ci_low), rounded(self.ci_high)]
        return {
            "predictor": self.predictor,
            "outcome": self.outcome,
            "kind": self.kind,
            "n": self.n,
            "r": rounded(self.r),
            "ci95": ci,
            "spearman": rounded(self.spearman),
            "small_sample": self.small_sample,
        }


@dataclass(frozen=True)
class SuggestedWeights:
    """Weights proportional to each criterion's positive validity, summing to the profile's total weight."""

    outcome: str
    weights: dict[str, float] | None
    current: dict[str, float]
    validities: dict[str, Validity] = field(default_factory=dict)
    small_sample: bool = True
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form: suggested and current weights per criterion, with the correlations behind them."""
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "small_sample": self.small_sample,
            "criteria": [
                {
                    "criterion": c,
                    "current": w,
                    "suggested": None if self.weights is None else rounded(self.weights[c], 2),
                    "r": rounded(self.validities[c].r),
                    "n": self.validities[c].n,
                }
                for c, w in self.current.items()
            ],
        }


def fisher_interval(r: float | None, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """Confidence interval of a correlation by Fisher's z; None for n < 4 or no r."""
    if r is None or n < 4:
        return None
    if abs(r) >= 1:
        return r, r
    z, half = math.atanh(r), NormalDist().inv_cdf(0.5 + level / 2) / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


def correlate(
    predictor: Values,
    outcome: Values,
    *,
    predictor_name: str = "score",
    outcome_name: str = "outcome",
    small_sample: int = SMALL_SAMPLE,
) -> Validity:
    """r (point-biserial for a 0/1 outcome, else Pearson), its 95 % interval and Spearman's rho."""
    x, y = pairs(predictor, outcome)
    kind: Literal["point_biserial", "pearson"] = "point_biserial" if y and set(y) <= {0.0, 1.0} else "pearson"
    r = pearson(x, y)
    ci = fisher_interval(r, len(x))
    rho = clean(spearman(x, y)) if len(x) >= 2 else None
    return Validity(
        predictor=predictor_name,
        outcome=outcome_name,
        kind=kind,
        n=len(x),
        r=r,
        ci_low=ci[0] if ci else None,
        ci_high=ci[1] if ci else None,
        spearman=rho,
        small_sample=len(x) < small_sample,
    )


def validity_table(
    predictors: Mapping[str, Values], outcomes: Mapping[str, Values], *, small_sample: int = SMALL_SAMPLE
) -> list[Validity]:
    """Every predictor against every outcome (predictor-major order); all lists align by hire."""
    return [
        correlate(x, y, predictor_name=p, outcome_name=o, small_sample=small_sample)
        for p, x in predictors.items()
        for o, y in outcomes.items()
    ]


def suggest_weights(
    criteria: Mapping[str, Values],
    outcome: Values,
    current: Mapping[str, float],
    *,
    outcome_name: str = "outcome",
    higher_is_better: bool = True,
    small_sample: int = SMALL_SAMPLE,
) -> SuggestedWeights:
    """Validity-proportional weights: max(0, r) per criterion of ``current``, rescaled to its sum."""
    sign = 1.0 if higher_is_better else -1.0
    validities = {
        c: correlate(criteria[c], outcome, predictor_name=c, outcome_name=outcome_name, small_sample=small_sample)
        for c in current
    }
    positive = {c: max(0.0, sign * v.r) if v.r is not None else 0.0 for c, v in validities.items()}
    small = any(v.small_sample for v in validities.values()) or not validities
    result = SuggestedWeights(
        outcome=outcome_name, weights=None, current=dict(current), validities=validities, small_sample=small
    )
    if sum(positive.values()) <= 0:
        return replace(result, reason="no criterion correlates favourably with the outcome")
    total = sum(current.values())
    return replace(result, weights={c: total * p / sum(positive.values()) for c, p in positive.items()})

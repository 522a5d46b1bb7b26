"""Classical item statistics per question version over finished attempts (pure functions).

Scope: pass the responses of one paper or section (whatever the candidate's total should mean).
A candidate's *total* is the fraction ``sum(score) / sum(max_score)`` over their responses in
that input, so papers drawn at random with different maxima stay comparable; an item's *rest*
is the same fraction without that item (corrected item-total).

Upper and lower groups are the top and bottom ``group_share`` (27 %, Kelley) of an item's
respondents by total; candidates tied at a group's cut share the remaining places (fractional
membership), so the result does not depend on input order.

Flags are raised only when an item has at least ``min_responses`` responses (default 30). At
n = 30 the standard error of a facility near 0.5 is still about 0.09 and that of a correlation
about 0.18 (1/sqrt(n)); with fewer responses the flags would mostly report noise.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from exam.analysis.basic import mean, pearson, rounded, sd
from exam.grading.choice import grade_multiple

__all__ = [
    "ChoiceKey",
    "Flag",
    "ItemResponse",
    "ItemStats",
    "OptionStats",
    "group_weights",
    "item_statistics",
    "random_guess_score",
]

MIN_RESPONSES = 30
GROUP_SHARE = 0.27
FACILITY_LOW, FACILITY_HIGH, DISCRIMINATION_LOW = 0.2, 0.9, 0.2
EPS = 1e-9


@dataclass(frozen=True)
class ItemResponse:
    """One candidate's graded answer to one item; ``picked`` holds option ids for choice items."""

    attempt_id: Hashable
    item_id: Hashable
    score: float
    max_score: float = 1.0
    picked: tuple[str, ...] | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class ChoiceKey:
    """The options of a choice item, the keyed ones, and how it is scored."""

    options: tuple[str, ...]
    correct: tuple[str, ...]
    kind: Literal["single_choice", "multiple_choice", "true_false"] = "single_choice"
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"


@dataclass(frozen=True)
class Flag:
    """Why an item looks wrong: a stable ``code`` for code and i18n, an English ``reason``."""

    code: str
    reason: str


@dataclass(frozen=True)
class OptionStats:
    """Share of all, upper-group and lower-group respondents who picked one option."""

    option: str
    correct: bool
    picked: int
    share: float
    upper: float | None
    lower: float | None


@dataclass(frozen=True)
class ItemStats:
    """The figures of one item; None where a figure is undefined (too few or constant data)."""

    item_id: Hashable
    responses: int
    facility: float
    sd: float | None
    discrimination: float | None
    upper_lower: float | None
    mean_seconds: float | None
    random_guess: float | None
    omitted: float | None
    options: tuple[OptionStats, ...] = ()
    flags: tuple[Flag, ...] = ()
    enough_responses: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form, figures rounded to 4 decimals."""
        return {
            "item": self.item_id,
            "responses": self.responses,
            "facility": rounded(self.facility),
            "sd": rounded(self.sd),
            "discrimination": rounded(self.discrimination),
            "upper_lower": rounded(self.upper_lower),
            "mean_seconds": rounded(self.mean_seconds, 1),
            "random_guess": rounded(self.random_guess),
            "omitted": rounded(self.omitted),
            "options": [
                {
                    "option": o.option,
                    "correct": o.correct,
                    "picked": o.picked,
                    "share": rounded(o.share),
                    "upper": rounded(o.upper),
                    "lower": rounded(o.lower),
                }
                for o in self.options
            ],
            "flags": [{"code": f.code, "reason": f.reason} for f in self.flags],
            "enough_responses": self.enough_responses,
        }


def random_guess_score(key: ChoiceKey) -> float:
    """Expected fraction of the marks for a blind guess: one option, or a uniformly random non-empty subset."""
    if key.kind != "multiple_choice":
        return len(set(key.correct) & set(key.options)) / len(key.options)
    subsets = [c for r in range(1, len(key.options) + 1) for c in itertools.combinations(key.options, r)]
    return sum(grade_multiple(key.correct, s, key.scoring) for s in subsets) / len(subsets)


def group_weights(totals: Sequence[float], share: float = GROUP_SHARE) -> tuple[list[float], list[float]]:
    """Upper and lower group membership weights (0..1, each summing to the group size)."""
    n = len(totals)
    size = max(1, int(share * n + 0.5))
    return _top(totals, size), _top([-t for t in totals], size)


def _top(values: Sequence[float], size: int) -> list[float]:
    """Weights of the ``size`` highest values, ties at the cut sharing the places left."""
    cut = sorted(values, reverse=True)[size - 1]
    above = sum(1 for v in values if v > cut + EPS)
    tied = sum(1 for v in values if abs(v - cut) <= EPS)
    part = (size - above) / tied
    return [1.0 if v > cut + EPS else part if abs(v - cut) <= EPS else 0.0 for v in values]


def item_statistics(
    responses: Iterable[ItemResponse],
    keys: Mapping[Hashable, ChoiceKey] | None = None,
    *,
    min_responses: int = MIN_RESPONSES,
    group_share: float = GROUP_SHARE,
) -> list[ItemStats]:
    """Statistics of every item in ``responses`` (in first-seen order); ``keys`` describe choice items."""
    keys = keys or {}
    by_item: dict[Hashable, list[ItemResponse]] = {}
    totals: dict[Hashable, list[float]] = {}
    seen: set[tuple[Hashable, Hashable]] = set()
    for r in responses:
        if r.max_score <= 0 or not 0 <= r.score <= r.max_score + 1e-9:
            raise ValueError(f"invalid score {r.score} of {r.max_score} for item {r.item_id!r}")
        if (r.attempt_id, r.item_id) in seen:
            raise ValueError(f"attempt {r.attempt_id!r} answers item {r.item_id!r} twice")
        seen.add((r.attempt_id, r.item_id))
        by_item.setdefault(r.item_id, []).append(r)
        acc = totals.setdefault(r.attempt_id, [0.0, 0.0])
        acc[0] += r.score
        acc[1] += r.max_score
    return [
        _item(item_id, rows, totals, keys.get(item_id), min_responses, group_share) for item_id, rows in by_item.items()
    ]


def _item(
    item_id: Hashable,
    rows: list[ItemResponse],
    totals: dict[Hashable, list[float]],
    key: ChoiceKey | None,
    min_responses: int,
    group_share: float,
) -> ItemStats:
    """The statistics of one item."""
    n = len(rows)
    fractions = [r.score / r.max_score for r in rows]
    paired = [
        (f, (totals[r.attempt_id][0] - r.score) / (totals[r.attempt_id][1] - r.max_score))
        for f, r in zip(fractions, rows)
        if totals[r.attempt_id][1] - r.max_score > 0
    ]
    discrimination = pearson([f for f, _ in paired], [x for _, x in paired])
    upper = lower = None
    upper_lower = None
    if n >= 2:
        upper, lower = group_weights([totals[r.attempt_id][0] / totals[r.attempt_id][1] for r in rows], group_share)
        upper_lower = _weighted_mean(upper, fractions) - _weighted_mean(lower, fractions)
    seconds = [r.seconds for r in rows if r.seconds is not None]
    options: tuple[OptionStats, ...] = ()
    omitted = random_guess = None
    if key is not None:
        picks = [set(r.picked or ()) for r in rows]
        options = tuple(_option(o, o in key.correct, picks, upper, lower) for o in key.options)
        omitted = sum(1 for p in picks if not p) / n
        random_guess = random_guess_score(key)
    stats = ItemStats(
        item_id=item_id,
        responses=n,
        facility=mean(fractions) or 0.0,
        sd=sd(fractions),
        discrimination=discrimination,
        upper_lower=upper_lower,
        mean_seconds=mean(seconds),
        random_guess=random_guess,
        omitted=omitted,
        options=options,
        enough_responses=n >= min_responses,
    )
    if n < min_responses:
        return stats
    return replace(stats, flags=tuple(_flags(stats)))


def _weighted_mean(weights: Sequence[float], values: Sequence[float]) -> float:
    """Mean of ``values`` with group membership ``weights``."""
    return sum(w * v for w, v in zip(weights, values)) / sum(weights)


def _option(
    option: str, correct: bool, picks: list[set[str]], upper: list[float] | None, lower: list[float] | None
) -> OptionStats:
    """Who picked ``option``: count, overall share, and weighted shares of the two groups."""
    chose = [1.0 if option in p else 0.0 for p in picks]

    def share(weights: list[float] | None) -> float | None:
        """Weighted share of a group that picked the option."""
        return None if weights is None else _weighted_mean(weights, chose)

    return OptionStats(
        option=option,
        correct=correct,
        picked=int(sum(chose)),
        share=sum(chose) / len(chose),
        upper=share(upper),
        lower=share(lower),
    )


def _flags(s: ItemStats) -> list[Flag]:
    """The flags of an item with enough responses."""
    flags: list[Flag] = []
    if s.facility < FACILITY_LOW:
        flags.append(Flag("facility_low", f"facility {s.facility:.2f} is below {FACILITY_LOW}: too hard, or miskeyed"))
    if s.facility > FACILITY_HIGH:
        flags.append(
            Flag(
                "facility_high",
                f"facility {s.facility:.2f} is above {FACILITY_HIGH}: too easy to tell candidates apart",
            )
        )
    if s.discrimination is not None and s.discrimination < DISCRIMINATION_LOW:
        flags.append(
            Flag(
                "discrimination_low",
                f"discrimination {s.discrimination:.2f} is below "
                f"{DISCRIMINATION_LOW}: strong candidates do not do better on it than weak ones",
            )
        )
    for o in s.options:
        if not o.correct and o.picked == 0:
            flags.append(Flag("distractor_unused", f"distractor {o.option!r} was picked by nobody"))
        if o.upper is None or o.lower is None:
            continue
        if not o.correct and o.upper > o.lower + EPS:
            flags.append(
                Flag(
                    "distractor_attracts_strong",
                    f"distractor {o.option!r} is picked by {o.upper:.0%} "
                    f"of the upper group and {o.lower:.0%} of the lower group",
                )
            )
        if o.correct and o.lower > o.upper + EPS:
            flags.append(
                Flag(
                    "key_favours_weak",
                    f"keyed option {o.option!r} is picked by {o.lower:.0%} "
                    f"of the lower group and only {o.upper:.0%} of the upper group",
                )
            )
    return flags

"""Question exposure: how many candidates saw each question, and an exposure-aware random pool order.

``exposure_order`` replaces the plain shuffle of a draw rule's pool in ``exam.banks.blueprint.draw``:
it is weighted random sampling without replacement (Efraimidis & Spirakis 2006: sort by
``u ** (1 / w)``) with weight ``1 / (1 + exposure) ** strength``, so an unseen question is twice as
likely as one seen once to come first, while every question keeps a chance. ``assign`` then takes
the pools in that order. Deterministic for a seeded ``random.Random``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

__all__ = ["exposure_counts", "exposure_order", "exposure_orders", "exposure_rates", "exposure_weight"]

K = TypeVar("K", bound=Hashable)


def exposure_counts(papers: Iterable[Iterable[K]]) -> dict[K, int]:
    """Number of papers (candidates) showing each question; a question twice on one paper counts once."""
    counts: dict[K, int] = {}
    for paper in papers:
        for qid in dict.fromkeys(paper):
            counts[qid] = counts.get(qid, 0) + 1
    return counts


def exposure_rates(counts: Mapping[K, int], candidates: int) -> dict[K, float]:
    """Share of ``candidates`` who saw each question (0 when there are none)."""
    return {qid: count / candidates if candidates > 0 else 0.0 for qid, count in counts.items()}


def exposure_weight(count: int, strength: float = 1.0) -> float:
    """Sampling weight ``1 / (1 + count) ** strength``; strength 0 means a plain shuffle."""
    return 1.0 / (1 + max(0, count)) ** strength


def exposure_order(pool: Sequence[K], counts: Mapping[K, int], rng: random.Random, strength: float = 1.0) -> list[K]:
    """``pool`` in a random order where less-exposed questions tend to come first."""
    keyed = []
    for index, qid in enumerate(pool):
        u = 1.0 - rng.random()  # in (0, 1]: log(u) is finite
        keyed.append((math.log(u) / exposure_weight(counts.get(qid, 0), strength), index, qid))
    keyed.sort(key=lambda t: (-t[0], t[1]))
    return [qid for _, _, qid in keyed]


def exposure_orders(
    pools: Sequence[Sequence[K]], counts: Mapping[K, int], rng: random.Random, strength: float = 1.0
) -> list[list[K]]:
    """``exposure_order`` of each draw rule's pool, in rule order (one RNG, so one seed fixes all)."""
    return [exposure_order(p, counts, rng, strength) for p in pools]

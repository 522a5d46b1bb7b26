"""Chart data: histogram bins, summaries, option shares and scatter points."""

from __future__ import annotations

import math

import pytest

from exam.analysis.distribution import histogram, option_chart, scatter, summary
from exam.analysis.items import item_statistics
from tests.unit.analysis import dataset


def test_histogram() -> None:
    bins = histogram([0, 5, 10, 55, 99.9, 100, None, -5, 120])
    assert [(b.lo, b.hi) for b in bins][:2] == [(0, 10), (10, 20)] and bins[-1].hi == 100
    # [0,10): 0 5 -5 → 3; [10,20): 10; [50,60): 55; [90,100]: 99.9 100 120 → 3.
    assert [b.count for b in bins] == [3, 1, 0, 0, 0, 1, 0, 0, 0, 3]
    assert [b.count for b in histogram([1, 2, 3], lo=0, hi=4, width=2)] == [1, 2]
    with pytest.raises(ValueError):
        histogram([1], width=0)


def test_summary() -> None:
    s = summary([3, 1, 2, None, 4])
    # Mean 10/4 = 2.5; sample variance (2.25 + .25 + .25 + 2.25)/3 = 5/3; median (2 + 3)/2.
    assert (s.n, s.mean, s.min, s.median, s.max) == (4, 2.5, 1, 2.5, 4)
    assert s.sd == pytest.approx(math.sqrt(5 / 3))
    assert summary([1, 2, 3]).median == 2
    assert summary([]).as_dict() == {"n": 0, "mean": None, "sd": None, "min": None, "median": None, "max": None}
    assert summary([7]).sd is None


def test_option_chart() -> None:
    q3 = item_statistics(dataset.responses(), dataset.KEYS)[2]
    assert option_chart(q3) == [
        {"option": "a", "correct": False, "all": 0.25, "upper": 1.0, "lower": 0.0},
        {"option": "b", "correct": False, "all": 0.25, "upper": 0.0, "lower": 0.25},
        {"option": "c", "correct": True, "all": 0.5, "upper": 0.0, "lower": 0.75},
        {"option": "d", "correct": False, "all": 0.0, "upper": 0.0, "lower": 0.0},
    ]


def test_scatter() -> None:
    assert scatter([80, None, 60, 50], [1, 0, None, 0.5]) == [(80.0, 1.0), (50.0, 0.5)]

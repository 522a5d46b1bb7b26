"""Item statistics on the fixed dataset (see dataset.py), every figure worked out by hand."""

from __future__ import annotations

import math

import pytest

from exam.analysis.items import ChoiceKey, ItemResponse, group_weights, item_statistics, random_guess_score
from tests.unit.analysis import dataset

approx = pytest.approx


@pytest.fixture(scope="module")
def stats() -> dict:
    """Statistics of the dataset, with flags allowed from 8 responses."""
    return {s.item_id: s for s in item_statistics(dataset.responses(), dataset.KEYS, min_responses=8)}


def test_responses_and_order(stats: dict) -> None:
    assert list(stats) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert all(s.responses == 8 and s.enough_responses for s in stats.values())


def test_facility_and_sd(stats: dict) -> None:
    # Facility = mean fraction of the marks. Q1: 6 right of 8 = 0.75; Q2 and Q3: 4/8; Q4: 3/8.
    # Q5 (0-2): fractions 1, 1, .5, .5, .5, .5, 0, 0 → 4 / 8 = 0.5.
    assert [stats[q].facility for q in dataset.ITEMS] == approx([0.75, 0.5, 0.5, 0.375, 0.5])
    # Sample SD of the fractions: var = (Σf² - (Σf)²/n) / (n - 1).
    # Q1: (6 - 36/8) / 7 = 3/14; Q2, Q3: (4 - 2) / 7 = 2/7; Q4: (3 - 9/8) / 7 = 15/56; Q5: (3 - 16/8) / 7 = 1/7.
    expected = [math.sqrt(v) for v in (3 / 14, 2 / 7, 2 / 7, 15 / 56, 1 / 7)]
    assert [stats[q].sd for q in dataset.ITEMS] == approx(expected)


def test_discrimination_with_rest_of_paper(stats: dict) -> None:
    # r = Sxy / sqrt(Sxx·Syy) with x the item points and y the rest (total - item) points,
    # Sxy = Σxy - ΣxΣy/n, Sxx = Σx² - (Σx)²/n, Syy = Σy² - (Σy)²/n, n = 8.
    # Q1: x 1 1 1 1 0 1 1 0, rest 4 4 3 2 3 1 1 1: Σx 6, Σy 19, Σxy 15, Σx² 6, Σy² 57
    #     Sxy = 15 - 114/8 = 0.75, Sxx = 1.5, Syy = 57 - 361/8 = 11.875 → r = 0.75 / √17.8125 = 0.17770
    # Q2: x 1 1 1 0 1 0 0 0, rest 4 4 3 3 2 2 2 1: Σx 4, Σy 21, Σxy 13, Σx² 4, Σy² 63
    #     Sxy = 13 - 84/8 = 2.5, Sxx = 2, Syy = 63 - 441/8 = 7.875 → r = 2.5 / √15.75 = 0.62994
    # Q3: x 0 0 1 0 1 0 1 1, rest 5 5 3 3 2 2 1 0: Σxy 6, Σy 21, Σy² 77
    #     Sxy = 6 - 10.5 = -4.5, Sxx = 2, Syy = 77 - 55.125 = 21.875 → r = -4.5 / √43.75 = -0.68034
    # Q4: x 1 1 0 1 0 0 0 0, rest 4 4 4 2 3 2 2 1: Σx 3, Σy 22, Σxy 10, Σy² 70
    #     Sxy = 10 - 66/8 = 1.75, Sxx = 3 - 9/8 = 1.875, Syy = 70 - 60.5 = 9.5 → r = 1.75 / √17.8125 = 0.41465
    # Q5: x 2 2 1 1 1 1 0 0, rest 3 3 3 2 2 1 2 1: Σx 8, Σy 17, Σxy 20, Σx² 12, Σy² 41
    #     Sxy = 20 - 17 = 3, Sxx = 12 - 8 = 4, Syy = 41 - 289/8 = 4.875 → r = 3 / √19.5 = 0.67937
    expected = [
        0.75 / math.sqrt(17.8125),
        2.5 / math.sqrt(15.75),
        -4.5 / math.sqrt(43.75),
        1.75 / math.sqrt(17.8125),
        3 / math.sqrt(19.5),
    ]
    assert [stats[q].discrimination for q in dataset.ITEMS] == approx(expected)
    assert expected == approx([0.17770, 0.62994, -0.68034, 0.41465, 0.67937], abs=1e-5)


def test_discrimination_cross_check_point_biserial_formula(stats: dict) -> None:
    # Independent method for a right/wrong item: r_pb = (M1 - M0) / s_n · √(p·q), s_n the population SD.
    # Q2 rest of those right (A B C E): 4 4 3 2 → M1 = 3.25; of those wrong (D F G H): 3 2 2 1 → M0 = 2.
    # s_n = √(Syy / n) = √(7.875 / 8); p = q = 0.5.
    r_pb = (3.25 - 2) / math.sqrt(7.875 / 8) * math.sqrt(0.5 * 0.5)
    assert stats["Q2"].discrimination == approx(r_pb)


def test_upper_lower_index_with_tie_at_the_cut(stats: dict) -> None:
    # Upper group A, B; lower group H plus F and G at weight 1/2 each (tied at total 2).
    # D = mean fraction upper - weighted mean fraction lower (lower weights sum to 2).
    # Q1: 1 - (0 + ½·1 + ½·1)/2 = 0.5     Q2: 1 - 0 = 1     Q3: 0 - (1 + ½·0 + ½·1)/2 = -0.75
    # Q4: 1 - 0 = 1                        Q5: 1 - (0 + ½·0.5 + ½·0)/2 = 0.875
    assert [stats[q].upper_lower for q in dataset.ITEMS] == approx([0.5, 1.0, -0.75, 1.0, 0.875])


def test_group_weights() -> None:
    totals = [5, 5, 4, 3, 3, 2, 2, 1]
    upper, lower = group_weights(totals)
    assert upper == [1, 1, 0, 0, 0, 0, 0, 0]
    assert lower == [0, 0, 0, 0, 0, 0.5, 0.5, 1]
    # Input order does not matter.
    assert group_weights(list(reversed(totals)))[1] == [1, 0.5, 0.5, 0, 0, 0, 0, 0]
    # Two candidates tied: the one place of each group is shared, half each.
    assert group_weights([3, 3]) == ([0.5, 0.5], [0.5, 0.5])


def test_option_analysis(stats: dict) -> None:
    def table(item: str) -> list[tuple]:
        return [(o.option, o.correct, o.picked, o.share, o.upper, o.lower) for o in stats[item].options]

    # Q1: a by A B C D F G (6), b by E, c by H, d by nobody.
    # Upper (A, B): a 2/2. Lower: H picked c (weight 1), F and G picked a (weight ½ each): a = 1/2, c = 1/2.
    assert table("Q1") == [
        ("a", True, 6, 0.75, 1.0, 0.5),
        ("b", False, 1, 0.125, 0.0, 0.0),
        ("c", False, 1, 0.125, 0.0, 0.5),
        ("d", False, 0, 0.0, 0.0, 0.0),
    ]
    # Q3 (bad item): the strong A and B pick distractor a; the weak pick the key c.
    # Lower: c by H (1) and G (½) → 1.5/2 = 0.75; b by F (½) → 0.25.
    assert table("Q3") == [
        ("a", False, 2, 0.25, 1.0, 0.0),
        ("b", False, 2, 0.25, 0.0, 0.25),
        ("c", True, 4, 0.5, 0.0, 0.75),
        ("d", False, 0, 0.0, 0.0, 0.0),
    ]
    assert table("Q4") == [("true", True, 3, 0.375, 1.0, 0.0), ("false", False, 5, 0.625, 0.0, 1.0)]
    assert stats["Q1"].omitted == 0.0
    assert stats["Q5"].options == () and stats["Q5"].omitted is None


def test_flags_with_reasons(stats: dict) -> None:
    codes = {q: [f.code for f in s.flags] for q, s in stats.items()}
    assert codes == {
        "Q1": ["discrimination_low", "distractor_unused"],
        "Q2": [],
        "Q3": ["discrimination_low", "distractor_attracts_strong", "key_favours_weak", "distractor_unused"],
        "Q4": [],
        "Q5": [],
    }
    assert "0.18" in stats["Q1"].flags[0].reason
    assert "'a'" in stats["Q3"].flags[1].reason and "100%" in stats["Q3"].flags[1].reason


def test_no_flags_below_min_responses() -> None:
    stats = item_statistics(dataset.responses(), dataset.KEYS)  # default minimum 30
    assert all(s.flags == () and not s.enough_responses for s in stats)
    assert stats[2].discrimination == approx(-0.68034, abs=1e-5)  # the figures are still there


def test_time_and_random_guess(stats: dict) -> None:
    assert stats["Q1"].mean_seconds == 45.0  # (10 + 20 + ... + 80) / 8 = 360 / 8
    assert stats["Q2"].mean_seconds is None
    assert [stats[q].random_guess for q in ("Q1", "Q2", "Q4", "Q5")] == approx([1 / 4, 1 / 3, 1 / 2, None])


def test_random_guess_multiple_choice() -> None:
    # Options a b c, key {a, b}: 7 non-empty subsets equally likely.
    # All-or-nothing: only {a, b} scores → 1/7.
    # Partial, max(0, (right - wrong) / 2): {a} .5, {b} .5, {c} 0, {a,b} 1, {a,c} 0, {b,c} 0, {a,b,c} .5 → 2.5/7.
    key = ChoiceKey(("a", "b", "c"), ("a", "b"), kind="multiple_choice")
    assert random_guess_score(key) == approx(1 / 7)
    assert random_guess_score(ChoiceKey(("a", "b", "c"), ("a", "b"), "multiple_choice", "partial")) == approx(2.5 / 7)


def test_json_shape(stats: dict) -> None:
    d = stats["Q3"].as_dict()
    assert d["item"] == "Q3" and d["responses"] == 8 and d["facility"] == 0.5
    assert d["discrimination"] == -0.6803 and d["flags"][0]["code"] == "discrimination_low"
    assert d["options"][0] == {"option": "a", "correct": False, "picked": 2, "share": 0.25, "upper": 1.0, "lower": 0.0}


def _same(item: str, scores: list[float], min_responses: int = 5) -> object:
    """One item answered by len(scores) candidates who also answered a varying second item."""
    rows = []
    for i, s in enumerate(scores):
        rows.append(ItemResponse(i, item, s, picked=("a",) if s else ("b",)))
        rows.append(ItemResponse(i, "other", i % 2))
    key = {item: ChoiceKey(("a", "b"), ("a",))}
    return item_statistics(rows, key, min_responses=min_responses)[0]


def test_all_right() -> None:
    s = _same("easy", [1, 1, 1, 1, 1])
    assert s.facility == 1.0 and s.sd == 0.0
    assert s.discrimination is None  # the item does not vary: no correlation
    assert s.upper_lower == 0.0
    assert [f.code for f in s.flags] == ["facility_high", "distractor_unused"]


def test_all_wrong() -> None:
    s = _same("hard", [0, 0, 0, 0, 0])
    assert s.facility == 0.0 and s.discrimination is None
    assert [f.code for f in s.flags] == ["facility_low"]
    assert s.options[0].picked == 0 and s.options[1].share == 1.0


def test_one_respondent() -> None:
    s = item_statistics(
        [ItemResponse("x", "Q", 1, picked=("a",))], {"Q": ChoiceKey(("a", "b"), ("a",))}, min_responses=1
    )[0]
    assert (s.responses, s.facility, s.sd, s.discrimination, s.upper_lower) == (1, 1.0, None, None, None)
    assert s.options[0].upper is None
    # Only the flags that need no groups or correlation: facility and the unused distractor.
    assert [f.code for f in s.flags] == ["facility_high", "distractor_unused"]


def test_missing_and_blank_responses() -> None:
    # p4's paper did not draw Z; p3 left X blank (score 0, nothing picked).
    #        X  Y  Z   total fraction
    #   p1   1  1  1   3/3
    #   p2   1  0  1   2/3
    #   p3   0  1  0   1/3
    #   p4   0  0  -   0/2
    # X rest fractions: p1 2/2 = 1, p2 1/2, p3 1/2, p4 0/1 = 0; x 1 1 0 0.
    # Deviations: x ±.5, rest .5 0 0 -.5 → Sxy = .25 + .25 = .5, Sxx = 1, Syy = .5 → r = .5/√.5 = 0.7071.
    table = {"p1": (1, 1, 1), "p2": (1, 0, 1), "p3": (0, 1, 0), "p4": (0, 0, None)}
    picks = {"p1": ("a",), "p2": ("a",), "p3": (), "p4": ("b",)}
    rows = [
        ItemResponse(p, item, s, picked=picks[p] if item == "X" else None)
        for p, scores in table.items()
        for item, s in zip("XYZ", scores)
        if s is not None
    ]
    stats = {s.item_id: s for s in item_statistics(rows, {"X": ChoiceKey(("a", "b"), ("a",))}, min_responses=1)}
    assert stats["X"].responses == 4 and stats["Z"].responses == 3
    assert stats["X"].discrimination == approx(0.5 / math.sqrt(0.5))
    assert stats["Z"].facility == approx(2 / 3)
    assert stats["X"].omitted == 0.25  # p3 picked nothing
    # Groups of round(0.27·4) = 1: upper p1 (X right), lower p4 (X wrong) → D = 1.
    assert stats["X"].upper_lower == 1.0


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match="twice"):
        item_statistics([ItemResponse(1, "Q", 1), ItemResponse(1, "Q", 0)])
    with pytest.raises(ValueError, match="invalid score"):
        item_statistics([ItemResponse(1, "Q", 2, max_score=1)])

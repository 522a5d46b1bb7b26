"""Typing grading: the public cases, the definition, and the fast edit distance against a plain DP."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam.grading.typing import grade_typing, normalise, prefix_edit_distance, round_half_up

CASES = json.loads((Path(__file__).parents[1] / "data" / "calibration" / "typing_cases.public.json").read_text("utf-8"))
CONTRACT_KEYS = ["typed", "attempted", "errors", "net_chars", "net_cpm", "gross_cpm", "accuracy"]


def reference_prefix_distance(reference: str, typed: str) -> tuple[int, int]:
    """Plain O(n*m) DP: min over prefixes of the reference, and the longest prefix reaching it."""
    m = len(typed)
    column = list(range(m + 1))  # distances of typed[:i] to the empty prefix
    best, best_j = column[m], 0
    for j, ch in enumerate(reference, 1):
        new = [j] + [0] * m
        for i in range(1, m + 1):
            new[i] = min(column[i] + 1, new[i - 1] + 1, column[i - 1] + (typed[i - 1] != ch))
        column = new
        if column[m] <= best:
            best, best_j = column[m], j
    return best, best_j


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_public_cases_match_exactly(case: dict) -> None:
    result = grade_typing(case["reference"], case["typed"], case["seconds"]).as_dict()
    assert result == case["expected"]
    assert list(result) == CONTRACT_KEYS


def test_normalise_nfkc_and_whitespace() -> None:
    assert normalise(" 您好，\n欢 迎\t光临！\u3000") == "您好,欢迎光临!"
    assert normalise("ＡＢＣ１２３") == "ABC123"


def test_substitution_counts_one_error() -> None:
    r = grade_typing("您好欢迎光临", "您好欢营光临", 6)
    assert (r.typed, r.attempted, r.errors, r.net_chars) == (6, 6, 1, 5)
    assert r.net_cpm == 50.0 and r.gross_cpm == 60.0 and r.accuracy == 0.8333


def test_untyped_rest_of_reference_is_not_an_error() -> None:
    r = grade_typing("您好欢迎光临本店", "您好欢迎", 60)
    assert (r.attempted, r.errors, r.accuracy) == (4, 0, 1.0)


def test_longest_prefix_wins_ties() -> None:
    # typed "ba": prefix "" needs 2 edits, "a" needs 1 (insert b), "ab" needs 2; so E=1, k=1.
    assert prefix_edit_distance("ab", "ba") == (1, 1)
    # "aa" typed against "a": prefix "a" needs 1 insert, prefix "" needs 2; attempted is 1.
    assert prefix_edit_distance("a", "aa") == (1, 1)
    # typing nothing: zero errors, nothing attempted
    assert prefix_edit_distance("您好", "") == (0, 0)
    # empty reference: every typed character is an error
    assert prefix_edit_distance("", "abc") == (3, 0)


def test_empty_typed_gives_zero_accuracy() -> None:
    r = grade_typing("您好", "", 30)
    assert r.as_dict() == {
        "typed": 0,
        "attempted": 0,
        "errors": 0,
        "net_chars": 0,
        "net_cpm": 0.0,
        "gross_cpm": 0.0,
        "accuracy": 0.0,
    }


def test_net_chars_never_negative() -> None:
    r = grade_typing("ab", "xyzxyz", 60)
    assert r.net_chars == 0 and r.net_cpm == 0.0


def test_seconds_must_be_positive() -> None:
    with pytest.raises(ValueError):
        grade_typing("a", "a", 0)
    with pytest.raises(ValueError):
        grade_typing("a", "a", -5)


def test_round_half_up() -> None:
    assert round_half_up(Fraction(5, 100), 1) == 0.1
    assert round_half_up(0.25, 1) == 0.3  # Python's round gives 0.2
    assert round_half_up(Fraction(2, 3), 4) == 0.6667
    assert round_half_up(Fraction(1, 8), 2) == 0.13
    assert round_half_up(-0.25, 1) == -0.3


def test_fractional_seconds_use_decimal_value() -> None:
    # 35 chars in 17.5 s = 120 cpm exactly
    r = grade_typing("a" * 35, "a" * 35, 17.5)
    assert r.net_cpm == 120.0


def test_long_passage_matches_reference_dp() -> None:
    import random

    rng = random.Random(7)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就"
    ref = "".join(rng.choice(alphabet) for _ in range(600))
    typed = list(ref[:500])
    for _ in range(40):
        op = rng.randrange(3)
        pos = rng.randrange(len(typed))
        if op == 0:
            typed[pos] = rng.choice(alphabet)
        elif op == 1:
            del typed[pos]
        else:
            typed.insert(pos, rng.choice(alphabet))
    t = "".join(typed)
    assert prefix_edit_distance(ref, t) == reference_prefix_distance(ref, t)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="abcd您好", max_size=40), st.text(alphabet="abcd您好", max_size=40))
def test_bit_parallel_equals_plain_dp(reference: str, typed: str) -> None:
    assert prefix_edit_distance(reference, typed) == reference_prefix_distance(reference, typed)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab", min_size=60, max_size=150), st.text(alphabet="abc", min_size=60, max_size=150))
def test_bit_parallel_beyond_one_machine_word(reference: str, typed: str) -> None:
    assert prefix_edit_distance(reference, typed) == reference_prefix_distance(reference, typed)

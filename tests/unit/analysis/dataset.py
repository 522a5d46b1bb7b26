"""The small fixed dataset the analysis tests compute by hand: 8 candidates × 5 items.

Q1-Q3 are single-choice items (1 point), Q4 true/false (1 point), Q5 a reply scored 0-2.

    cand  Q1 Q2 Q3 Q4 Q5 | total  picks Q1 Q2 Q3 Q4
    A      1  1  0  1  2 |   5          a  b  a  true
    B      1  1  0  1  2 |   5          a  b  a  true
    C      1  1  1  0  1 |   4          a  b  c  false
    D      1  0  0  1  1 |   3          a  a  b  true
    E      0  1  1  0  1 |   3          b  b  c  false
    F      1  0  0  0  1 |   2          a  c  b  false
    G      1  0  1  0  0 |   2          a  a  c  false
    H      0  0  1  0  0 |   1          c  a  c  false

Keys: Q1 a (options a b c d), Q2 b (a b c), Q3 c (a b c d: a deliberately bad item), Q4 true.
Every paper is worth 6 points, so total fractions are totals / 6 and rest fractions are linear in
the rest points: correlations are the same on points, which the comments use.

Upper/lower 27 % groups: 0.27 × 8 = 2.16 → 2 candidates. Upper: A, B (5, 5). Lower: H (1) and
then F and G tied at 2 for the one place left, each counting with weight 1/2.
"""

from __future__ import annotations

from exam.analysis.items import ChoiceKey, ItemResponse

CANDIDATES = "ABCDEFGH"
ITEMS = ("Q1", "Q2", "Q3", "Q4", "Q5")
MAX = (1, 1, 1, 1, 2)
SCORES = {
    "A": (1, 1, 0, 1, 2),
    "B": (1, 1, 0, 1, 2),
    "C": (1, 1, 1, 0, 1),
    "D": (1, 0, 0, 1, 1),
    "E": (0, 1, 1, 0, 1),
    "F": (1, 0, 0, 0, 1),
    "G": (1, 0, 1, 0, 0),
    "H": (0, 0, 1, 0, 0),
}
PICKS = {
    "A": ("a", "b", "a", "true"),
    "B": ("a", "b", "a", "true"),
    "C": ("a", "b", "c", "false"),
    "D": ("a", "a", "b", "true"),
    "E": ("b", "b", "c", "false"),
    "F": ("a", "c", "b", "false"),
    "G": ("a", "a", "c", "false"),
    "H": ("c", "a", "c", "false"),
}
KEYS = {
    "Q1": ChoiceKey(("a", "b", "c", "d"), ("a",)),
    "Q2": ChoiceKey(("a", "b", "c"), ("b",)),
    "Q3": ChoiceKey(("a", "b", "c", "d"), ("c",)),
    "Q4": ChoiceKey(("true", "false"), ("true",), kind="true_false"),
}
# Seconds spent on Q1 by A..H: mean = (10+20+...+80) / 8 = 360 / 8 = 45.
Q1_SECONDS = {c: 10.0 * (i + 1) for i, c in enumerate(CANDIDATES)}


def responses() -> list[ItemResponse]:
    """The dataset as graded responses, candidate by candidate."""
    rows = []
    for c in CANDIDATES:
        for i, item in enumerate(ITEMS):
            rows.append(
                ItemResponse(
                    attempt_id=c,
                    item_id=item,
                    score=SCORES[c][i],
                    max_score=MAX[i],
                    picked=(PICKS[c][i],) if i < 4 else None,
                    seconds=Q1_SECONDS[c] if item == "Q1" else None,
                )
            )
    return rows


def matrix(items: tuple[int, ...] = (0, 1, 2, 3, 4)) -> list[list[float]]:
    """Rows A..H of the chosen item columns."""
    return [[float(SCORES[c][i]) for i in items] for c in CANDIDATES]

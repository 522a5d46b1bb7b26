"""A candidate's report ranks one attempt with conditional counts: the same rank and percentile as the ranking's
window functions (ties, hard requirements met or not, unscored attempts), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import select

from exam.models import Attempt
from exam.services.ranking import ranks_and_percentiles
from exam.services.reports import rank_of
from exam.services.sample import seed_opening


def test_rank_of_one_attempt_equals_the_window_functions(session) -> None:  # type: ignore[no-untyped-def]
    sample = seed_opening(session, 60, with_answers=False, seed=5, in_progress=2)
    attempts = session.exec(select(Attempt).where(Attempt.opening_id == sample.opening.id)).all()
    graded = [a for a in attempts if a.hiring_score is not None]
    # ties across and within the hard-requirement groups
    for a, b in zip(graded[0:10], graded[10:20], strict=True):
        b.hiring_score = a.hiring_score
        session.add(b)
    graded[20].hiring_score, graded[20].hard_requirements_met = 50.0, True
    graded[21].hiring_score, graded[21].hard_requirements_met = 50.0, False
    graded[22].hiring_score, graded[22].hard_requirements_met = 50.0, None
    session.commit()
    expected = ranks_and_percentiles(session, sample.opening.id)  # type: ignore[arg-type]
    assert {a.hard_requirements_met for a in graded} >= {True, False}
    for attempt in attempts:
        rank, percentile, total = rank_of(session, attempt)
        assert total == len(graded)
        if attempt.hiring_score is None:
            assert (rank, percentile) == (None, None) and attempt.id not in expected
        else:
            assert (rank, percentile) == expected[attempt.id], attempt.id  # type: ignore[index]

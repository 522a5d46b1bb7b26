"""Exposure: counted when papers are drawn; the blueprint draw prefers less-exposed questions, stays random."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlmodel import Session

from exam.banks.blueprint import draw
from exam.banks.profile import Profile
from exam.questions.registry import parse_question
from exam.services import attempts, exposure, openings
from exam.timeutil import utcnow
from tests.unit.stats import dataset

PROFILE = Profile.model_validate(
    {
        **dataset.PROFILE,
        "sections": [{**dataset.PROFILE["sections"][0], "draw": [{"type": "single_choice", "count": 2}]}],
    }
)
QUESTIONS = {q: parse_question(dataset.choice(q, f"{q} 的题干：哪一个正确？")) for q in ("q1", "q2", "q3", "q4")}


def _picks(counts: dict[str, int] | None, runs: int = 2000) -> Counter:
    rng = random.Random(7)
    seen: Counter = Counter()
    for _ in range(runs):
        for _section, ids in draw(PROFILE, QUESTIONS, rng, counts):
            seen.update(ids)
    return seen


def test_draw_prefers_less_exposed_questions_but_keeps_every_one() -> None:
    plain = _picks(None)
    weighted = _picks({"q1": 40, "q2": 0, "q3": 0, "q4": 0})
    # without exposure each question is on about half the papers; heavily exposed q1 now much less often
    assert all(900 < plain[q] < 1100 for q in QUESTIONS)
    assert weighted["q1"] < plain["q1"] / 3
    assert weighted["q1"] > 0 and all(weighted[q] > 1100 for q in ("q2", "q3", "q4"))


def test_draw_is_deterministic_for_a_seed() -> None:
    counts = {"q1": 3, "q2": 1}
    first = draw(PROFILE, QUESTIONS, random.Random(3), counts)
    again = draw(PROFILE, QUESTIONS, random.Random(3), counts)
    assert [ids for _s, ids in first] == [ids for _s, ids in again]


def test_starting_an_attempt_counts_exposure(session: Session) -> None:
    dataset.store(session, list(dataset.choice(q, f"{q} 的题干：哪一个正确？") for q in dataset.ITEMS), dataset.PROFILE)
    opening = dataset.opening_for(session, dataset.PROFILE["id"])
    for name in ("甲", "乙", "丙"):
        invitation, _ = openings.invite(
            session, opening, name=name, phone=f"1380000{len(name) + ord(name):04d}"[-11:], secret_key="k" * 32
        )
        candidate = openings.candidate_for(session, invitation)
        attempts.accept_notice(session, invitation)
        attempts.start_attempt(session, invitation, candidate, now=utcnow() + timedelta(seconds=1))
        session.commit()
    assert exposure.counts(session) == {q: 3 for q in dataset.ITEMS}
    exposure.add_counts(session, {"k1": 2, "zz": 0})
    session.commit()
    assert exposure.counts(session)["k1"] == 5 and "zz" not in exposure.counts(session)

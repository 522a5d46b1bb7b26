"""The statistics service on a real database, checked against figures worked out by hand (see dataset.py)."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session

from exam.models import Opening, StatsSnapshot
from exam.services import stats
from tests.unit.stats import dataset

approx = pytest.approx


@pytest.fixture
def opening(session: Session) -> Opening:
    return dataset.knowledge_opening(session)


def _items(data: dict) -> dict:
    return {i["question_id"]: i for i in data["items"]}


def test_item_statistics_from_finished_attempts(session: Session, opening: Opening) -> None:
    data, rows = stats.compute_opening(session, opening, min_responses=6)
    assert data["attempts"] == 6 and len(rows) == 24
    items = _items(data)
    assert [items[q]["responses"] for q in dataset.ITEMS] == [6, 6, 6, 6]
    # facility: K1 5 of 6 right, K2 3, K3 4, K4 1
    assert [items[q]["facility"] for q in dataset.ITEMS] == approx([5 / 6, 3 / 6, 4 / 6, 1 / 6], abs=1e-4)
    # discrimination with the rest of the section: K1 x = 1 1 1 1 0 1, rest = 3 2 1 1 1 0:
    # Sxy = 7 - 5·8/6 = 1/3, Sxx = 5 - 25/6 = 5/6, Syy = 16 - 64/6 = 16/3 → r = (1/3)/√(40/9) = 1/(2√10)
    assert items["k1"]["discrimination"] == approx(1 / (2 * math.sqrt(10)), abs=1e-4)
    # K4 x = 1 0 0 0 0 0, rest = 3 3 2 2 1 1: Sxy = 3 - 2 = 1, Sxx = 5/6, Syy = 28 - 24 = 4 → r = 1/√(10/3)
    assert items["k4"]["discrimination"] == approx(1 / math.sqrt(10 / 3), abs=1e-4)
    # upper group A, B; lower group E, F (27 % of 6 → 2): K2 right for A, B, wrong for E, F → D = 1
    assert items["k2"]["upper_lower"] == approx(1.0)
    # mean time reported for K1: 10, 20, …, 60 s
    assert items["k1"]["mean_seconds"] == approx(35.0)
    assert items["k2"]["mean_seconds"] is None


def test_option_analysis_and_flags(session: Session, opening: Opening) -> None:
    data, _rows = stats.compute_opening(session, opening, min_responses=6)
    k2 = _items(data)["k2"]
    options = {o["option"]: o for o in k2["options"]}
    assert {k: o["picked"] for k, o in options.items()} == {"a": 3, "b": 2, "c": 1, "d": 0}
    # b: picked by F (lower group, 1 of 2) and nobody in the upper group
    assert (options["b"]["upper"], options["b"]["lower"]) == (0.0, 0.5)
    assert options["a"]["correct"] and (options["a"]["upper"], options["a"]["lower"]) == (1.0, 0.0)
    codes = {f["code"] for f in k2["flags"]}
    assert "distractor_unused" in codes  # d
    # K4: facility 1/6 < 0.2 → too hard; K1: discrimination 0.16 < 0.2
    assert "facility_low" in {f["code"] for f in _items(data)["k4"]["flags"]}
    assert "discrimination_low" in {f["code"] for f in _items(data)["k1"]["flags"]}


def test_no_flags_below_the_minimum_of_responses(session: Session, opening: Opening) -> None:
    data, _rows = stats.compute_opening(session, opening)  # the default minimum is 30
    assert all(not i["flags"] and not i["enough_responses"] for i in data["items"])


def test_section_and_exam_reliability_kr20_and_sem(session: Session, opening: Opening) -> None:
    data, _rows = stats.compute_opening(session, opening, min_responses=6)
    knowledge = data["sections"][0]["reliability"]
    # KR-20 = k/(k-1)·(1 - Σpq / σ²): Σpq = 5/36 + 1/4 + 2/9 + 5/36 = 3/4; totals 4 3 2 2 1 1 have
    # population variance 35/6 - (13/6)² = 41/36 → 4/3·(1 - 27/41) = 56/123
    assert knowledge["method"] == "kr20" and knowledge["kr20"] == approx(56 / 123, abs=1e-4)
    # SEM = sample SD × √(1 - r): sample variance 41/30
    sem = math.sqrt(41 / 30) * math.sqrt(1 - 56 / 123)
    assert knowledge["sem"] == approx(sem, abs=1e-4)
    assert knowledge["sem_percent"] == approx(100 * sem / 4, abs=1e-3)
    assert (knowledge["items"], knowledge["n"]) == (4, 6)
    # the whole exam is that one section here, each item as its fraction of the marks
    assert data["exam"]["kr20"] == approx(56 / 123, abs=1e-4)


def test_hiring_score_split_half_reliability(session: Session, opening: Opening) -> None:
    data, _rows = stats.compute_opening(session, opening)
    hiring = data["hiring"]
    # halves: K1+K3 → 100 100 100 50 50 50, K2+K4 → 100 50 0 50 0 0 (percent of each half)
    # alpha of two parts = 2·(1 - (750 + 5000/3) / (10250/3)) = 24/41
    assert hiring["alpha"] == approx(24 / 41, abs=1e-4)
    # hiring scores 100 75 50 50 25 25: sample variance 10250/12; SEM = SD·√(17/41)
    assert hiring["sem"] == approx(math.sqrt(10250 / 12 * 17 / 41), abs=1e-3)
    assert hiring["criteria"] == ["knowledge"]
    assert hiring["summary"]["mean"] == approx(54.17, abs=0.01)
    assert [b[2] for b in hiring["bins"]] == [0, 0, 2, 0, 0, 2, 0, 1, 0, 1]


def test_snapshots_are_stored_and_recomputed_when_stale(session: Session, opening: Opening) -> None:
    figures = stats.opening_figures(session, opening.id)  # type: ignore[arg-type]
    assert figures is not None and not figures.stale
    stored = session.get(StatsSnapshot, stats.opening_scope(opening.id))  # type: ignore[arg-type]
    assert stored is not None and stored.data["hiring"]["n"] == 6
    items = stats.item_figures(session)
    assert items is not None and {i["question_id"] for i in items.data["items"]} == set(dataset.ITEMS)
    # another finished attempt makes the snapshots stale; reading them recomputes
    versions = {q: dataset.version_ids(session, q)[-1] for q in dataset.ITEMS}
    dataset.finished_attempt(
        session, opening, "G", [("knowledge", q, versions[q], {"choice": "a"}) for q in dataset.ITEMS]
    )
    assert stats.item_figures(session, recompute=False).stale  # type: ignore[union-attr]
    fresh = stats.opening_figures(session, opening.id)  # type: ignore[arg-type]
    assert fresh is not None and fresh.data["hiring"]["n"] == 7 and not fresh.stale
    assert stats.refresh(session.get_bind()) >= 1  # type: ignore[arg-type]
    assert stats.refresh(session.get_bind()) == 0  # nothing new


def test_report_for_the_cli(session: Session, opening: Opening) -> None:
    report = stats.report(session, opening.id, min_responses=6)
    assert report["opening"] == opening.id and report["attempts"] == 6
    item = next(i for i in report["items"] if i["question"] == "k1")
    assert {"facility", "discrimination", "responses", "flags"} <= set(item)
    paper = report["papers"][0]
    assert paper["kr20"] == approx(56 / 123, abs=1e-4) and paper["sem"] > 0
    assert paper["sections"][0]["id"] == "knowledge"
    with pytest.raises(LookupError):
        stats.report(session, 999_999)


def test_flagged_ids_follow_the_current_version(session: Session, opening: Opening) -> None:
    data, _openings = stats.compute_items(session, min_responses=6)
    figures = stats.Figures(data, opening.created_at, False)
    assert "k4" in stats.flagged_ids(session, figures)
    # a new version of K4 (the question is fixed) has no statistics yet: no longer flagged
    from exam.questions.registry import parse_question
    from exam.services.bank_store import store_question

    fixed = dataset.choice("k4", "第 K4 题（改写）：下列做法哪一个正确？")
    store_question(session, parse_question(fixed))
    session.commit()
    assert "k4" not in stats.flagged_ids(session, figures)

"""Ranking queries (SQL filters, sorting, pagination), ranks and percentiles, distribution, stats."""

from __future__ import annotations

import pytest
from sqlmodel import select

from exam.models import Attempt
from exam.services import ranking
from exam.services.ranking import Filters, percentile_rank
from exam.services.sample import seed_opening
from exam.zhtext import pinyin_key


@pytest.mark.parametrize(
    "below, equal, total, expected",
    [
        (0, 1, 1, 50.0),
        (9, 1, 10, 95.0),
        (0, 1, 10, 5.0),
        (4, 2, 10, 50.0),
        (0, 0, 0, None),
    ],
)
def test_percentile_rank(below: int, equal: int, total: int, expected: float | None) -> None:
    assert percentile_rank(below, equal, total) == expected


def test_filters_parse_ignores_junk() -> None:
    f = Filters.parse(
        {
            "status": "graded",
            "requirements": "maybe",
            "score_min": "60",
            "score_max": "abc",
            "signals": "some",
            "decision": "fire",
            "band": "推荐",
            "q": "  王 ",
        }
    )
    assert f == Filters(status="graded", score_min=60.0, signals="some", band="推荐", q="王")
    assert ("score_min", "60") in f.items()
    assert Filters.parse({"score_min": "nan"}).score_min is None
    assert not Filters().active


@pytest.fixture
def opening(session):  # type: ignore[no-untyped-def]
    data = seed_opening(session, 40, in_progress=3, with_answers=False, seed=5)
    session.commit()
    return data.opening


def _all(session, opening_id):  # type: ignore[no-untyped-def]
    return session.exec(select(Attempt).where(Attempt.opening_id == opening_id)).all()


def _rank_key(a: Attempt):  # type: ignore[no-untyped-def]
    return (0 if a.hard_requirements_met else 1, -(a.hiring_score if a.hiring_score is not None else -1e9))


def test_default_order_is_met_first_then_score(session, opening) -> None:  # type: ignore[no-untyped-def]
    page = ranking.fetch_page(session, opening.id, per_page=200)
    assert page.total == 43
    scored = [r for r in page.rows if r.attempt.hiring_score is not None]
    assert [_rank_key(r.attempt) for r in scored] == sorted(_rank_key(r.attempt) for r in scored)
    assert all(r.attempt.hiring_score is None for r in page.rows[len(scored) :])  # unscored last
    assert any(r.attempt.hard_requirements_met is False for r in page.rows)
    assert page.rows[0].rank == 1


def test_ranks_and_percentiles_match_brute_force(session, opening) -> None:  # type: ignore[no-untyped-def]
    attempts = [a for a in _all(session, opening.id) if a.hiring_score is not None]
    got = ranking.ranks_and_percentiles(session, opening.id)
    assert len(got) == len(attempts) == 40
    for a in attempts:
        ahead = sum(1 for b in attempts if _rank_key(b) < _rank_key(a))
        below = sum(1 for b in attempts if b.hiring_score < a.hiring_score)
        equal = sum(1 for b in attempts if b.hiring_score == a.hiring_score)
        assert got[a.id] == (ahead + 1, percentile_rank(below, equal, len(attempts)))


def _expected_order(rows, sort: str, desc: bool) -> list[int]:  # type: ignore[no-untyped-def]
    """The order the ranking promises, computed here from the rows: the sort key (NULLs last either way), then
    the hiring score from high to low for the grouping sorts, then the attempt id in the sort's direction.
    Names sort by pinyin (as Chinese readers expect), not by code point."""
    if sort == "name":
        return [r.attempt.id for r in sorted(rows, key=lambda r: (pinyin_key(r.name), r.attempt.id), reverse=desc)]

    def value(r):  # type: ignore[no-untyped-def]
        a = r.attempt
        return {
            "score": a.hiring_score,
            "name": r.name,
            "submitted": a.submitted_at,
            "signals": a.signal_count,
            "status": a.status,
            "decision": a.decision,
        }[sort]

    def directed(v, descending: bool):  # type: ignore[no-untyped-def]
        if v is None:
            return (1, 0)
        if isinstance(v, str):
            return (0, tuple(-ord(c) for c in v) + (1,)) if descending else (0, tuple(ord(c) for c in v) + (0,))
        if hasattr(v, "timestamp"):
            v = v.timestamp()
        return (0, -v if descending else v)

    def key(r):  # type: ignore[no-untyped-def]
        parts = [directed(value(r), desc)]
        if sort in ("signals", "status", "decision"):
            parts.append(directed(r.attempt.hiring_score, True))
        parts.append(-r.attempt.id if desc else r.attempt.id)
        return tuple(parts)

    return [r.attempt.id for r in sorted(rows, key=key)]


@pytest.mark.parametrize(
    "sort, desc",
    [
        ("score", True),
        ("score", False),
        ("name", False),
        ("name", True),
        ("signals", True),
        ("signals", False),
        ("submitted", True),
        ("submitted", False),
        ("status", False),
        ("decision", True),
    ],
)
def test_sorting(session, opening, sort, desc) -> None:  # type: ignore[no-untyped-def]
    rows = ranking.fetch_page(session, opening.id, sort=sort, desc=desc, per_page=200).rows
    assert len(rows) == 43
    assert [r.attempt.id for r in rows] == _expected_order(rows, sort, desc)
    if sort == "score":
        assert rows[-1].attempt.hiring_score is None  # nulls last both ways


def test_pagination_covers_everything_once(session, opening) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for n in range(1, 6):
        page = ranking.fetch_page(session, opening.id, page=n, per_page=10)
        assert page.pages == 5 and page.page == n
        seen += [r.attempt.id for r in page.rows]
    assert len(seen) == len(set(seen)) == 43
    full = [r.attempt.id for r in ranking.fetch_page(session, opening.id, per_page=200).rows]
    assert seen == full
    beyond = ranking.fetch_page(session, opening.id, page=99, per_page=10)
    assert beyond.page == 5 and beyond.first_index == 41 and beyond.last_index == 43


def test_filters(session, opening) -> None:  # type: ignore[no-untyped-def]
    everyone = _all(session, opening.id)

    def ids(f: Filters) -> set[int]:
        return {r.attempt.id for r in ranking.fetch_page(session, opening.id, f, per_page=200).rows}

    assert ids(Filters(requirements="met")) == {a.id for a in everyone if a.hard_requirements_met is True}
    assert ids(Filters(requirements="failed")) == {a.id for a in everyone if a.hard_requirements_met is False}
    assert ids(Filters(score_min=60, score_max=80)) == {
        a.id for a in everyone if a.hiring_score is not None and 60 <= a.hiring_score <= 80
    }
    assert ids(Filters(signals="none")) == {a.id for a in everyone if a.signal_count == 0}
    assert ids(Filters(signals="some")) == {a.id for a in everyone if a.signal_count > 0}
    assert ids(Filters(status="in_progress")) == {a.id for a in everyone if a.status == "in_progress"}
    assert ids(Filters(decision="none")) == {a.id for a in everyone}
    band = next(a.band for a in everyone if a.band)
    assert ids(Filters(band=band)) == {a.id for a in everyone if a.band == band}
    row = ranking.fetch_page(session, opening.id, per_page=1).rows[0]
    assert row.attempt.id in ids(Filters(q=row.name[:2]))
    assert ids(Filters(q="%")) == set() and ids(Filters(q="_")) == set()  # LIKE wildcards are literal
    assert ranking.count_matching(session, opening.id, Filters(requirements="met")) == len(
        ids(Filters(requirements="met"))
    )


def test_export_rows_follow_the_page_order(session, opening) -> None:  # type: ignore[no-untyped-def]
    exported = list(ranking.export_rows(session, opening.id, Filters(signals="none"), sort="score", batch=7))
    page = ranking.fetch_page(session, opening.id, Filters(signals="none"), sort="score", per_page=200)
    assert [(r.attempt.id, r.rank, r.percentile) for r in exported] == [
        (r.attempt.id, r.rank, r.percentile) for r in page.rows
    ]


def test_distribution_and_stats(session, opening) -> None:  # type: ignore[no-untyped-def]
    met, failed = ranking.distribution(session, opening.id)
    everyone = _all(session, opening.id)
    assert sum(met) + sum(failed) == 40
    assert sum(met) == sum(1 for a in everyone if a.hard_requirements_met)
    top = [a for a in everyone if a.hiring_score is not None and a.hiring_score >= 90]
    assert met[9] + failed[9] == len(top)
    stats = ranking.opening_stats(session, opening.id)
    assert stats.total == 43 and stats.scored == 40
    assert stats.statuses == {"graded": 40, "in_progress": 3}
    assert sum(stats.bands.values()) == 40
    mean = sum(a.hiring_score for a in everyone if a.hiring_score is not None) / 40
    assert stats.mean == pytest.approx(round(mean, 1))


def test_other_openings_do_not_leak(session, opening) -> None:  # type: ignore[no-untyped-def]
    other = seed_opening(session, 5, with_answers=False, seed=9, title="其他岗位").opening
    session.commit()
    assert ranking.fetch_page(session, other.id).total == 5
    assert len(ranking.ranks_and_percentiles(session, other.id)) == 5
    assert ranking.fetch_page(session, opening.id, per_page=200).total == 43


def test_chinese_names_sort_by_pinyin() -> None:
    names = ["张伟", "李娜", "王芳", "安琪", "曾可", "陈静"]
    assert sorted(names, key=pinyin_key) == ["安琪", "陈静", "李娜", "王芳", "曾可", "张伟"]


def test_sorting_by_a_criterion_uses_its_points(session, opening) -> None:  # type: ignore[no-untyped-def]
    rows = ranking.fetch_page(session, opening.id, sort="c1", desc=True, per_page=200).rows
    points = [((r.attempt.results or {}).get("hiring") or {}).get("criteria", [{}])[0].get("points") for r in rows]
    present = [p for p in points if p is not None]
    assert present == sorted(present, reverse=True) and points[: len(present)] == present

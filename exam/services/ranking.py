"""Rankings of an opening's candidates: filters, sorting and pagination in SQL, ranks and percentiles.

The ranking order ("rank") puts candidates who meet every hard requirement first, then the
hiring score from high to low. A candidate's *rank* is 1 + the number of scored candidates of
the opening ahead of them in that order (ties share a rank); the *percentile* is the percentile
rank of the hiring score among the opening's scored candidates: ``100 × (below + ½ equal) / n``.
Both are computed over the whole opening, whatever the filters.

Everything runs in SQL with LIMIT/OFFSET and per-page correlated counts, so that a page stays
fast with 10,000 candidates (see benchmarks/ranking_10k.py). The SQL is portable (SQLite and
PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from exam.models import Answer, Attempt, Invitation, User
from exam.zhtext import pinyin_key

__all__ = [
    "DECISIONS",
    "PER_PAGE",
    "SORTS",
    "Filters",
    "RankingPage",
    "RankingRow",
    "distribution",
    "count_matching",
    "export_rows",
    "id_query",
    "load_rows",
    "fetch_page",
    "opening_stats",
    "overridden_ids",
    "percentile_rank",
    "ranks_and_percentiles",
    "review_ids",
]

DECISIONS = ("shortlist", "hold", "reject", "hire")
SORTS = ("rank", "score", "name", "submitted", "signals", "status", "decision")
INPUT_SORT = "input:"  # sort by a hiring input, e.g. "input:simulation.response_time"
_INPUT_NAME = re.compile(r"^[a-z0-9_.-]{1,120}$")
PER_PAGE = 50
MAX_PER_PAGE = 200


def is_sort(key: str) -> bool:
    """A known sort key: a column name, or ``c<n>`` for the n-th hiring criterion of the profile (its points)."""
    return key in SORTS or bool(re.fullmatch(r"c[1-9]\d?", key or ""))


def percentile_rank(below: int, equal: int, total: int) -> float | None:
    """Percentile rank 0–100: the share of scores below, counting ties as half (None without scores)."""
    if total <= 0:
        return None
    return round(100.0 * (below + 0.5 * equal) / total, 1)


def _float(value: Any) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


@dataclass(frozen=True)
class Filters:
    """What HR narrows the ranking to; unknown or malformed values are ignored."""

    status: str = ""
    requirements: str = ""  # "", "met", "failed"
    score_min: float | None = None
    score_max: float | None = None
    signals: str = ""  # "", "none", "some"
    decision: str = ""  # "", "none", or one of DECISIONS
    band: str = ""
    q: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> Filters:
        """Read filters from query parameters."""

        def text(name: str, limit: int = 64) -> str:
            value = params.get(name)
            return str(value).strip()[:limit] if value is not None else ""

        requirements = text("requirements")
        signals = text("signals")
        decision = text("decision")
        return cls(
            status=text("status", 16),
            requirements=requirements if requirements in ("met", "failed") else "",
            score_min=_float(params.get("score_min")),
            score_max=_float(params.get("score_max")),
            signals=signals if signals in ("none", "some") else "",
            decision=decision if decision in DECISIONS + ("none",) else "",
            band=text("band", 32),
            q=text("q", 100),
        )

    def items(self) -> list[tuple[str, str]]:
        """The non-empty filters as query parameters."""
        out: list[tuple[str, str]] = []
        for name in ("status", "requirements", "score_min", "score_max", "signals", "decision", "band", "q"):
            value = getattr(self, name)
            if value not in (None, ""):
                out.append((name, f"{value:g}" if isinstance(value, float) else str(value)))
        return out

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.items())


@dataclass(frozen=True)
class RankingRow:
    """One candidate in the ranking."""

    attempt: Attempt
    name: str
    email: str | None
    rank: int | None = None
    phone: str | None = None
    percentile: float | None = None
    overridden: bool = False
    needs_review: bool = False  # a reply the rubric could not judge waits for a person


@dataclass
class RankingPage:
    """One page of the ranking."""

    rows: list[RankingRow]
    total: int
    page: int
    per_page: int
    sort: str
    desc: bool
    filters: Filters

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        """1-based position of the first row on this page."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        """1-based position of the last row on this page."""
        return min(self.total, self.page * self.per_page)


def _name_expr():  # type: ignore[no-untyped-def]
    return func.coalesce(Invitation.name, User.display_name, User.username)


def _people(stmt):  # type: ignore[no-untyped-def]
    """Join the candidate's account and invitation (for names and e-mail addresses)."""
    return stmt.join(User, col(User.id) == col(Attempt.candidate_id)).outerjoin(
        Invitation, col(Invitation.id) == col(Attempt.invitation_id)
    )


def _filtered(stmt, filters: Filters):  # type: ignore[no-untyped-def]
    if filters.status:
        stmt = stmt.where(col(Attempt.status) == filters.status)
    if filters.requirements == "met":
        stmt = stmt.where(col(Attempt.hard_requirements_met).is_(True))
    elif filters.requirements == "failed":
        stmt = stmt.where(col(Attempt.hard_requirements_met).is_(False))
    if filters.score_min is not None:
        stmt = stmt.where(col(Attempt.hiring_score) >= filters.score_min)
    if filters.score_max is not None:
        stmt = stmt.where(col(Attempt.hiring_score) <= filters.score_max)
    if filters.signals == "none":
        stmt = stmt.where(col(Attempt.signal_count) == 0)
    elif filters.signals == "some":
        stmt = stmt.where(col(Attempt.signal_count) > 0)
    if filters.decision == "none":
        stmt = stmt.where(or_(col(Attempt.decision).is_(None), col(Attempt.decision) == ""))
    elif filters.decision:
        stmt = stmt.where(col(Attempt.decision) == filters.decision)
    if filters.band:
        stmt = stmt.where(col(Attempt.band) == filters.band)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                _name_expr().ilike(pattern, escape="\\"),
                col(Invitation.email).ilike(pattern, escape="\\"),
                col(User.email).ilike(pattern, escape="\\"),
            )
        )
    return stmt


def input_of(sort: str) -> str | None:
    """The hiring input a sort key names ("input:simulation.reply_rate" -> "simulation.reply_rate"), or None."""
    if sort.startswith(INPUT_SORT) and _INPUT_NAME.match(sort[len(INPUT_SORT) :]):
        return sort[len(INPUT_SORT) :]
    return None


def valid_sort(sort: str) -> str:
    """The sort key if it is known (a fixed key, a criterion ``c<n>`` or a hiring input), else "rank"."""
    return sort if is_sort(sort) or input_of(sort) else "rank"


def _order(sort: str, desc: bool) -> list[Any]:
    """ORDER BY for a sort key; NULL scores always last, ties broken by attempt id (same direction)."""

    def d(expr: Any, descending: bool) -> Any:
        return (expr.desc() if descending else expr.asc()).nulls_last()

    score, met = col(Attempt.hiring_score), col(Attempt.hard_requirements_met)
    if sort == "score":
        keys = [d(score, desc)]
    elif sort == "name":
        keys = [d(_name_expr(), desc)]
    elif sort == "submitted":
        keys = [d(col(Attempt.submitted_at), desc)]
    elif sort == "signals":
        keys = [d(col(Attempt.signal_count), desc), d(score, True)]
    elif sort == "status":
        keys = [d(col(Attempt.status), desc), d(score, True)]
    elif sort == "decision":
        keys = [d(col(Attempt.decision), desc), d(score, True)]
    elif is_sort(sort) and sort.startswith("c"):
        # the n-th criterion's points: results.hiring.criteria follows the profile's order (JSON path, portable)
        points = col(Attempt.results)["hiring"]["criteria"][int(sort[1:]) - 1]["points"].as_float()
        keys = [d(points, desc), d(score, True)]
    elif (name := input_of(sort)) is not None:  # a JSON path: SQLite's JSON_EXTRACT, PostgreSQL's #>>
        keys = [d(col(Attempt.results)[("inputs", name)].as_float(), desc), d(score, True)]
    else:  # rank: met first, then the score; "ascending" shows the bottom of the ranking first
        keys = [d(met, desc), d(score, desc)]
    return keys + [col(Attempt.id).desc() if desc else col(Attempt.id).asc()]


def id_query(opening_id: int, filters: Filters = Filters(), sort: str = "rank", desc: bool = True):  # type: ignore[no-untyped-def]
    """SELECT attempt.id ... WHERE filters ORDER BY sort: narrow rows, so sorting 10,000 is cheap.

    The wide rows (results JSON) are loaded afterwards for one page only (a "deferred join").
    """
    stmt = select(col(Attempt.id)).where(col(Attempt.opening_id) == opening_id)
    if filters.q or sort == "name":
        stmt = _people(stmt)
    return _filtered(stmt, filters).order_by(*_order(valid_sort(sort), desc))


def count_matching(session: Session, opening_id: int, filters: Filters = Filters()) -> int:
    """How many attempts of the opening match the filters."""
    stmt = select(func.count(col(Attempt.id))).where(col(Attempt.opening_id) == opening_id)
    if filters.q:
        stmt = _people(stmt)
    return int(session.exec(_filtered(stmt, filters)).one())  # type: ignore[call-overload]


def load_rows(session: Session, ids: Sequence[int]) -> list[tuple[Attempt, str, str | None, str | None]]:
    """(attempt, name, e-mail, phone) for these attempt ids, in the given order (papers not loaded)."""
    if not ids:
        return []
    stmt = _people(
        select(
            Attempt,
            _name_expr().label("name"),
            func.coalesce(Invitation.email, User.email).label("email"),
            func.coalesce(Invitation.phone, User.phone).label("phone"),
        )
    )
    stmt = stmt.where(col(Attempt.id).in_(list(ids))).options(defer(Attempt.paper))  # type: ignore[arg-type]
    found = {row[0].id: (row[0], row[1] or "", row[2], row[3]) for row in session.exec(stmt).all()}
    return [found[i] for i in ids if i in found]


def name_ordered_ids(session: Session, opening_id: int, filters: Filters = Filters(), desc: bool = False) -> list[int]:
    """The matching attempt ids ordered by name as Chinese readers sort it (pinyin, then the id).

    SQL collations order Chinese by code point, which no reader expects; the key is computed here from
    the narrow (id, name) rows, so pagination slices the same order on SQLite and PostgreSQL.
    """
    stmt = _filtered(
        _people(select(col(Attempt.id), _name_expr())).where(col(Attempt.opening_id) == opening_id), filters
    )
    rows = [(int(i), name or "") for i, name in session.exec(stmt).all()]  # type: ignore[call-overload]
    rows.sort(key=lambda r: (pinyin_key(r[1]), r[0]), reverse=desc)
    return [i for i, _name in rows]


def _ordered_ids(
    session: Session,
    opening_id: int,
    filters: Filters,
    sort: str,
    desc: bool,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    if sort == "name":
        ids = name_ordered_ids(session, opening_id, filters, desc)
        return ids[offset : None if limit is None else offset + limit]
    stmt = id_query(opening_id, filters, sort, desc)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())  # type: ignore[call-overload]


def _rank_table(opening_id: int):  # type: ignore[no-untyped-def]
    """Per scored attempt of the opening: rank, position by score, ties and total (window functions)."""
    score = col(Attempt.hiring_score)
    met = func.coalesce(col(Attempt.hard_requirements_met), False)
    return (
        select(
            col(Attempt.id).label("id"),
            func.rank().over(order_by=[met.desc(), score.desc()]).label("rank"),
            func.rank().over(order_by=score.asc()).label("pos"),
            func.count().over(partition_by=score).label("eq"),
            func.count().over().label("n"),
        )
        .where(col(Attempt.opening_id) == opening_id, score.is_not(None))
        .subquery()
    )


def ranks_and_percentiles(
    session: Session, opening_id: int, attempt_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, float | None]]:
    """{attempt id: (rank, percentile)} for scored attempts of an opening (all of them when ids is None)."""
    if attempt_ids is not None and not attempt_ids:
        return {}
    table = _rank_table(opening_id)
    stmt = select(table.c.id, table.c.rank, table.c.pos, table.c.eq, table.c.n)
    if attempt_ids is not None:
        stmt = stmt.where(table.c.id.in_(list(attempt_ids)))
    return {
        int(i): (int(rank), percentile_rank(int(pos) - 1, int(eq), int(n)))
        for i, rank, pos, eq, n in session.exec(stmt).all()
    }  # type: ignore[call-overload]


def overridden_ids(session: Session, attempt_ids: Sequence[int]) -> set[int]:
    """The attempts among these with at least one human override of a mark."""
    if not attempt_ids:
        return set()
    text = cast(col(Answer.overrides), String)
    rows = session.exec(
        select(col(Answer.attempt_id))
        .where(  # type: ignore[call-overload]
            col(Answer.attempt_id).in_(list(attempt_ids)), text.is_not(None), text.not_in(["{}", "null", ""])
        )
        .distinct()
    ).all()
    return set(rows)


def review_ids(session: Session, attempt_ids: Sequence[int]) -> set[int]:
    """The attempts among these with a reply the rubric could not judge (``review`` in its grading result)."""
    if not attempt_ids:
        return set()
    text = cast(col(Answer.result), String)
    codes = or_(text.like('%"copies_customer"%'), text.like('%"other_language"%'))
    rows = session.exec(
        select(col(Answer.attempt_id)).where(col(Answer.attempt_id).in_(list(attempt_ids)), codes).distinct()  # type: ignore[call-overload]
    ).all()
    return set(rows)


def _rows(
    session: Session, opening_id: int, ids: Sequence[int], ranks: Mapping[int, tuple[int, float | None]] | None = None
) -> list[RankingRow]:
    ranks = ranks if ranks is not None else ranks_and_percentiles(session, opening_id, ids)
    touched = overridden_ids(session, ids)
    to_review = review_ids(session, ids)
    return [
        RankingRow(
            attempt=att,
            name=name,
            email=email,
            phone=phone,
            rank=ranks.get(att.id, (None, None))[0],  # type: ignore[arg-type]
            percentile=ranks.get(att.id, (None, None))[1],
            overridden=att.id in touched,
            needs_review=att.id in to_review,
        )  # type: ignore[arg-type]
        for att, name, email, phone in load_rows(session, ids)
    ]


def fetch_page(
    session: Session,
    opening_id: int,
    filters: Filters = Filters(),
    *,
    sort: str = "rank",
    desc: bool = True,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> RankingPage:
    """One page of an opening's ranking."""
    sort = valid_sort(sort)
    per_page = max(1, min(MAX_PER_PAGE, per_page))
    total = count_matching(session, opening_id, filters)
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    ids = _ordered_ids(session, opening_id, filters, sort, desc, (page - 1) * per_page, per_page)
    return RankingPage(
        rows=_rows(session, opening_id, ids),
        total=total,
        page=page,
        per_page=per_page,
        sort=sort,
        desc=desc,
        filters=filters,
    )


def export_rows(
    session: Session,
    opening_id: int,
    filters: Filters = Filters(),
    *,
    sort: str = "rank",
    desc: bool = True,
    batch: int = 500,
) -> Iterator[RankingRow]:
    """Every row of the ranking (filters and order applied), in batches, with ranks and percentiles."""
    ids = _ordered_ids(session, opening_id, filters, sort, desc)
    ranks = ranks_and_percentiles(session, opening_id)
    for start in range(0, len(ids), batch):
        yield from _rows(session, opening_id, ids[start : start + batch], ranks)


def _bin(width: int = 10):  # type: ignore[no-untyped-def]
    """The score bin of an attempt (0 for [0, 10), ..., the last bin includes 100; NULL without a score)."""
    n = 100 // width
    score = col(Attempt.hiring_score)
    return case(*[(score >= i * width, i) for i in range(n - 1, 0, -1)], (score.is_not(None), 0), else_=None)


def _scoped(stmt, opening_id: int, filters: Filters):  # type: ignore[no-untyped-def]
    """WHERE the opening and the filters (with the people joined when the name search needs them)."""
    stmt = stmt.where(col(Attempt.opening_id) == opening_id)
    if filters.q:
        stmt = _people(stmt)
    return _filtered(stmt, filters)


def distribution(
    session: Session, opening_id: int, width: int = 10, filters: Filters = Filters()
) -> tuple[list[int], list[int]]:
    """Counts of scored candidates (matching the filters) per score bin ([0,10), ..., [90,100]): (met, failed)."""
    n = 100 // width
    score, met = col(Attempt.hiring_score), func.coalesce(col(Attempt.hard_requirements_met), False)
    columns = []
    for i in range(n):
        lo, hi = i * width, (i + 1) * width
        in_bin = and_(score >= lo, score < hi) if i < n - 1 else score >= lo
        columns.append(func.sum(case((and_(in_bin, met.is_(True)), 1), else_=0)))
        columns.append(func.sum(case((and_(in_bin, met.is_(False)), 1), else_=0)))
    row = session.exec(_scoped(select(*columns).where(score.is_not(None)), opening_id, filters)).one()  # type: ignore[call-overload]
    values = [int(v or 0) for v in row]
    return values[0::2], values[1::2]


@dataclass
class OpeningStats:
    """Counts for an opening's ranking header (of the candidates matching the filters, if any)."""

    total: int = 0
    scored: int = 0
    met: int = 0
    mean: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    bands: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    # the score distribution: scored candidates per bin of 10 points, meeting / failing the hard requirements
    bins_met: list[int] = field(default_factory=lambda: [0] * 10)
    bins_failed: list[int] = field(default_factory=lambda: [0] * 10)
    all_total: int = 0  # every candidate of the opening, whatever the filters
    filtered: bool = False


def opening_stats(session: Session, opening_id: int, filters: Filters = Filters()) -> OpeningStats:
    """Totals by status, band and decision, the mean score and the score distribution of the candidates matching
    the filters (one grouped pass), and the opening's total (one more count when filters are set)."""
    score = col(Attempt.hiring_score)
    stats = OpeningStats(filtered=filters.active)
    total_score = 0.0
    bin_ = _bin()
    keys = (col(Attempt.status), col(Attempt.band), col(Attempt.decision), col(Attempt.hard_requirements_met), bin_)
    rows = session.exec(
        _scoped(select(*keys, func.count(), func.sum(score)), opening_id, filters).group_by(*keys)  # type: ignore[call-overload]
    ).all()
    for status, band, decision, met, bin_no, n, sum_score in rows:
        n = int(n)
        stats.total += n
        stats.statuses[status] = stats.statuses.get(status, 0) + n
        if band:
            stats.bands[band] = stats.bands.get(band, 0) + n
        if decision:
            stats.decisions[decision] = stats.decisions.get(decision, 0) + n
        if met:
            stats.met += n
        if bin_no is not None:  # scored
            stats.scored += n
            total_score += float(sum_score or 0.0)
            (stats.bins_met if met else stats.bins_failed)[int(bin_no)] += n
    stats.mean = round(total_score / stats.scored, 1) if stats.scored else None
    stats.all_total = count_matching(session, opening_id) if filters.active else stats.total
    return stats

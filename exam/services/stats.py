"""Exam statistics from the database: item analysis, paper reliability, score distributions, exposure.

Only finished attempts count (status "graded"). One scan per opening reads its attempts in batches and
turns every graded answer into an :class:`~exam.analysis.items.ItemResponse` (choice picks through the
question type's ``picked_options``, the time the page reported in ``Answer.seconds``); the pure core
(``exam.analysis``) computes the figures:

- items, per question version: over all openings (the trainers' bank list and question pages) and per
  opening (``exam stats --opening``); a candidate's *total* is their score in the item's section;
- reliability per opening: every section and the whole exam (Cronbach's alpha, KR-20 when every item is
  right/wrong) with papers drawn at random compared slot by slot (the n-th question of a section, as
  Moodle does), each item as its fraction of the marks in the whole-exam figure; and the hiring score's
  split-half reliability and SEM (``exam.hiring.reliability``), which gives HR's ±1 SEM bands;
- distributions of the section rates and of the hiring score.

Figures are stored as snapshots (``StatsSnapshot``, one JSON row per scope) with a marker of the data
behind them (graded attempts and the last grading time). A page recomputes a stale snapshot itself up to
``SYNC_LIMIT`` graded attempts; beyond that the background job ``refresh`` does it and pages show the
last snapshot with its time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from exam.analysis.distribution import histogram, summary
from exam.analysis.items import MIN_RESPONSES, ChoiceKey, ItemResponse, item_statistics
from exam.analysis.reliability import reliability, score_matrix
from exam.db import session_scope
from exam.hiring.reliability import hiring_reliability
from exam.hiring.sections import GradedItem
from exam.models import Answer, Attempt, Opening, Question, QuestionVersion, StatsSnapshot
from exam.questions.base import QuestionBase
from exam.questions.registry import TYPES
from exam.services import exposure, papers
from exam.services.review import profile_of
from exam.timeutil import utcnow

log = logging.getLogger("exam.stats")

__all__ = [
    "ITEMS",
    "SYNC_LIMIT",
    "Row",
    "compute_items",
    "compute_opening",
    "flags_by_question",
    "item_figures",
    "opening_figures",
    "opening_snapshots",
    "opening_scope",
    "question_figures",
    "refresh",
]

ITEMS = "items"
SYNC_LIMIT = 500
BATCH = 400


def opening_scope(opening_id: int) -> str:
    """The snapshot scope of one opening."""
    return f"opening:{opening_id}"


@dataclass(slots=True)
class Row:
    """One graded answer of a finished attempt, as the statistics need it."""

    attempt_id: int
    opening_id: int
    question_id: str
    version_id: int
    section_id: str
    slot: int
    type: str
    score: float
    max: float
    picked: tuple[str, ...] | None
    seconds: float | None

    def response(self) -> ItemResponse:
        """The item response (the candidate's total is per section: attempt and section together)."""
        return ItemResponse(
            attempt_id=(self.attempt_id, self.section_id),
            item_id=self.version_id,
            score=min(max(self.score, 0.0), self.max),
            max_score=self.max,
            picked=self.picked,
            seconds=self.seconds,
        )


# --- scanning ---------------------------------------------------------------------------------------------


def _marker(session: Session, opening_id: int | None = None) -> tuple[str, int]:
    """(marker, graded attempts) of an opening's or all finished attempts: changes when any is (re)graded."""
    stmt = select(func.count(col(Attempt.id)), func.max(col(Attempt.graded_at))).where(col(Attempt.status) == "graded")
    if opening_id is not None:
        stmt = stmt.where(col(Attempt.opening_id) == opening_id)
    count, last = session.exec(stmt).one()  # type: ignore[call-overload]
    return f"{int(count or 0)}:{last}", int(count or 0)


class _Versions:
    """Parsed question versions by id, loaded on first use."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.models: dict[int, QuestionBase] = {}
        self.numbers: dict[int, int] = {}

    def load(self, ids: set[int]) -> None:
        """Make sure these versions are loaded."""
        missing = [i for i in ids if i not in self.models]
        if not missing:
            return
        rows = self.session.exec(select(QuestionVersion).where(col(QuestionVersion.id).in_(missing))).all()
        for row in rows:
            self.models[row.id] = papers.parse_content(row.question_id, row.content)  # type: ignore[index]
            self.numbers[row.id] = row.version  # type: ignore[index]

    def key(self, version_id: int) -> ChoiceKey | None:
        """The option key of a version (None for types without options)."""
        model = self.models.get(version_id)
        return TYPES[model.type].option_key(model) if model is not None and model.type in TYPES else None


@dataclass
class _Scan:
    """What one pass over an opening's finished attempts collects."""

    rows: list[Row]
    sections: dict[str, list[float]]
    scores: list[float]
    count: int = 0


def _attempts(session: Session, opening_id: int, versions: _Versions, scan: _Scan) -> Iterator[tuple[Any, Any, Any]]:
    """Yield (paper, graded items, hiring score) per finished attempt, filling ``scan`` on the way.

    Reads in batches and expunges each batch: give it a session of its own (see ``_compute``).
    """
    ids = list(session.exec(select(Attempt.id).where(Attempt.opening_id == opening_id, Attempt.status == "graded")))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        attempts = session.exec(select(Attempt).where(col(Attempt.id).in_(chunk)).order_by(col(Attempt.id))).all()
        answers: dict[int, list[Answer]] = {}
        for answer in session.exec(
            select(Answer).where(col(Answer.attempt_id).in_(chunk)).order_by(col(Answer.position))
        ).all():
            answers.setdefault(answer.attempt_id, []).append(answer)
        versions.load({a.question_version_id for rows in answers.values() for a in rows})
        for attempt in attempts:
            scan.count += 1
            own = answers.get(attempt.id, [])  # type: ignore[arg-type]
            yield attempt.paper, _graded_items(attempt, own, versions, scan), attempt.hiring_score
            for sid, figures in ((attempt.results or {}).get("sections") or {}).items():
                if figures.get("percent") is not None:
                    scan.sections.setdefault(sid, []).append(float(figures["percent"]))
            if attempt.hiring_score is not None:
                scan.scores.append(float(attempt.hiring_score))
        session.expunge_all()


def _graded_items(attempt: Attempt, answers: list[Answer], versions: _Versions, scan: _Scan) -> list[GradedItem]:
    """The attempt's answers as the hiring arithmetic sees them; their rows go to ``scan``."""
    types = {e.position: e.item.get("type") for e in papers.iter_items(attempt.paper)}
    firsts: dict[str, int] = {}
    for e in papers.iter_items(attempt.paper):
        firsts.setdefault(e.section_id, e.position)
    items = []
    for answer in answers:
        model = versions.models.get(answer.question_version_id)
        kind = types.get(answer.position) or (model.type if model else "")
        topics = tuple(model.topics) if model is not None else ()
        items.append(GradedItem.of_answer(answer, kind, topics))
        if answer.score is None or not answer.max_score or answer.max_score <= 0:
            continue
        question_type = TYPES.get(kind)
        scan.rows.append(
            Row(
                attempt_id=attempt.id,  # type: ignore[arg-type]
                opening_id=attempt.opening_id,
                question_id=answer.question_id,
                version_id=answer.question_version_id,
                section_id=answer.section_id,
                slot=answer.position - firsts.get(answer.section_id, 0),
                type=kind,
                score=float(answer.score),
                max=float(answer.max_score),
                picked=question_type.picked_options(answer.response or {}) if question_type else None,
                seconds=answer.seconds,
            )
        )
    return items


# --- computing --------------------------------------------------------------------------------------------


def _items(rows: list[Row], versions: _Versions, min_responses: int) -> list[dict[str, Any]]:
    """Item statistics of the rows, per question version, with the question's id, version and type."""
    keys = {r.version_id: versions.key(r.version_id) for r in rows}
    found = item_statistics(
        [r.response() for r in rows], {k: v for k, v in keys.items() if v}, min_responses=min_responses
    )
    meta = {r.version_id: (r.question_id, r.type) for r in rows}
    out = []
    for stats in found:
        qid, kind = meta[stats.item_id]  # type: ignore[index]
        data = stats.as_dict()
        data.update(question_id=qid, version=versions.numbers.get(stats.item_id, 0), type=kind)  # type: ignore[arg-type]
        out.append(data)
    out.sort(key=lambda d: (d["question_id"], d["version"]))
    return out


def _reliability(rows: list[Row], section: str | None) -> dict[str, Any]:
    """Alpha or KR-20 of one section (raw marks by slot) or, with ``section`` None, of the whole exam
    (each item as its fraction of the marks, by section and slot)."""
    if section is None:
        responses = [ItemResponse(r.attempt_id, (r.section_id, r.slot), r.response().score / r.max, 1.0) for r in rows]
    else:
        responses = [
            ItemResponse(r.attempt_id, r.slot, r.response().score, r.max) for r in rows if r.section_id == section
        ]
    matrix = score_matrix(responses)
    return reliability(matrix.rows, matrix.max_scores).as_dict()


def _distribution(values: list[float]) -> dict[str, Any]:
    """Summary and 10-point bins of rates or scores (0-100)."""
    return {
        "summary": summary(values).as_dict(),
        "bins": [[b.lo, b.hi, b.count] for b in histogram(values, 0.0, 100.0, 10.0)],
    }


def compute_opening(
    session: Session, opening: Opening, *, min_responses: int | None = None, versions: _Versions | None = None
) -> tuple[dict[str, Any], list[Row]]:
    """The figures of one opening (JSON-ready) and the rows behind them (flags from ``min_responses``,
    default ``MIN_RESPONSES``)."""
    min_responses = min_responses or MIN_RESPONSES
    versions = versions or _Versions(session)
    profile = profile_of(session, opening)
    scan = _Scan([], {}, [])
    hiring = hiring_reliability(_attempts(session, opening.id, versions, scan), profile)  # type: ignore[arg-type]
    titles = {s.get("id"): s.get("title") for s in profile.get("sections") or []}
    order = [s.get("id") for s in profile.get("sections") or []]
    order += sorted({r.section_id for r in scan.rows} - set(order))
    sections = []
    for sid in order:
        if not any(r.section_id == sid for r in scan.rows):
            continue
        sections.append(
            {"id": sid, "title": titles.get(sid) or sid, "reliability": _reliability(scan.rows, sid)}
            | _distribution(scan.sections.get(sid, []))
        )
    data = {
        "opening_id": opening.id,
        "title": opening.title,
        "profile_id": opening.profile_id,
        "attempts": scan.count,
        "min_responses": min_responses,
        "sections": sections,
        "exam": _reliability(scan.rows, None),
        "hiring": hiring.as_dict() | _distribution(scan.scores),
        "items": _items(scan.rows, versions, min_responses),
    }
    return data, scan.rows


def compute_items(
    session: Session, *, min_responses: int | None = None
) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    """Item statistics over every opening's finished attempts, and each opening's own figures."""
    min_responses = min_responses or MIN_RESPONSES
    versions = _Versions(session)
    rows: list[Row] = []
    per_opening: dict[int, dict[str, Any]] = {}
    for opening in session.exec(select(Opening).order_by(col(Opening.id))).all():
        data, found = compute_opening(session, opening, min_responses=min_responses, versions=versions)
        if found:
            per_opening[opening.id] = data  # type: ignore[index]
            rows.extend(found)
    data = {
        "attempts": len({r.attempt_id for r in rows}),
        "min_responses": min_responses,
        "items": _items(rows, versions, min_responses),
    }
    return data, per_opening


# --- snapshots ----------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """A snapshot: the figures, when they were computed and whether newer data exists."""

    data: dict[str, Any]
    computed_at: datetime
    stale: bool


def _store(engine: Engine, snapshots: Mapping[str, tuple[str, dict[str, Any]]]) -> None:
    """Save snapshots (scope: (marker, data)); a concurrent writer of the same scope wins quietly."""
    try:
        with session_scope(engine) as ws:
            for scope, (marker, data) in snapshots.items():
                row = ws.get(StatsSnapshot, scope)
                if row is None:
                    ws.add(StatsSnapshot(scope=scope, marker=marker, data=data, computed_at=utcnow()))
                else:
                    row.marker, row.data, row.computed_at = marker, data, utcnow()
                    ws.add(row)
    except IntegrityError:
        log.info("statistics snapshot stored by another process meanwhile")


def _fresh(
    session: Session, scope: str, opening_id: int | None, refresh: bool, recompute: bool = True
) -> Figures | None:
    """The snapshot of a scope, recomputed first when it is stale and small enough (or ``refresh`` forces it);
    with ``recompute`` False, as stored."""
    row = session.get(StatsSnapshot, scope)
    marker, count = _marker(session, opening_id)
    stale = row is None or row.marker != marker
    if stale and (refresh or (recompute and count <= SYNC_LIMIT)):
        engine: Engine = session.get_bind()  # type: ignore[assignment]
        session.commit()  # end the request's read: the scan has a session (and connection) of its own
        todo = _compute(engine, opening_id)
        if todo is None:
            return None
        _store(engine, todo)
        return Figures(todo[scope][1], utcnow(), False)
    if row is None:
        return None
    return Figures(row.data, row.computed_at, stale)


def _compute(engine: Engine, opening_id: int | None) -> dict[str, tuple[str, dict[str, Any]]] | None:
    """Fresh snapshots: of one opening, or (``opening_id`` None) of the items and every opening."""
    with Session(engine) as scan:
        if opening_id is not None:
            opening = scan.get(Opening, opening_id)
            if opening is None:
                return None
            marker = _marker(scan, opening_id)[0]
            return {opening_scope(opening_id): (marker, compute_opening(scan, opening)[0])}
        marker = _marker(scan)[0]
        data, openings = compute_items(scan)
        todo = {ITEMS: (marker, data)}
        for oid, figures in openings.items():
            todo[opening_scope(oid)] = (_marker(scan, oid)[0], figures)
        return todo


def opening_figures(
    session: Session, opening_id: int, *, refresh: bool = False, recompute: bool = True
) -> Figures | None:
    """An opening's reliability, distributions and item figures (None before any snapshot of a large opening)."""
    return _fresh(session, opening_scope(opening_id), opening_id, refresh, recompute)


def item_figures(session: Session, *, refresh: bool = False, recompute: bool = True) -> Figures | None:
    """Item statistics over all openings (None before any snapshot of a large database); ``recompute`` False
    reads the stored snapshot only (for busy pages such as the bank list)."""
    return _fresh(session, ITEMS, None, refresh, recompute)


def refresh(engine: Engine, settings: Any = None) -> int:
    """Recompute every stale snapshot (the background job); how many scopes were stored."""
    with Session(engine) as session:
        marker, _count = _marker(session)
        row = session.get(StatsSnapshot, ITEMS)
        if row is not None and row.marker == marker:
            return 0
    todo = _compute(engine, None) or {}
    _store(engine, todo)
    return len(todo)


# --- what pages read ---------------------------------------------------------------------------------------


def flags_by_question(figures: Figures | None) -> dict[str, dict[str, Any]]:
    """The newest version's statistics of each question with figures: {question id: item figures}."""
    found: dict[str, dict[str, Any]] = {}
    for item in (figures.data.get("items") if figures else None) or []:
        if item["question_id"] not in found or item["version"] > found[item["question_id"]]["version"]:
            found[item["question_id"]] = item
    return found


def flagged_ids(session: Session, figures: Figures | None) -> list[str]:
    """Questions whose current version is flagged."""
    current = dict(session.exec(select(Question.id, Question.current_version)).all())  # type: ignore[arg-type]
    return sorted(
        qid for qid, item in flags_by_question(figures).items() if item["flags"] and current.get(qid) == item["version"]
    )


def question_figures(session: Session, question_id: str, figures: Figures | None) -> dict[str, Any]:
    """One question's item figures per version (newest first) and how many papers showed it."""
    versions = [i for i in (figures.data.get("items") if figures else None) or [] if i["question_id"] == question_id]
    versions.sort(key=lambda i: -i["version"])
    seen = exposure.counts(session).get(question_id, 0)
    papers_total = session.exec(select(func.count(col(Attempt.id)))).one()  # type: ignore[call-overload]
    return {"versions": versions, "seen": seen, "papers": int(papers_total or 0)}


def exposure_table(session: Session, limit: int = 20) -> dict[str, Any]:
    """The most exposed questions with their counts and share of all papers, and how many were never shown."""
    counts = exposure.counts(session)
    total = int(session.exec(select(func.count(col(Attempt.id)))).one() or 0)  # type: ignore[call-overload]
    active = set(session.exec(select(Question.id).where(Question.status == "active")).all())
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return {
        "papers": total,
        "top": [{"question_id": q, "seen": n, "share": n / total if total else 0.0} for q, n in top],
        "unseen": len(active - set(counts)),
        "active": len(active),
    }


def opening_snapshots(session: Session) -> list[Figures]:
    """The stored figures of every opening, newest opening first (not refreshed: call item_figures first)."""
    rows = session.exec(select(StatsSnapshot).where(col(StatsSnapshot.scope).startswith("opening:"))).all()
    out = []
    for row in rows:
        opening_id = int(row.scope.split(":", 1)[1])
        out.append(Figures(row.data, row.computed_at, row.marker != _marker(session, opening_id)[0]))
    out.sort(key=lambda f: -int(f.data.get("opening_id") or 0))
    return out


def questions(session: Session, ids: list[str]) -> list[Question]:
    """These questions' rows, by id."""
    if not ids:
        return []
    return list(session.exec(select(Question).where(col(Question.id).in_(ids)).order_by(col(Question.id))).all())


def _paper(data: Mapping[str, Any]) -> dict[str, Any]:
    """One opening's reliability as `exam stats` prints it: the whole exam's coefficient and SEM at the top."""
    exam = dict(data.get("exam") or {})
    hiring = data.get("hiring") or {}
    return {
        "opening": data.get("opening_id"),
        "title": data.get("title"),
        "attempts": data.get("attempts"),
        **exam,
        "sections": [{"id": s["id"], "title": s["title"], **s["reliability"]} for s in data.get("sections") or []],
        "hiring": {k: hiring.get(k) for k in ("alpha", "method", "sem", "sd", "n", "criteria", "reason")},
    }


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    """One item as `exam stats` prints it."""
    return {"question": item["question_id"], "version": item["version"], **item}


def report(session: Session, opening_id: int | None = None, *, min_responses: int | None = None) -> dict[str, Any]:
    """Fresh figures for `exam stats`: per item facility, discrimination, responses, flags; per paper alpha or
    KR-20 and SEM (of one opening, or of every opening with the items over all of them). LookupError: no opening."""
    min_responses = min_responses or MIN_RESPONSES
    if opening_id is not None:
        opening = session.get(Opening, opening_id)
        if opening is None:
            raise LookupError(f"no opening {opening_id}")
        data, _rows = compute_opening(session, opening, min_responses=min_responses)
        return {
            "opening": opening_id,
            "attempts": data["attempts"],
            "min_responses": min_responses,
            "items": [_item(i) for i in data["items"]],
            "papers": [_paper(data)],
        }
    data, openings = compute_items(session, min_responses=min_responses)
    return {
        "opening": None,
        "attempts": data["attempts"],
        "min_responses": min_responses,
        "items": [_item(i) for i in data["items"]],
        "papers": [_paper(o) for _oid, o in sorted(openings.items())],
    }

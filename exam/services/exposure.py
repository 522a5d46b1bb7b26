"""Question exposure: how many papers have shown each question, counted when a paper is drawn.

The count lives in its own small table (``QuestionExposure``), raised in the transaction that starts
an attempt, so that drawing the next paper reads a few hundred rows instead of counting answers. Rows
are upserted in question-id order, so concurrent starts on PostgreSQL lock them in the same order.
Counts are not lowered when a candidate's data is deleted: the question was seen all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import bindparam
from sqlmodel import Session, select

from exam.models import QuestionExposure

__all__ = ["add_counts", "counts", "record"]


def counts(session: Session) -> dict[str, int]:
    """Papers that showed each question (questions never shown are absent)."""
    rows = session.exec(select(QuestionExposure.question_id, QuestionExposure.seen)).all()
    return {question_id: seen for question_id, seen in rows}


def record(session: Session, question_ids: Iterable[str]) -> None:
    """Count one more paper for each of these questions (each once, whatever the repeats)."""
    add_counts(session, {qid: 1 for qid in question_ids})


def add_counts(session: Session, added: Mapping[str, int]) -> None:
    """Add papers to questions' counts ({question id: papers}), in question-id order."""
    ids = sorted(q for q, n in added.items() if n > 0)
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    table = QuestionExposure.__table__  # type: ignore[attr-defined]
    # one statement with parameters, run for each row: compiled once per process (a VALUES list of literal rows
    # was compiled anew at every exam start)
    stmt = insert(table).values(question_id=bindparam("qid"), seen=bindparam("n"))
    stmt = stmt.on_conflict_do_update(index_elements=["question_id"], set_={"seen": table.c.seen + stmt.excluded.seen})
    session.connection().execute(stmt, [{"qid": qid, "n": int(added[qid])} for qid in ids])

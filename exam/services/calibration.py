"""Trying replies against a rubric, and checking rubrics against replies trainers scored by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from exam.banks.problems import Problem
from exam.banks.yamlio import DecodeFailed, decode
from exam.db import transactional
from exam.grading.calibration import CalibrationReport, calibrate, to_scale10
from exam.grading.highlight import Segment
from exam.grading.highlight import highlight as highlight_segments
from exam.grading.rubric import ReplyResult, grade_reply
from exam.models import Question, ScoredReply
from exam.questions._reply_points import marked_criteria, penalty_notes
from exam.questions.base import QuestionBase
from exam.services.bank_store import load_question


def try_reply(model: QuestionBase, text: str) -> ReplyResult:
    """Grade ``text`` with a reply question's rubric (ValueError for other types)."""
    if model.type != "reply":
        raise ValueError("only reply questions have a rubric")
    return grade_reply(
        model.rubric,
        text,
        facts=model.facts,
        messages=list(model.messages),  # type: ignore[attr-defined]
        model_answers=list(model.model_answers),
        question=model.id,
    )  # type: ignore[attr-defined]


def highlight(text: str, result: ReplyResult, model: QuestionBase | None = None) -> list[Segment]:
    """The reply cut into plain and highlighted segments from all its evidence (penalty rules' matches in red)."""
    penalties = penalty_notes(_rubric_dict(model))
    return highlight_segments(text, marked_criteria(result.as_dict()["criteria"], penalties, once=False))


def penalties(model: QuestionBase | None) -> dict[str, set[str]]:
    """Per criterion, the notes of the rules that take points away (their matches count against the reply)."""
    return penalty_notes(_rubric_dict(model))


def _rubric_dict(model: QuestionBase | None) -> dict[str, Any] | None:
    rubric = getattr(model, "rubric", None)
    return rubric.model_dump() if rubric is not None else None


@dataclass
class CalibrationRow:
    """One scored reply with the rubric's current score."""

    reply: ScoredReply
    predicted: float | None
    predicted10: int | None
    error: str = ""

    @property
    def difference(self) -> float | None:
        """Rubric (0–10) minus the trainer's score."""
        if self.predicted10 is None:
            return None
        return self.predicted10 - self.reply.human_score


def calibration(
    session: Session, question_id: str | None = None
) -> tuple[list[CalibrationRow], CalibrationReport | None]:
    """Grade every trainer-scored reply with its question's current rubric and compare (grouped by question)."""
    stmt = select(ScoredReply).order_by(ScoredReply.question_id, ScoredReply.id)
    if question_id:
        stmt = stmt.where(ScoredReply.question_id == question_id)
    models: dict[str, QuestionBase | None] = {}
    rows: list[CalibrationRow] = []
    for reply in session.exec(stmt).all():
        if reply.question_id not in models:
            try:
                models[reply.question_id] = load_question(session, reply.question_id)
            except KeyError:
                models[reply.question_id] = None
        model = models[reply.question_id]
        if model is None or model.type != "reply":
            rows.append(CalibrationRow(reply, None, None, "not a reply question"))
            continue
        score = try_reply(model, reply.text).score
        rows.append(CalibrationRow(reply, score, to_scale10(score)))
    pairs = [(r.predicted, r.reply.human_score, r.reply.question_id) for r in rows if r.predicted is not None]
    report = calibrate(pairs) if pairs else None
    return rows, report


MAX_SCORED_LINES = 5000


def read_scored_jsonl(session: Session, name: str, raw: bytes) -> tuple[list[tuple[str, str, float]], list[Problem]]:
    """Scored replies from JSON Lines (``scenario`` or ``question``, ``text``, ``score`` 0–10), or the problems.

    The format of calibration/replies.public.jsonl; every line must name a stored reply question.
    """

    try:
        text = decode(raw)
    except DecodeFailed as exc:
        return [], [Problem(name, exc.line, str(exc))]
    rows: list[tuple[str, str, float]] = []
    problems: list[Problem] = []
    kinds: dict[str, str | None] = {}
    lines = text.splitlines()
    if len(lines) > MAX_SCORED_LINES:
        return [], [Problem(name, MAX_SCORED_LINES + 1, f"more than {MAX_SCORED_LINES} lines")]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(name, number, f"not valid JSON: {exc}"))
            continue
        except RecursionError:
            problems.append(Problem(name, number, "not valid JSON: nested too deeply"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(name, number, "each line must be a JSON object"))
            continue
        qid = item.get("question", item.get("scenario"))
        reply, score = item.get("text"), item.get("score")
        if not isinstance(qid, str) or not qid:
            problems.append(Problem(name, number, "missing 'scenario' (or 'question'): the reply question's id"))
            continue
        if qid not in kinds:
            row = session.get(Question, qid)
            kinds[qid] = row.type if row is not None else None
        if kinds[qid] is None:
            problems.append(Problem(name, number, f"no question {qid!r} in the bank"))
        elif kinds[qid] != "reply":
            problems.append(Problem(name, number, f"question {qid!r} is a {kinds[qid]} question, not a reply task"))
        if not isinstance(reply, str) or not reply.strip():
            problems.append(Problem(name, number, "missing 'text': the reply"))
        elif len(reply) > 5000:
            problems.append(Problem(name, number, "'text' is longer than 5000 characters"))
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 10:
            problems.append(Problem(name, number, f"'score' must be a number from 0 to 10 (got {score!r})"))
        if not problems or problems[-1].line != number:
            rows.append((qid, str(reply), float(score)))  # type: ignore[arg-type]
    if not rows and not problems:
        problems.append(Problem(name, 1, "no scored replies in the file"))
    return rows, problems


def metric(value: float | None, digits: int = 3) -> str:
    """A figure for tables: NaN and None as an em dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


@transactional
def add_scored_replies(session: Session, rows: Iterable[tuple[str, str, float]], actor_id: int | None) -> int:
    """Store replies that a trainer scored by hand: (question id, text, score 0–10) each; how many."""
    count = 0
    for question_id, text, score in rows:
        session.add(ScoredReply(question_id=question_id, text=text, human_score=score, created_by_id=actor_id))
        count += 1
    return count


@transactional
def delete_scored_reply(session: Session, reply: ScoredReply) -> None:
    """Delete a scored reply."""
    session.delete(reply)

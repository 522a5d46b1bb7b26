"""Rubric calibration from real replies: trainers score a sample blind; agreement per rubric; dry runs of edits.

The sample of a reply question is its candidates' replies in finished attempts, non-empty and distinct,
in a fixed pseudo-random order (a hash of the question and the answer), so every trainer meets the same
replies first and their scores can be compared. The blind screen shows the customer's scenario and the
reply only: no machine score, no evidence, no name, contact or attempt (a reply number in the sample).

Agreement compares the machine (the question's rubric, 0-100 mapped to 0-10 with ``to_scale10``) with
the trainers (the mean of their scores of a reply, rounded half up): quadratic weighted kappa, Spearman,
mean difference (machine - trainer) and the replies where they differ most, with the rubric's evidence.
A dry run grades the same replies with an edited rubric and shows the agreement before and after.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from exam.analysis.agreement import Agreement, agreement, agreement_change
from exam.db import transactional
from exam.errors import UserError
from exam.grading.calibration import to_scale10
from exam.grading.rubric import ReplyResult
from exam.models import Answer, Attempt, BlindScore, Question, QuestionVersion, User
from exam.questions.base import QuestionBase
from exam.security import N_
from exam.services import workspace
from exam.services.bank_store import load_question
from exam.services.calibration import highlight, try_reply

__all__ = [
    "SAMPLE_TARGET",
    "BlindError",
    "BlindItem",
    "DryRun",
    "RubricAgreement",
    "dry_run",
    "next_reply",
    "record_score",
    "rubric_agreement",
    "rubric_overview",
]

SAMPLE_TARGET = 20  # replies worth scoring per rubric before the agreement says much (shown as the goal)
TOP_DIFFERENCES = 10


class BlindError(UserError):
    """A refused blind score or dry run; ``message`` is an English msgid."""


def _order_key(question_id: str, answer_id: int) -> str:
    """The fixed pseudo-random place of a reply in its question's sample."""
    return hashlib.sha256(f"{question_id}:{answer_id}".encode()).hexdigest()


def _replies(session: Session, question_id: str) -> list[tuple[int, str]]:
    """(answer id, text) of every non-empty reply to the question in a finished attempt, in sample order."""
    # the text alone, extracted by the database (not every response decoded here: a question may have 10,000)
    rows = session.exec(
        select(Answer.id, col(Answer.response)["text"].as_string())
        .join(Attempt, col(Attempt.id) == col(Answer.attempt_id))
        .where(col(Answer.question_id) == question_id, col(Attempt.status) == "graded")
    ).all()
    ordered = sorted(
        ((answer_id, str(text or "")) for answer_id, text in rows),
        key=lambda r: _order_key(question_id, r[0]),  # type: ignore[arg-type]
    )
    return [(a, t) for a, t in ordered if t.strip()]  # type: ignore[misc]


def _same(text: str) -> str:
    """A reply's text as compared for duplicates (white space collapsed)."""
    return " ".join(text.split())


def sample(session: Session, question_id: str, replies: list[tuple[int, str]] | None = None) -> list[tuple[int, str]]:
    """(answer id, reply text) of the question's sample: finished attempts, non-empty, distinct, in sample order.

    ``replies``: the question's replies when the caller has already read them.
    """
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    for answer_id, text in _replies(session, question_id) if replies is None else replies:
        if _same(text) not in seen:
            seen.add(_same(text))
            out.append((answer_id, text))
    return out


@dataclass
class BlindItem:
    """The next reply for a trainer to score blind."""

    answer_id: int
    text: str
    number: int  # its place in the sample (1-based): the only name the screen gives it
    total: int
    scored_by_me: int
    question: QuestionBase


def _reply_question(session: Session, question_id: str) -> QuestionBase:
    """The current version of a reply question (BlindError when it is not one)."""
    try:
        model = load_question(session, question_id)
    except KeyError:
        raise BlindError(N_("There is no such question.")) from None
    if model.type != "reply":
        raise BlindError(N_("Only reply questions have a rubric to calibrate."))
    return model


def next_reply(session: Session, question_id: str, rater: User, after: int | None = None) -> BlindItem | None:
    """The next reply of the sample this trainer has not scored (after ``after`` when skipping); None when done."""
    model = _reply_question(session, question_id)
    replies = _replies(session, question_id)
    items = sample(session, question_id, replies)
    scored = set(
        session.exec(
            select(BlindScore.answer_id).where(BlindScore.question_id == question_id, BlindScore.rater_id == rater.id)
        ).all()
    )
    done_texts = {_same(t) for a, t in replies if a in scored}
    mine = {a for a, t in items if _same(t) in done_texts}
    start = 0
    if after is not None:
        start = next((i + 1 for i, (a, _t) in enumerate(items) if a == after), 0)
    for index in list(range(start, len(items))) + list(range(0, start)):
        answer_id, text = items[index]
        if answer_id not in mine and answer_id != after:
            return BlindItem(answer_id, text, index + 1, len(items), len(mine), model)
    return None


@transactional
def record_score(session: Session, rater: User, question_id: str, answer_id: int, score: Any) -> BlindScore:
    """Store a trainer's blind score (0-10, whole points) of a reply in the question's sample (a new score
    by the same trainer replaces the old)."""
    try:
        value = float(str(score).strip())
    except ValueError:
        raise BlindError(N_("Give a score from 0 to 10.")) from None
    if not math.isfinite(value) or not 0 <= value <= 10 or value != int(value):
        raise BlindError(N_("Give a score from 0 to 10."))
    if answer_id not in {a for a, _t in _replies(session, question_id)}:
        raise BlindError(N_("This reply is not in the question's sample."))
    row = session.exec(
        select(BlindScore).where(BlindScore.answer_id == answer_id, BlindScore.rater_id == rater.id)
    ).first()
    if row is None:
        row = BlindScore(answer_id=answer_id, question_id=question_id, rater_id=rater.id, score=value)
    else:
        row.score = value
    session.add(row)
    session.flush()
    return row


# --- agreement ----------------------------------------------------------------------------------------------


@dataclass
class ScoredRow:
    """One blind-scored reply: the trainers' score and the machine's, with the grading behind it."""

    answer_id: int
    number: int
    text: str
    trainer: int
    raters: int
    machine: int
    machine100: float
    result: ReplyResult
    segments: list[Any] = field(default_factory=list)

    @property
    def difference(self) -> int:
        """Machine minus trainer on the 0-10 scale."""
        return self.machine - self.trainer


@dataclass
class RubricAgreement:
    """Agreement of one rubric with the trainers on the blind-scored replies."""

    question: QuestionBase
    agreement: Agreement
    rows: list[ScoredRow]
    differences: list[ScoredRow]
    sample_size: int


def _half_up(value: float) -> int:
    return int(math.floor(value + 0.5 + 1e-9))


def _trainer_scores(session: Session, question_id: str) -> dict[int, tuple[int, int]]:
    """{answer id: (mean trainer score rounded half up, raters)} of the question's blind-scored replies."""
    rows = session.exec(
        select(BlindScore.answer_id, func.avg(BlindScore.score), func.count())
        .where(BlindScore.question_id == question_id)
        .group_by(BlindScore.answer_id)
    ).all()
    return {int(a): (_half_up(float(mean)), int(n)) for a, mean, n in rows}


def _score_rows(
    session: Session, question_id: str, model: QuestionBase, replies: list[tuple[int, str]] | None = None
) -> list[ScoredRow]:
    """The blind-scored replies of the sample graded by ``model``'s rubric."""
    trainers = _trainer_scores(session, question_id)
    replies = _replies(session, question_id) if replies is None else replies
    numbers = {_same(t): n for n, (_a, t) in enumerate(sample(session, question_id, replies), 1)}
    rows = []
    for answer_id, text in replies:
        if answer_id not in trainers:
            continue
        number = numbers.get(_same(text), 0)
        result = try_reply(model, text)
        trainer, raters = trainers[answer_id]
        rows.append(
            ScoredRow(
                answer_id, number, text, trainer, raters, to_scale10(result.score), result.score, result,
                highlight(text, result),
            )
        )  # fmt: skip
    return rows


def _agreement(rows: Sequence[ScoredRow]) -> Agreement:
    return agreement([r.machine for r in rows], [r.trainer for r in rows])


def rubric_agreement(session: Session, question_id: str) -> RubricAgreement:
    """The current rubric against the trainers, and the replies where they differ most."""
    model = _reply_question(session, question_id)
    replies = _replies(session, question_id)
    rows = _score_rows(session, question_id, model, replies)
    differences = sorted((r for r in rows if r.difference), key=lambda r: -abs(r.difference))[:TOP_DIFFERENCES]
    return RubricAgreement(model, _agreement(rows), rows, differences, len(sample(session, question_id, replies)))


def rubric_overview(session: Session, rater: User) -> list[dict[str, Any]]:
    """Every reply question with real replies: sample size, blind scores (all and this trainer's), agreement."""
    counts = dict(
        session.exec(
            select(Answer.question_id, func.count())
            .join(Attempt, col(Attempt.id) == col(Answer.attempt_id))
            .join(Question, col(Question.id) == col(Answer.question_id))
            .where(col(Attempt.status) == "graded", col(Question.type) == "reply")
            .group_by(Answer.question_id)
        ).all()
    )
    scored = dict(
        session.exec(
            select(BlindScore.question_id, func.count(func.distinct(BlindScore.answer_id))).group_by(
                BlindScore.question_id
            )
        ).all()
    )
    mine = dict(
        session.exec(
            select(BlindScore.question_id, func.count())
            .where(BlindScore.rater_id == rater.id)
            .group_by(BlindScore.question_id)
        ).all()
    )
    questions = session.exec(select(Question).where(col(Question.type) == "reply").order_by(Question.id)).all()
    out = []
    for q in questions:
        if not counts.get(q.id):
            continue
        figures = None
        if scored.get(q.id):
            figures = _agreement(_score_rows(session, q.id, _reply_question(session, q.id)))
        out.append(
            {
                "question": q,
                "replies": int(counts[q.id]),
                "scored": int(scored.get(q.id, 0)),
                "mine": int(mine.get(q.id, 0)),
                "agreement": figures,
            }
        )
    return out


# --- dry run ------------------------------------------------------------------------------------------------


@dataclass
class DryRun:
    """An edited rubric graded on the blind-scored replies, next to the current one."""

    model: QuestionBase | None
    problems: list[Any]
    before: Agreement | None = None
    after: Agreement | None = None
    change: dict[str, float | None] = field(default_factory=dict)
    rows: list[tuple[ScoredRow, ScoredRow]] = field(default_factory=list)
    same_task: bool = True

    @property
    def ok(self) -> bool:
        """Whether the edit is valid."""
        return self.model is not None and not self.problems


def candidate_view(model: QuestionBase) -> dict[str, Any]:
    """What candidates saw of a reply task (past replies may be regraded only if this did not change)."""
    return {key: getattr(model, key, None) for key in ("stage", "customer_type", "facts", "messages", "max_chars")}


def dry_run(session: Session, question_id: str, yaml_text: str) -> DryRun:
    """Grade the blind-scored replies with the edited question's rubric: agreement before and after."""
    current = _reply_question(session, question_id)
    parsed = workspace.parse_question_text(yaml_text, session, editing=question_id)
    if not parsed.ok:
        return DryRun(None, parsed.problems)
    model = parsed.model
    before = _score_rows(session, question_id, current)
    after = _score_rows(session, question_id, model)
    a, b = _agreement(before), _agreement(after)
    rows = sorted(zip(before, after), key=lambda p: -abs(p[1].machine - p[0].machine))
    return DryRun(model, [], a, b, agreement_change(a, b), list(rows), candidate_view(current) == candidate_view(model))


def versions_of(session: Session, question_id: str) -> list[QuestionVersion]:
    """Every stored version of a question (oldest first)."""
    return list(
        session.exec(
            select(QuestionVersion).where(QuestionVersion.question_id == question_id).order_by(QuestionVersion.version)
        ).all()
    )

"""`exam demo`: last autumn's closed opening with a few hundred finished attempts, its hires and their outcomes.

The statistics pages need many answers per question (an item is flagged only from 30 responses), the
validity page needs hires with outcomes. Real attempts through the exam engine take ~0.1 s each, so this
history is written in bulk by the same pure code a real exam uses: papers drawn by the blueprint with
exposure counts (``papers.draw_paper``), answers graded by the question types' graders, results and the
hiring score built by ``exam.hiring.sections``. Candidates answer from the same simulated abilities as
the current demo opening (``demo_candidates``); replies are composed per question from a small cache of
texts graded once. Hires' outcomes after three months follow their ability with noise, as real job
performance does; a few hires have no outcomes yet, for HR to enter. The trainer has scored a dozen real
replies of two questions blind, so the rubric agreement page has figures from the start.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from exam.banks.profile import Profile
from exam.hiring.sections import GradedItem, build_results, grade_item, store_results
from exam.models import (
    Answer,
    Attempt,
    AttemptSection,
    BlindScore,
    HireOutcome,
    Invitation,
    JobProfile,
    JobProfileVersion,
    Opening,
    Role,
    User,
)
from exam.questions.registry import get_type
from exam.services import accounts, demo_candidates, exposure, openings, papers
from exam.settings import Settings
from exam.timeutil import utcnow

PAST = 200
HIRES = 34
OUTCOMES = 28
BLIND_QUESTIONS = 2
BLIND_PER_QUESTION = 12
TEXTS_PER_QUALITY = 6

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "静", "敏", "伟", "芳", "娜", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
    "刚", "桂英", "晓燕", "丽娟", "海燕", "雪梅", "婷婷", "佳怡", "子涵", "欣怡", "浩然", "宇航", "梦洁", "思雨",
]  # fmt: skip


def _name(index: int) -> str:
    """A made-up Chinese name (surname and given name cycle at different rates)."""
    return SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7 + index // len(SURNAMES)) % len(GIVEN)]


class _Replies:
    """Reply texts per question and quality, each graded once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.texts: dict[tuple[str, str], list[str]] = {}
        self.graded: dict[tuple[str, str], tuple[float, float, dict[str, Any]]] = {}

    def pick(self, question: Any, quality: str) -> tuple[str, tuple[float, float, dict[str, Any]]]:
        """A text of this quality for the question and its grading."""
        pool = self.texts.setdefault((question.id, quality), [])
        if len(pool) < TEXTS_PER_QUALITY:
            text = demo_candidates.compose_reply(question, quality, self.rng)
            if text not in pool:
                pool.append(text)
        else:
            text = self.rng.choice(pool)
        key = (question.id, text)
        if key not in self.graded:
            self.graded[key] = grade_item(question, {"text": text})
        return text, self.graded[key]


def _outcome(theta: float, rng: random.Random) -> dict[str, Any]:
    """Three months on the job: ability matters, so does everything else (noise)."""
    z = theta + rng.gauss(0, 0.8)

    def clamp(value: float, lo: float, hi: float) -> float:
        return round(min(hi, max(lo, value)), 1)

    return {
        "probation_passed": rng.random() < 1 / (1 + math.exp(-(1.3 + 1.4 * z))),
        "conversion_rate": clamp(22 + 5 * z + rng.gauss(0, 2.5), 3, 60),
        "response_time": clamp(34 - 7 * z + rng.gauss(0, 5), 5, 120),
        "reply_rate": clamp(95 + 2.2 * z + rng.gauss(0, 1.5), 60, 100),
        "bad_review_rate": clamp(1.3 - 0.35 * z + rng.gauss(0, 0.3), 0, 10),
        "satisfaction": clamp(94 + 2 * z + rng.gauss(0, 1.5), 60, 100),
    }


def _answer(question: Any, skill: float, start: datetime, replies: _Replies, rng: random.Random) -> tuple:
    """(response, (score, max, detail), seconds, quality) of one simulated answer."""
    if question.type == "typing":
        speed = 28 + skill * 95 + rng.uniform(-12, 12)
        error_rate = max(0.0, 0.09 - skill * 0.085 + rng.uniform(-0.01, 0.02))
        response, used = demo_candidates._typing_response(question, start, speed, error_rate, rng)
        return response, grade_item(question, response), used + 8, None
    if question.type == "reply":
        quality = demo_candidates.reply_quality(skill, rng)
        text, graded = replies.pick(question, quality)
        return {"text": text}, graded, rng.uniform(120, 280), quality
    if question.type == "chat_simulation":
        response = demo_candidates._desk_response(question, start, skill, rng)
        return response, grade_item(question, response), float(question.duration), None
    response = demo_candidates._choice_response(question, skill, rng)
    return response, grade_item(question, response), rng.uniform(15, 45) * (1.3 - 0.5 * skill), None


def _attempt(
    session: Session,
    opening: Opening,
    index: int,
    profile: tuple[dict[str, Any], Profile],
    bank: tuple[dict[str, Any], dict[str, int]],
    counts: dict[str, int],
    replies: _Replies,
    rng: random.Random,
    answers: list[dict[str, Any]],
    sections: list[dict[str, Any]],
) -> tuple[Attempt, float, list[tuple[int, int, str, str]]]:
    """One past candidate's finished, graded attempt (its answer and section rows go to ``answers`` and
    ``sections`` for a bulk insert): (attempt, ability, [(attempt id, position, question id, reply quality)])."""
    content, model = profile
    questions, version_ids = bank
    skill = rng.betavariate(4, 2.2)
    start = opening.opens_at + timedelta(days=rng.uniform(0.2, 28), minutes=rng.uniform(0, 600))
    name = _name(index)
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    user = User(username=f"past{index:03d}-{secrets.token_hex(3)}", role=Role.candidate, display_name=name, phone=phone)
    session.add(user)
    session.flush()
    invitation = Invitation(
        opening_id=opening.id,  # type: ignore[arg-type]
        token_hash=secrets.token_hex(32),
        name=name,
        phone=phone,
        candidate_id=user.id,
        created_at=start - timedelta(days=2),
        expires_at=opening.closes_at,
        notice_accepted_at=start - timedelta(minutes=2),
    )
    session.add(invitation)
    paper = papers.draw_paper(model, questions, version_ids, rng, counts)
    paper["profile_version"] = opening.profile_version
    for qid in {e.item["question_id"] for e in papers.iter_items(paper)}:
        counts[qid] = counts.get(qid, 0) + 1
    session.flush()
    attempt = Attempt(
        opening_id=opening.id,  # type: ignore[arg-type]
        candidate_id=user.id,  # type: ignore[arg-type]
        invitation_id=invitation.id,
        status="graded",
        paper=paper,
        started_at=start,
        deadline_at=start + timedelta(seconds=papers.total_time_limit(paper)),
        current_section=len(paper["sections"]),
    )
    session.add(attempt)
    session.flush()
    items: list[GradedItem] = []
    written: list[tuple[int, int, str, str]] = []
    clock = start
    entries = list(papers.iter_items(paper))
    for s_index, section in enumerate(paper["sections"]):
        began = clock
        for entry in (e for e in entries if e.section_index == s_index):
            question = questions[entry.item["question_id"]]
            response, (score, maximum, detail), seconds, quality = _answer(question, skill, clock, replies, rng)
            clock += timedelta(seconds=seconds)
            answers.append(
                {
                    "attempt_id": attempt.id,
                    "question_id": question.id,
                    "question_version_id": entry.item["version_id"],
                    "section_id": entry.section_id,
                    "position": entry.position,
                    "response": response,
                    "version": 1,
                    "flagged": False,
                    "updated_at": clock,
                    "score": score,
                    "max_score": maximum,
                    "result": detail,
                    "overrides": {},
                    "seconds": round(seconds, 1),
                }
            )
            kind = get_type(question.type)
            items.append(
                GradedItem(
                    entry.position,
                    entry.section_id,
                    question.type,
                    tuple(question.topics),
                    score,
                    maximum,
                    detail,
                    kind.is_answered(response),
                )
            )
            if quality:
                written.append((attempt.id, entry.position, question.id, quality))  # type: ignore[arg-type]
        clock += timedelta(seconds=rng.uniform(5, 40))
        sections.append(
            {
                "attempt_id": attempt.id,
                "section_id": section["id"],
                "position": s_index,
                "started_at": began,
                "deadline_at": began + timedelta(seconds=int(section["time_limit"])),
                "submitted_at": clock,
            }
        )
    store_results(attempt, build_results(paper, items, content))
    attempt.submitted_at = clock
    attempt.graded_at = clock + timedelta(seconds=1)
    session.add(attempt)
    return attempt, demo_candidates.ability(skill), written


def _blind_scores(
    session: Session, trainer: User | None, written: list[tuple[int, int, str, str]], rng: random.Random
) -> int:
    """The trainer's blind scores of a dozen distinct replies to each of the two most answered questions."""
    by_question: dict[str, list[tuple[int, int, str]]] = {}
    for attempt_id, position, qid, quality in written:
        by_question.setdefault(qid, []).append((attempt_id, position, quality))
    chosen = sorted(by_question, key=lambda q: (-len(by_question[q]), q))[:BLIND_QUESTIONS]
    added = 0
    for qid in chosen:
        rows = session.exec(
            select(Answer.attempt_id, Answer.position, Answer.id, Answer.response).where(Answer.question_id == qid)
        ).all()
        found = {(a, p): (i, (r or {}).get("text", "")) for a, p, i, r in rows}
        seen: set[str] = set()
        for attempt_id, position, quality in by_question[qid]:
            answer_id, text = found[(attempt_id, position)]
            if text in seen:
                continue
            seen.add(text)
            score = rng.choice({"good": [7, 8, 8, 9], "medium": [4, 5, 5, 6], "poor": [0, 1, 2, 3]}[quality])
            session.add(
                BlindScore(answer_id=answer_id, question_id=qid, rater_id=trainer.id if trainer else None, score=score)
            )
            added += 1
            if len(seen) >= BLIND_PER_QUESTION:
                break
    return added


def create_history(session: Session, settings: Settings, logins: Any, echo: Callable[[str], None]) -> None:
    """Last autumn's closed opening: PAST graded attempts, HIRES hires (OUTCOMES with outcomes), blind scores."""
    hr = accounts.get_user(session, "hr")
    trainer = accounts.get_user(session, "trainer")
    now = utcnow()
    rng = random.Random(20251015)
    opening = openings.create_opening(
        session,
        title="售前客服 · 2025 秋季招聘",
        profile_id=demo_candidates.PROFILE_ID,
        opens_at=now - timedelta(days=150),
        closes_at=now - timedelta(days=115),
        retention_days=730,
        actor=hr,
    )
    opening.created_at = now - timedelta(days=152)
    stored = session.exec(
        select(JobProfileVersion).where(
            JobProfileVersion.profile_id == opening.profile_id, JobProfileVersion.version == opening.profile_version
        )
    ).one()
    profile = (stored.content, Profile.model_validate(stored.content))
    bank = papers.active_questions(session)
    counts = exposure.counts(session)
    replies = _Replies(random.Random(7))
    before = dict(counts)
    people: list[tuple[Attempt, float]] = []
    written: list[tuple[int, int, str, str]] = []
    answers: list[dict[str, Any]] = []
    sections: list[dict[str, Any]] = []
    for index in range(PAST):
        attempt, theta, replied = _attempt(
            session, opening, index, profile, bank, counts, replies, rng, answers, sections
        )
        people.append((attempt, theta))
        written.extend(replied)
        if len(answers) > 2000 or index == PAST - 1:
            session.execute(insert(Answer), answers)  # Core bulk insert: the ORM's per-row work is most of the time
            session.execute(insert(AttemptSection), sections)
            answers, sections = [], []
    exposure.add_counts(session, {q: n - before.get(q, 0) for q, n in counts.items() if n != before.get(q, 0)})
    session.flush()
    ranked = sorted(people, key=lambda p: (bool(p[0].hard_requirements_met), p[0].hiring_score or 0.0), reverse=True)
    for place, (attempt, theta) in enumerate(ranked):
        hired = place < HIRES
        attempt.decision = "hire" if hired else "reject"
        attempt.decision_note = "录用，十月入职" if hired else "名额已满"
        session.add(attempt)
        if hired and place < OUTCOMES:
            session.add(
                HireOutcome(
                    attempt_id=attempt.id,  # type: ignore[arg-type]
                    opening_id=opening.id,  # type: ignore[arg-type]
                    recorded_at=now - timedelta(days=rng.uniform(5, 20)),
                    recorded_by_id=hr.id if hr else None,
                    **_outcome(theta, rng),
                )
            )
    blind = _blind_scores(session, trainer, written, random.Random(11))
    session.flush()
    echo(
        f"past opening {opening.title!r}: {PAST} graded attempts, {HIRES} hires ({OUTCOMES} with outcomes), "
        f"{blind} replies scored blind by the trainer"
    )


def ready(session: Session) -> bool:
    """Whether the bank holds the demo profile."""
    return session.get(JobProfile, demo_candidates.PROFILE_ID) is not None

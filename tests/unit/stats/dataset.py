"""Small fixed datasets in a real database for the statistics services (figures worked out by hand in the tests).

``knowledge_opening``: six candidates A-F answer the same four single-choice questions K1-K4 (key "a")::

         K1 K2 K3 K4  total   K2 pick
    A    1  1  1  1   4       a
    B    1  1  1  0   3       a
    C    1  0  1  0   2       b
    D    1  1  0  0   2       a
    E    0  0  1  0   1       c
    F    1  0  0  0   1       b

The profile has one section (knowledge) and one criterion (knowledge.percent, weight 1), so each
candidate's hiring score is their knowledge percent: 100, 75, 50, 50, 25, 25. K1's answers report
10, 20, ..., 60 seconds spent.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from exam.banks.profile import Profile
from exam.models import Answer, Attempt, Opening, QuestionVersion, Role, User
from exam.questions.registry import parse_question
from exam.services import accounts, openings, results
from exam.services.bank_store import store_profile, store_question
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS

ROOT = Path(__file__).resolve().parents[3]
NAMES = "ABCDEF"
RIGHT = {
    "A": (1, 1, 1, 1),
    "B": (1, 1, 1, 0),
    "C": (1, 0, 1, 0),
    "D": (1, 1, 0, 0),
    "E": (0, 0, 1, 0),
    "F": (1, 0, 0, 0),
}
WRONG_PICKS = {"k2": {"C": "b", "E": "c", "F": "b"}}
ITEMS = ("k1", "k2", "k3", "k4")


def choice(qid: str, stem: str) -> dict[str, Any]:
    """A single-choice question whose key is option a."""
    return {
        "id": qid,
        "type": "single_choice",
        "topics": ["principles"],
        "difficulty": 2,
        "source": {"seed": "test", "section": "statistics"},
        "stem": stem,
        "shuffle": False,
        "options": [
            {"id": "a", "text": "正确的做法", "correct": True},
            {"id": "b", "text": "错误的做法一"},
            {"id": "c", "text": "错误的做法二"},
            {"id": "d", "text": "错误的做法三"},
        ],
        "explanation": "只有 a 是正确的做法。",
    }


PROFILE = {
    "id": "stats_test",
    "title": "统计测试岗位",
    "source": {"seed": "test", "section": "statistics"},
    "description": "",
    "sections": [
        {"id": "knowledge", "title": "服务知识", "time_limit": 600, "draw": [{"type": "single_choice", "count": 4}]}
    ],
    "criteria": [{"id": "knowledge", "label": "服务知识", "input": "knowledge.percent", "weight": 1}],
    "bands": [{"min": 70, "label": "推荐"}, {"min": 0, "label": "不推荐"}],
}


def store(session: Session, questions: list[dict[str, Any]], profile: dict[str, Any]) -> dict[str, int]:
    """Store questions and a profile; {question id: version row id}."""
    ids = {}
    for data in questions:
        _outcome, version = store_question(session, parse_question(data))
        ids[data["id"]] = version.id
    store_profile(session, Profile.model_validate(profile))
    session.commit()
    return ids  # type: ignore[return-value]


def opening_for(session: Session, profile_id: str, title: str = "统计测试") -> Opening:
    """An open opening examined with the profile, owned by the HR user "hr" (made if missing)."""
    now = utcnow()
    owner = accounts.get_user(session, "hr") or accounts.create_user(session, "hr", Role.hr, PASSWORDS["hr"])
    opening = openings.create_opening(
        session,
        title=title,
        profile_id=profile_id,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=3),
        actor=owner,
    )
    session.commit()
    return opening


def finished_attempt(
    session: Session,
    opening: Opening,
    name: str,
    items: list[tuple[str, str, int, dict[str, Any]]],
    seconds: list[float | None] | None = None,
) -> Attempt:
    """A candidate's attempt with the given answers [(section, question id, version id, response)], graded
    by the real graders through results.grade_attempt."""
    user = accounts.create_user(session, f"cand-{opening.id}-{name}", Role.candidate, None, display_name=name)
    sections: dict[str, list[dict[str, Any]]] = {}
    for section, qid, version_id, _response in items:
        item = {"question_id": qid, "version_id": version_id, "type": "single_choice"}
        if qid.startswith("reply"):
            item["type"] = "reply"
        else:
            item["order"] = ["a", "b", "c", "d"]
        sections.setdefault(section, []).append(item)
    paper = {
        "profile_id": opening.profile_id,
        "profile_version": opening.profile_version,
        "sections": [{"id": s, "title": s, "time_limit": 600, "items": its} for s, its in sections.items()],
    }
    now = utcnow()
    attempt = Attempt(
        opening_id=opening.id,  # type: ignore[arg-type]
        candidate_id=user.id,  # type: ignore[arg-type]
        paper=paper,
        status="submitted",
        started_at=now - timedelta(minutes=30),
        deadline_at=now,
        submitted_at=now - timedelta(minutes=1),
    )
    session.add(attempt)
    session.flush()
    for position, (section, qid, version_id, response) in enumerate(items):
        session.add(
            Answer(
                attempt_id=attempt.id,  # type: ignore[arg-type]
                question_id=qid,
                question_version_id=version_id,
                section_id=section,
                position=position,
                response=response,
                version=1,
                seconds=seconds[position] if seconds else None,
            )
        )
    session.flush()
    results.grade_attempt(session, attempt)
    session.commit()
    return attempt


def knowledge_opening(session: Session) -> Opening:
    """The six candidates of the module docstring, graded."""
    versions = store(session, [choice(q, f"第 {q} 题：下列做法哪一个正确？") for q in ITEMS], PROFILE)
    opening = opening_for(session, PROFILE["id"])
    for index, name in enumerate(NAMES):
        answers = []
        for qid, right in zip(ITEMS, RIGHT[name]):
            pick = "a" if right else WRONG_PICKS.get(qid, {}).get(name, "d")
            answers.append(("knowledge", qid, versions[qid], {"choice": pick}))
        seconds = [10.0 * (index + 1), None, None, None]
        finished_attempt(session, opening, name, answers, seconds)
    return opening


def version_ids(session: Session, question_id: str) -> list[int]:
    """Version row ids of a question, oldest first."""
    rows = session.exec(
        select(QuestionVersion).where(QuestionVersion.question_id == question_id).order_by(QuestionVersion.version)
    ).all()
    return [r.id for r in rows]  # type: ignore[misc]


def user(session: Session, username: str) -> User:
    """A user by name."""
    return session.exec(select(User).where(User.username == username)).one()


# --- replies ------------------------------------------------------------------------------------------------

REPLY_ID = "reply.bargain.tiger"
REPLIES = {
    "good": "亲，这款衬衣是全棉的，大厂代工，199元是店铺统一价，不议价哦。买两件可以享9折，满299元还包邮，很划算的。",
    "medium": "亲，这个价格已经很实惠了，店铺统一价不议价。",
    "poor": "不行，爱买不买。",
    "copy": "我觉得这个价钱太贵了,便宜点。",
    "short": "您好，衬衣199元，不能便宜。",
    "english": "Sorry, the price is fixed.",
}
REPLY_PROFILE = {
    "id": "reply_test",
    "title": "回复测试岗位",
    "source": {"seed": "test", "section": "statistics"},
    "description": "",
    "sections": [
        {"id": "communication", "title": "客户回复", "time_limit": 600, "draw": [{"type": "reply", "count": 1}]}
    ],
    "criteria": [{"id": "communication", "label": "沟通", "input": "communication.percent", "weight": 1}],
    "bands": [{"min": 60, "label": "推荐"}, {"min": 0, "label": "不推荐"}],
}


def reply_content() -> dict[str, Any]:
    """The shipped bank's reply.bargain.tiger as stored content."""
    from exam.banks.loader import load_bank
    from exam.questions.registry import export_question

    return export_question(load_bank([str(ROOT / "question_banks" / "replies")]).questions[REPLY_ID])


def reply_opening(session: Session, names: dict[str, str] | None = None) -> tuple[Opening, dict[str, Attempt]]:
    """One graded attempt per reply of REPLIES (candidate named after its key) on a one-reply paper."""
    versions = store(session, [reply_content()], REPLY_PROFILE)
    opening = opening_for(session, REPLY_PROFILE["id"], "回复测试")
    done = {}
    for key, text in (names or REPLIES).items():
        done[key] = finished_attempt(
            session, opening, key, [("communication", REPLY_ID, versions[REPLY_ID], {"text": text})]
        )
    return opening, done

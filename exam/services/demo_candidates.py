"""`exam demo`: an opening for the presale profile with ~30 finished, graded attempts and invitation links.

Answers are simulated with varied, realistic quality (typing at controlled speeds and error rates,
choice picks at a candidate's skill level, replies composed from good / medium / poor building blocks
written here, a reception desk played through the simulation engine with good answers from
exam/data/simulations/demo_answers.json, generic or poor ones, late or missing), then graded by the real
engines through results.grade_attempt.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from exam.grading.typing import normalise
from exam.models import AttemptSection, JobProfile
from exam.questions.registry import get_type
from exam.services import accounts, attempts, events, openings, papers, results
from exam.settings import Settings
from exam.simulation.engine import advance, next_due, reply, start, state_to_dict
from exam.timeutil import iso, utcnow

PROFILE_ID = "presale"
NAMES = [
    "李娜",
    "王芳",
    "张伟",
    "刘洋",
    "陈静",
    "杨敏",
    "赵磊",
    "黄丽",
    "周婷",
    "吴超",
    "徐倩",
    "孙浩",
    "马丽丽",
    "朱晓燕",
    "胡军",
    "郭佳",
    "何雪",
    "高峰",
    "林小红",
    "罗琳",
    "郑凯",
    "梁爽",
    "谢婉",
    "宋佳怡",
    "唐欣",
    "韩梅",
    "冯涛",
    "邓璐",
    "曹阳",
    "彭悦",
    "曾可",
    "萧然",
    "田甜",
    "董明",
]
FINISHED = 30
# Browsers the demo candidates used (shown in the integrity timeline as 浏览器 · 系统).
DEMO_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
]
SPECIAL = {3: "copies", 11: "english"}  # candidates whose first reply the rubric cannot judge

# Reply building blocks (written for the demo; not taken from the calibration replies).
GREETINGS = {
    "good": [
        "亲，您好！很高兴为您服务～",
        "您好亲，感谢您的耐心等待！",
        "亲爱的顾客您好，我是客服小林，很高兴为您服务。",
    ],
    "medium": ["您好，", "亲，"],
    "poor": ["", "在。", "你好，"],
}
EMPATHY = ["非常理解您的心情，", "您的顾虑我完全明白，", "给您带来不便真的很抱歉，", "感谢您对小店的信任，"]
FACT_INTROS = ["跟您说明一下：", "这边帮您确认了一下：", "具体情况是这样的："]
SOLUTIONS = [
    "我这边马上帮您跟进处理，有结果第一时间通知您。",
    "您看这样安排可以吗？还有疑问随时找我哦。",
    "建议您放心下单，我们会尽快为您安排。",
    "后续有任何问题，您直接联系我就可以，我会一直跟进到底。",
]
CLOSINGS = [
    "感谢您的理解与支持，祝您生活愉快！",
    "再次感谢您的信任，祝您购物愉快～",
    "有任何需要随时联系我们哦，祝您开心！",
]
MEDIUM_ENDINGS = ["有问题再说。", "您看一下吧。", "就这样。"]
POOR_REPLIES = [
    "这个没办法，规定就是这样。",
    "不知道，你自己看详情页吧。",
    "这个不归我们管，你去找快递。",
    "不行，爱买不买。",
    "系统就这样，我也没办法。",
]
TYPO_CHARS = "的一是了在人有我他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后"


def _clauses(facts: str) -> list[str]:
    parts = [p.strip(" ,，。") for p in re.split(r"[；;。]", facts) if p.strip(" ,，。")]
    return parts or [facts]


def compose_reply(question: Any, quality: str, rng: random.Random) -> str:
    """A reply to a reply task, of "good", "medium" or "poor" quality."""
    facts = _clauses(getattr(question, "facts", "") or "")
    if quality == "poor":
        return rng.choice(GREETINGS["poor"]) + rng.choice(POOR_REPLIES)
    if quality == "medium":
        return rng.choice(GREETINGS["medium"]) + facts[0] + "。" + rng.choice(MEDIUM_ENDINGS)
    chosen = facts[: rng.randint(2, 3)]
    return (
        rng.choice(GREETINGS["good"])
        + rng.choice(EMPATHY)
        + rng.choice(FACT_INTROS)
        + "，".join(chosen)
        + "。"
        + rng.choice(SOLUTIONS)
        + rng.choice(CLOSINGS)
    )


def typed_text(passage: str, chars: int, error_rate: float, rng: random.Random) -> str:
    """The first ``chars`` characters of a passage as typed with roughly ``error_rate`` mistakes."""
    source = normalise(passage)[:chars]
    out = []
    for ch in source:
        roll = rng.random()
        if roll < error_rate * 0.6:
            out.append(rng.choice(TYPO_CHARS))  # wrong character
        elif roll < error_rate * 0.85:
            continue  # left out
        elif roll < error_rate:
            out.append(ch + rng.choice(TYPO_CHARS))  # extra character
        else:
            out.append(ch)
    return "".join(out)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _typing_response(
    question: Any, started: datetime, speed: float, error_rate: float, rng: random.Random
) -> tuple[dict[str, Any], float]:
    """A typing answer: text, server-side start/last change and (t, chars) samples; returns (response, seconds used)."""
    limit = float(question.time_limit)
    total = len(normalise(question.passage))
    chars = min(total, int(speed * limit / 60))
    used = chars / speed * 60 if chars == total else limit
    text = typed_text(question.passage, chars, error_rate, rng)
    samples: list[list[float]] = [[0, 0]]
    t = 0.0
    while t < used:
        t = min(used, t + rng.uniform(3, 6))
        samples.append([round(t, 2), min(len(text), int(len(text) * t / used))])
    return (
        {
            "text": text,
            "started_at": _iso(started),
            "last_change_at": _iso(started + timedelta(seconds=used)),
            "samples": samples,
        },
        used,
    )


def item_model(question: Any) -> tuple[float, float, str]:
    """A choice question's simulated behaviour: (discrimination a, difficulty b, flaw).

    Fixed per question id, so every run and every opening agree. About one question in eight has a
    flaw that item statistics should catch: "lure" (a distractor strong candidates fall for), "easy",
    "hard" or "noise" (answers unrelated to ability).
    """
    h = int(hashlib.sha256(question.id.encode("utf-8")).hexdigest()[:12], 16)
    a = 1.2 + 1.4 * ((h & 0xFFFF) / 0xFFFF)
    b = (int(getattr(question, "difficulty", 3)) - 3) * 0.55 + 0.5 + ((h >> 16 & 0xFFFF) / 0xFFFF - 0.5)
    flaw = {0: "lure", 1: "easy", 2: "hard", 3: "noise"}.get((h >> 32) % 32, "")
    if flaw == "easy":
        b = -3.2
    elif flaw == "hard":
        a, b = 0.4, 3.0
    elif flaw == "noise":
        a = 0.0
    return a, b, flaw


def ability(skill: float) -> float:
    """A candidate's latent ability on the usual scale (skill ~ Beta(4, 2.2) has mean .65 and SD .18)."""
    return (skill - 0.645) / 0.18


def _distractor_weights(question: Any, ids: list[str]) -> dict[str, float]:
    """How attractive each option is as a wrong answer (in one question of four, one is nearly never picked)."""
    weights = {}
    for oid in ids:
        h = int(hashlib.sha256(f"{question.id}/{oid}".encode()).hexdigest()[:6], 16)
        weights[oid] = 0.3 + (h % 1000) / 1000
    if int(hashlib.sha256(question.id.encode()).hexdigest()[-2:], 16) % 4 == 0:
        weights[min(ids, key=lambda o: weights[o])] = 0.02
    return weights


DESK_MEDIUM = ["您好，好的，我看一下。", "亲，可以的，您看着拍就行。", "有的，您放心。", "好的，稍等哈。"]
DESK_POOR = ["不知道，你自己看详情页吧。", "这个没办法。", "嗯。", "你自己选吧。"]


@lru_cache(maxsize=1)
def _desk_answers() -> dict[str, Any]:
    """Good answers to the shipped simulations' steps (written for the demo and the tests)."""
    path = resources.files("exam") / "data" / "simulations" / "demo_answers.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _desk_response(question: Any, started: datetime, skill: float, rng: random.Random) -> dict[str, Any]:
    """A reception desk played by a candidate of this skill: good, generic or poor replies, fast, slow or none."""
    good = _desk_answers().get(question.id, {})
    state = start(question)
    new = advance(state, 0.0)
    queue: list[tuple[float, str, str]] = []
    sent = 0
    while True:
        for message in new:
            if message.sender != "customer" or message.kind not in ("step", "nudge"):
                continue
            if rng.random() > 0.55 + 0.45 * skill and message.kind == "step":
                continue  # missed: the customer will nudge
            roll = rng.random()
            text = good.get(message.customer, {}).get(message.step or "")
            if not text or roll > skill + 0.15:
                text = rng.choice(DESK_POOR if roll > skill + 0.45 else DESK_MEDIUM)
            delay = rng.uniform(6, 25) + (1 - skill) * rng.uniform(0, 60)
            queue.append((message.at + delay, message.customer, text))
        queue.sort()
        due = next_due(state)
        times = [t for t in (due, queue[0][0] if queue else None) if t is not None]
        if not times or min(times) > question.duration:
            break
        now = min(times)
        if queue and queue[0][0] <= now:
            at, customer, text = queue.pop(0)
            chat = state.chat(customer)
            if chat.status in ("awaiting", "reading"):
                new = reply(state, at, customer, text)
                sent += 1
            else:
                new = advance(state, at)
        else:
            new = advance(state, now)
    return {"state": state_to_dict(state), "started_at": iso(started), "sent": sent}


def _choice_response(question: Any, skill: float, rng: random.Random) -> dict[str, Any]:
    """A choice answer from a two-parameter model with guessing, and the question's flaw if any."""
    qtype = get_type(question.type)
    a, b, flaw = item_model(question)
    theta = ability(skill)
    guess = 0.5 if question.type == "true_false" else 0.2
    right = rng.random() < guess + (1 - guess) / (1 + math.exp(-1.7 * a * (theta - b)))
    if question.type == "true_false":
        if flaw == "lure":
            right = rng.random() < 0.75 - 0.25 * math.tanh(theta)
        return qtype.read_answer(question, {"answer": question.answer if right else not question.answer})
    correct = question.correct_ids()
    ids = [o.id for o in question.options]
    wrong_ids = [i for i in ids if i not in correct] or ids
    weights = _distractor_weights(question, wrong_ids)
    if flaw == "lure" and rng.random() < 0.15 + 0.5 / (1 + math.exp(-1.5 * theta)):
        lure = max(wrong_ids, key=lambda o: weights[o])
        if question.type == "single_choice":
            return qtype.read_answer(question, {"choice": lure})
        return qtype.read_answer(question, {"choices": sorted(set(correct[:-1]) | {lure})})
    if question.type == "single_choice":
        pick = correct[0] if right else rng.choices(wrong_ids, [weights[i] for i in wrong_ids])[0]
        return qtype.read_answer(question, {"choice": pick})
    if right:
        picks = list(correct)
    else:
        picks = [i for i in correct if rng.random() < 0.6]
        picks.append(rng.choices(wrong_ids, [weights[i] for i in wrong_ids])[0])
    return qtype.read_answer(question, {"choices": sorted(set(picks))})


def reply_quality(skill: float, rng: random.Random) -> str:
    """How well a candidate of this skill writes one reply: "good", "medium" or "poor"."""
    roll = rng.random()
    return "good" if roll < skill * 0.9 else ("medium" if roll < skill + 0.25 else "poor")


def simulate(
    session: Session,
    opening: Any,
    invitation: Any,
    start: datetime,
    rng: random.Random,
    special: str = "",
) -> Any:
    """One candidate's whole attempt with answers of a random skill level, graded by the real engines.

    ``special``: "copies" (the first reply repeats the customer's message) or "english" (written in English):
    replies the rubric cannot judge, which the HR report sends to a person.
    """
    replies: list[tuple[Any, str]] = []
    candidate = openings.candidate_for(session, invitation)
    attempts.accept_notice(session, invitation, start - timedelta(minutes=2))
    attempt = attempts.start_attempt(session, invitation, candidate, now=start, rng=rng)
    skill = rng.betavariate(4, 2.2)  # mostly decent, some weak, a few excellent
    speed = 28 + skill * 95 + rng.uniform(-12, 12)
    error_rate = max(0.0, 0.09 - skill * 0.085 + rng.uniform(-0.01, 0.02))
    answers = {a.position: a for a in attempts.answers_of(session, attempt)}
    questions = papers.load_versions(session, [a.question_version_id for a in answers.values()])
    agent = DEMO_AGENTS[(attempt.id or 0) % len(DEMO_AGENTS)]  # not drawn from rng: the demo's scores stay the same
    events.add_event(
        session,
        attempt,
        "session_start",
        {"session": f"demo{attempt.id}", "ip": "127.0.0.1", "user_agent": agent},
        start,
    )
    now = start
    for index, section in enumerate(attempt.paper["sections"]):
        clock = session.exec(
            select(AttemptSection).where(AttemptSection.attempt_id == attempt.id, AttemptSection.position == index)
        ).one()
        now = clock.started_at or now
        used_total = 0.0
        for entry in papers.iter_items(attempt.paper):
            if entry.section_index != index:
                continue
            answer = answers[entry.position]
            question = questions[answer.question_version_id]
            if question.type == "typing":
                response, used = _typing_response(
                    question, now + timedelta(seconds=used_total + 3), speed, error_rate, rng
                )
                used += 8
                used_total += used + 8
            elif question.type == "chat_simulation":
                response = _desk_response(question, now, skill, rng)
                used_total += float(question.duration)
            elif question.type == "reply":
                quality = reply_quality(skill, rng)
                text = compose_reply(question, quality, rng)
                if special == "copies" and not replies:
                    text = "您好，" + question.messages[0]
                elif special == "english" and not replies:
                    text = "Hello, thank you for your message. We will check your order and reply to you soon."
                replies.append((answer, quality))
                response = {"text": text}
                used = rng.uniform(120, 280)
            else:
                response = _choice_response(question, skill, rng)
                used = rng.uniform(15, 45) * (1.3 - 0.5 * skill)
            used_total += used
            answer.seconds = round(used, 1)
            answer.response = response
            answer.version = 1
            answer.updated_at = now + timedelta(seconds=used_total)
            session.add(answer)
        limit = float(section["time_limit"])
        end = now + timedelta(seconds=min(limit - 1, used_total + rng.uniform(5, 40)))
        if rng.random() < 0.25:
            events.add_event(
                session,
                attempt,
                "tab_hidden",
                {"seconds": round(rng.uniform(2, 40), 1)},
                now + timedelta(seconds=rng.uniform(10, max(11, used_total))),
            )
        if index == 0 and rng.random() < 0.12:
            events.add_event(
                session, attempt, "paste", {"item": 0, "chars": rng.randint(20, 60)}, now + timedelta(seconds=5)
            )
        session.flush()
        attempts.close_section(session, attempt, clock, now=end)
        now = end
    if rng.random() < 0.08:
        events.add_event(
            session,
            attempt,
            "second_session",
            {"session": "demo-second", "ip": "10.0.0.8"},
            start + timedelta(minutes=5),
        )
    results.grade_attempt(session, attempt, now=now + timedelta(seconds=1))
    return attempt


def ready(session: Session) -> bool:
    """Whether the bank holds the profile the demo opening uses."""
    return session.get(JobProfile, PROFILE_ID) is not None


def create_opening(session: Session, settings: Settings, logins: Any, echo: Callable[[str], None]) -> None:
    """Create the demo opening, its invitations and ~30 graded attempts; print an unused invitation link."""
    secret = settings.resolved_secret_key()
    hr = accounts.get_user(session, "hr")
    now = utcnow()
    rng = random.Random(20260301)
    opening = openings.create_opening(
        session,
        title="售前客服 · 2026 春季招聘",
        profile_id=PROFILE_ID,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=20),
        show_result=True,
        actor=hr,
    )
    for index, name in enumerate(NAMES[:FINISHED]):
        start = now - timedelta(days=rng.uniform(0.3, 9), hours=0)
        invitation, _ = openings.invite(
            session,
            opening,
            name=name,
            phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            extra_time_factor=1.25 if index == 7 else 1.0,
            actor=hr,
            secret_key=secret,
            created_at=start - timedelta(days=1),
        )
        simulate(session, opening, invitation, start, rng, SPECIAL.get(index, ""))
        if (index + 1) % 5 == 0 or index + 1 == FINISHED:
            echo(f"  candidates graded: {index + 1}/{FINISHED}")
    tokens: list[str] = []
    for name in NAMES[FINISHED:]:
        _, token = openings.invite(
            session, opening, name=name, email=f"candidate{len(tokens) + 1}@example.com", actor=hr, secret_key=secret
        )
        tokens.append(token)
    session.flush()
    echo(f"  demo opening {opening.title!r}: {FINISHED} graded attempts, {len(tokens)} unused invitations")
    logins.extra.append(f"  try the exam: {{base}}/i/{tokens[0]}   (more unused links: sign in as hr)")

"""Attempts on a real database with explicit times: clocks, deadlines and grace, versions, sections,
typing, integrity signals, grading, the sweep, and one attempt per candidate."""

import random
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from exam.models import Answer, Attempt, AttemptSection, IntegrityEvent
from exam.services import attempts, openings, papers, results, sweep
from exam.services import events as integrity_events
from exam.services.attempts import ExamError
from exam.timeutil import utcnow
from tests.web.candidate_helpers import make_invitation, make_opening, seed_bank


@pytest.fixture
def setup(session, settings):  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session, opens_in=timedelta(days=-1))

    def start(name: str = "张三", factor: float = 1.0, now=None):  # type: ignore[no-untyped-def]
        invitation, _ = make_invitation(
            session, opening, name, phone=f"1380000{abs(hash(name)) % 10000:04d}", factor=factor
        )
        candidate = openings.candidate_for(session, invitation)
        attempts.accept_notice(session, invitation)
        attempt = attempts.start_attempt(session, invitation, candidate, now=now or utcnow(), rng=random.Random(5))
        session.commit()
        return attempt

    return start


def positions(attempt: Attempt) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for entry in papers.iter_items(attempt.paper):
        out.setdefault(entry.item["type"], []).append(entry.position)
    return out


def choice_value(attempt: Attempt, position: int, correct: bool, session) -> dict:  # type: ignore[no-untyped-def]
    """A form answer for a choice item, sent as display positions like the page does."""
    entry = attempts.item_at(attempt, position)
    answer = session.exec(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == position)).one()
    question = papers.load_versions(session, [answer.question_version_id])[answer.question_version_id]
    if entry.item["type"] == "true_false":
        return {"answer": "true" if question.answer == correct else "false"}
    order = entry.item["order"]
    right = [str(order.index(i)) for i in question.correct_ids()]
    wrong = [str(i) for i, oid in enumerate(order) if oid not in question.correct_ids()]
    if entry.item["type"] == "single_choice":
        return {"choice": right[0] if correct else wrong[0]}
    return {"choices": right if correct else wrong[:1]}


def test_starting_draws_the_paper_creates_answers_and_starts_the_first_clock(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    assert attempt.status == "in_progress" and attempt.current_section == 0
    assert attempt.deadline_at == now + timedelta(seconds=1800)
    clocks = session.exec(
        select(AttemptSection).where(AttemptSection.attempt_id == attempt.id).order_by(AttemptSection.position)
    ).all()
    assert [c.section_id for c in clocks] == ["typing", "knowledge", "communication"]
    assert clocks[0].started_at == now and clocks[0].deadline_at == now + timedelta(seconds=300)
    assert clocks[1].started_at is None
    answers = attempts.answers_of(session, attempt)
    assert len(answers) == 7 and all(a.version == 0 and a.response == {} for a in answers)
    assert [a.question_version_id for a in answers] == [e.item["version_id"] for e in papers.iter_items(attempt.paper)]


def test_the_extra_time_factor_scales_every_deadline(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup("慢一点", factor=1.5, now=now)
    assert attempt.deadline_at == now + timedelta(seconds=2700)
    clock = attempts.current(session, attempt)
    assert clock.deadline_at == now + timedelta(seconds=450)
    quick = setup("快一点", factor=0.02, now=now)
    assert quick.deadline_at == now + timedelta(seconds=36)
    assert attempts.current(session, quick).deadline_at == now + timedelta(seconds=6)


def test_answers_are_versioned_and_stale_writes_refused(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    typing = positions(attempt)["typing"][0]
    saved = attempts.save_answer(session, attempt, typing, {"text": "亲，您好"}, 0, settings, now=now)
    assert saved.answer.version == 1 and saved.answer.response["text"] == "亲，您好"
    assert saved.answer.response["started_at"] == now.isoformat(), "the first save starts the typing clock"
    attempts.save_answer(session, attempt, typing, {"text": "亲，您好！"}, 1, settings, now=now)
    with pytest.raises(ExamError) as stale:
        attempts.save_answer(session, attempt, typing, {"text": "old tab"}, 1, settings, now=now)
    assert stale.value.status == 409 and stale.value.code == "stale"
    assert stale.value.extra["version"] == 2 and stale.value.extra["response"]["text"] == "亲，您好！"
    assert "samples" not in stale.value.extra["response"]
    with pytest.raises(ExamError) as invalid:
        attempts.save_answer(session, attempt, typing, {"text": "x" * 30000}, 2, settings, now=now)
    assert invalid.value.status == 422


def test_answers_to_another_section_or_position_are_refused(session, settings, setup) -> None:
    attempt = setup()
    knowledge = positions(attempt)["single_choice"][0]
    with pytest.raises(ExamError) as closed:
        attempts.save_answer(session, attempt, knowledge, {"choice": "0"}, 0, settings)
    assert closed.value.code == "closed"
    with pytest.raises(ExamError) as missing:
        attempts.save_answer(session, attempt, 99, {"choice": "0"}, 0, settings)
    assert missing.value.status == 404


def test_late_answers_are_refused_after_the_deadline_plus_the_grace(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    typing = positions(attempt)["typing"][0]
    deadline = now + timedelta(seconds=300)
    grace = timedelta(seconds=settings.answer_grace_seconds)
    attempts.start_clock(session, attempt, typing, settings, now=deadline - timedelta(seconds=100))
    ok = attempts.save_answer(
        session, attempt, typing, {"text": "在宽限期内"}, 1, settings, now=deadline + grace - timedelta(seconds=1)
    )
    assert ok.answer.version == 2
    with pytest.raises(ExamError) as late:
        attempts.save_answer(
            session, attempt, typing, {"text": "太晚了"}, 2, settings, now=deadline + grace + timedelta(seconds=1)
        )
    assert late.value.code == "closed"
    # the stored state follows the clock: the section closes at its deadline, the next starts now
    later = deadline + grace + timedelta(seconds=2)
    assert attempts.needs_sync(session, attempt, settings, later)
    assert attempts.sync(session, attempt, settings, later) is False
    clocks = attempts.sections_of(session, attempt)
    assert clocks[0].submitted_at == deadline and clocks[1].started_at == later
    assert attempt.current_section == 1
    assert session.get(Answer, ok.answer.id).response["text"] == "在宽限期内"


def test_the_typing_clock_is_the_servers(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    typing = positions(attempt)["typing"][0]
    started = attempts.start_clock(session, attempt, typing, settings, now=now + timedelta(seconds=5))
    again = attempts.start_clock(session, attempt, typing, settings, now=now + timedelta(seconds=9))
    assert started.typing["started_at"] == again.typing["started_at"] == (now + timedelta(seconds=5)).isoformat()
    limit = started.typing["time_limit"]
    assert started.typing["ends_at"] == (now + timedelta(seconds=5 + limit)).isoformat()
    attempts.save_answer(
        session,
        attempt,
        typing,
        {"text": "亲，您好！欢迎光临", "seconds": "1"},
        1,
        settings,
        now=now + timedelta(seconds=15),
        meta={"inputs": 9, "page": "p1"},
    )
    with pytest.raises(ExamError) as over:
        attempts.save_answer(
            session,
            attempt,
            typing,
            {"text": "亲，您好！欢迎光临本店"},
            2,
            settings,
            now=now + timedelta(seconds=5 + limit + settings.answer_grace_seconds + 1),
        )
    assert over.value.code == "typing_over"
    response = session.get(Answer, started.answer.id).response
    assert response["samples"] == [[0, 0], [10.0, 9]]
    assert "seconds" not in response, "the browser's figure is not kept for scoring"


def test_integrity_signals_from_the_server(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    typing = positions(attempt)["typing"][0]
    attempts.start_clock(session, attempt, typing, settings, now=now)
    attempts.save_answer(
        session,
        attempt,
        typing,
        {"text": "亲，您好"},
        1,
        settings,
        now=now + timedelta(seconds=4),
        meta={"inputs": 4, "page": "p1"},
    )
    # 40 characters in one second, and without a single input event in the page
    burst = "亲，您好！欢迎光临本店，很高兴为您服务，请问有什么可以帮您的吗？我们的商品都是实物拍"
    attempts.save_answer(
        session,
        attempt,
        typing,
        {"text": burst},
        2,
        settings,
        now=now + timedelta(seconds=5),
        meta={"inputs": 4, "page": "p1"},
    )
    session.commit()
    kinds = [e.kind for e in session.exec(select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt.id))]
    assert "impossible_rhythm" in kinds and "no_keystrokes" in kinds
    assert session.get(Attempt, attempt.id).signal_count == 2


def test_client_events_and_a_second_session(session, settings, setup) -> None:
    attempt = setup()
    stored = integrity_events.record_client_events(
        session,
        attempt,
        [
            {"kind": "paste", "detail": {"chars": 12, "item": "0"}, "age_ms": 1500},
            {"kind": "tab_hidden", "detail": {"seconds": 8.5}},
            {"kind": "made_up", "detail": {}},
            "garbage",
        ],
    )
    assert stored == 2
    assert integrity_events.note_session(session, attempt, "aaaa", ip="1.2.3.4") is True
    assert integrity_events.note_session(session, attempt, "aaaa") is False
    assert integrity_events.note_session(session, attempt, "bbbb", ip="5.6.7.8", user_agent="phone") is True
    session.commit()
    events = session.exec(
        select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt.id).order_by(IntegrityEvent.id)
    ).all()
    assert [e.kind for e in events] == ["paste", "tab_hidden", "session_start", "second_session"]
    assert events[0].detail == {"chars": 12, "item": "0"} and events[3].detail["ip"] == "5.6.7.8"
    assert session.get(Attempt, attempt.id).signal_count == 3
    too_many = [{"kind": "copy"}] * 80
    assert integrity_events.record_client_events(session, attempt, too_many) == integrity_events.MAX_EVENTS_PER_BATCH


def test_sections_run_in_order_submitting_twice_is_harmless_and_the_paper_is_graded(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    pos = positions(attempt)
    attempts.save_answer(session, attempt, pos["typing"][0], {"text": "亲，您好！欢迎光临本店"}, 0, settings, now=now)
    assert attempts.submit_section(session, attempt, "typing", settings, now=now) is False
    assert attempts.submit_section(session, attempt, "typing", settings, now=now) is False  # old tab, again
    assert attempt.current_section == 1
    for kind in ("single_choice", "multiple_choice", "true_false"):
        for p in pos[kind]:
            attempts.save_answer(session, attempt, p, choice_value(attempt, p, True, session), 0, settings, now=now)
    flagged = attempts.set_flag(session, attempt, pos["true_false"][0], True, settings, now=now)
    assert flagged.flagged and flagged.version == 1, "flags do not bump the answer's version"
    assert attempts.submit_section(session, attempt, "knowledge", settings, now=now) is False
    attempts.save_answer(
        session,
        attempt,
        pos["reply"][0],
        {"text": "亲，您好！我们是统一价不议价的，买两件可以享受九折优惠哦，感谢您的支持！"},
        0,
        settings,
        now=now,
    )
    assert attempts.submit_section(session, attempt, "communication", settings, now=now) is True
    assert attempt.status == "submitted" and attempt.submitted_at == now
    assert attempts.submit_section(session, attempt, "communication", settings, now=now) is True
    with pytest.raises(ExamError):
        attempts.save_answer(session, attempt, pos["reply"][0], {"text": "改一下"}, 1, settings, now=now)
    results.grade_attempt(session, attempt)
    session.commit()
    graded = session.get(Attempt, attempt.id)
    assert graded.status == "graded" and graded.graded_at is not None
    sections = graded.results["sections"]
    assert sections["knowledge"]["percent"] == 100.0
    assert set(sections["communication"]["criteria"]) == {"courtesy", "facts"}
    assert graded.results["inputs"]["typing.net_cpm"] >= 0
    assert graded.hiring_score == graded.results["hiring"]["score"] and graded.band
    assert graded.hard_requirements_met is False  # 11 characters in 3 minutes is far below 60 per minute


def test_one_attempt_per_candidate_and_opening(session, settings, setup) -> None:
    attempt = setup()
    invitation = session.get(openings.Invitation, attempt.invitation_id)
    candidate = session.get(openings.User, attempt.candidate_id)
    assert attempts.start_attempt(session, invitation, candidate).id == attempt.id
    session.add(
        Attempt(opening_id=attempt.opening_id, candidate_id=attempt.candidate_id, paper={}, deadline_at=utcnow())
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_exam_cannot_start_without_the_notice_or_outside_the_window(session, settings) -> None:
    seed_bank(session)
    upcoming = make_opening(session, opens_in=timedelta(days=1), closes_in=timedelta(days=3))
    invitation, _ = make_invitation(session, upcoming, "张三", phone="13800138000")
    candidate = openings.candidate_for(session, invitation)
    with pytest.raises(ExamError) as notice:
        attempts.start_attempt(session, invitation, candidate)
    assert notice.value.code == "upcoming"
    opening = make_opening(session, title="另一个岗位")
    invitation, _ = make_invitation(session, opening, "张三", phone="13800138000")
    candidate = openings.candidate_for(session, invitation)
    with pytest.raises(ExamError) as notice:
        attempts.start_attempt(session, invitation, candidate)
    assert notice.value.code == "notice"
    attempts.accept_notice(session, invitation)
    with pytest.raises(ExamError) as expired:
        attempts.start_attempt(session, invitation, candidate, now=utcnow() + timedelta(days=4))
    assert expired.value.code == "expired"


def test_the_sweep_closes_and_grades_abandoned_attempts_with_what_was_saved(engine, session, settings, setup) -> None:
    long_ago = utcnow() - timedelta(hours=2)
    abandoned = setup("走开了", now=long_ago)
    typing = positions(abandoned)["typing"][0]
    attempts.save_answer(session, abandoned, typing, {"text": "亲，您好"}, 0, settings, now=long_ago)
    session.commit()
    running = setup("还在考")
    assert sweep.due_attempts(session, settings, utcnow()) == [abandoned.id]
    assert sweep.sweep(engine, settings) == 1
    assert sweep.sweep(engine, settings) == 0, "a second sweep finds nothing to do"
    session.rollback()  # a new read snapshot (the sweep wrote in its own transactions)
    done = session.get(Attempt, abandoned.id)
    assert done.status == "graded" and done.submitted_at == done.deadline_at
    assert done.results["sections"]["typing"]["answered"] == 1
    assert session.get(Attempt, running.id).status == "in_progress"


def test_regrade_applies_reviewer_overrides_without_running_the_graders(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    pos = positions(attempt)
    for section in ("typing", "knowledge"):
        attempts.submit_section(session, attempt, section, settings, now=now)
    attempts.save_answer(
        session,
        attempt,
        pos["reply"][0],
        {"text": "亲，您好！非常感谢您的咨询，请问还有什么可以帮您的吗？祝您生活愉快！"},
        0,
        settings,
        now=now,
    )
    attempts.submit_section(session, attempt, "communication", settings, now=now)
    results.grade_attempt(session, attempt)
    before = attempt.results["sections"]["communication"]["percent"]
    reply = session.exec(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == pos["reply"][0])
    ).one()
    criteria = {c["id"]: c["max"] for c in reply.result["criteria"]}
    reply.overrides = {cid: maximum for cid, maximum in criteria.items()}
    session.add(reply)
    session.flush()
    results.regrade_attempt(session, attempt)
    assert before < 100 and attempt.results["sections"]["communication"]["percent"] == 100.0
    assert reply.score == 100.0
    assert attempt.results["inputs"]["communication.criterion.courtesy"] == 100.0


def test_a_burst_is_one_signal_not_one_per_later_save(session, settings, setup) -> None:
    now = utcnow()
    attempt = setup(now=now)
    typing = positions(attempt)["typing"][0]
    burst = "亲，您好！欢迎光临本店，很高兴为您服务，请问有什么可以帮您的吗？"
    attempts.save_answer(
        session,
        attempt,
        typing,
        {"text": burst},
        0,
        settings,
        now=now + timedelta(seconds=1),
        meta={"inputs": 30, "page": "p"},
    )
    for second in range(2, 5):  # unchanged text (e.g. a flag or a retry) raises nothing new
        attempts.save_answer(
            session,
            attempt,
            typing,
            {"text": burst},
            second - 1,
            settings,
            now=now + timedelta(seconds=second),
            meta={"inputs": 30, "page": "p"},
        )
    session.commit()
    kinds = [e.kind for e in session.exec(select(IntegrityEvent).where(IntegrityEvent.attempt_id == attempt.id))]
    assert kinds == ["impossible_rhythm"]

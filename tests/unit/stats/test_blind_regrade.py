"""Rubric calibration from real replies: the blind sample, agreement, dry runs and applying an edit with a regrade."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import Session, select

from exam.analysis.agreement import agreement
from exam.grading.calibration import to_scale10
from exam.models import Answer, AuditLog, BlindScore, RankChange, Role
from exam.services import accounts, blind, regrade
from exam.services.bank_store import load_question
from exam.services.calibration import try_reply
from exam.services.workspace import question_yaml
from tests.unit.stats import dataset

TRAINER_SCORES = {"good": 9, "medium": 5, "poor": 0, "copy": 1, "short": 4, "english": 1}


@pytest.fixture
def replies(session: Session):  # type: ignore[no-untyped-def]
    opening, attempts = dataset.reply_opening(session)
    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    other = accounts.create_user(session, "t2", Role.trainer, "Trainer-test-pass-2")
    session.commit()
    answers = {k: session.exec(select(Answer).where(Answer.attempt_id == a.id)).one() for k, a in attempts.items()}
    return opening, attempts, answers, trainer, other


def _edited(session: Session) -> str:
    """The reply question with a harder cap on thin answers (the medium reply has that flag)."""
    content = dict(dataset.reply_content())
    rubric = dict(content["rubric"])
    rubric["caps"] = {**(rubric.get("caps") or {}), "thin_answer": 10}
    content["rubric"] = rubric
    return question_yaml(content)


def test_the_sample_is_distinct_fixed_and_blind(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    opening, _attempts, answers, trainer, _other = replies
    # a second candidate with the very same text does not enter the sample twice
    version = dataset.version_ids(session, dataset.REPLY_ID)[0]
    dataset.finished_attempt(
        session, opening, "twin", [("communication", dataset.REPLY_ID, version, {"text": dataset.REPLIES["good"]})]
    )
    sample = blind.sample(session, dataset.REPLY_ID)
    assert sorted(t for _a, t in sample) == sorted(dataset.REPLIES.values())
    assert blind.sample(session, dataset.REPLY_ID) == sample  # the same order every time
    item = blind.next_reply(session, dataset.REPLY_ID, trainer)
    assert item is not None and (item.number, item.total, item.scored_by_me) == (1, 6, 0)
    # what the screen gets: the reply and the scenario, nothing about the candidate or the machine
    assert not hasattr(item, "score") and not hasattr(item, "attempt") and item.text in dataset.REPLIES.values()
    skipped = blind.next_reply(session, dataset.REPLY_ID, trainer, after=item.answer_id)
    assert skipped is not None and skipped.answer_id != item.answer_id and skipped.number == 2


def test_scores_are_validated_and_replaced(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    _opening, _attempts, answers, trainer, _other = replies
    good = answers["good"].id
    for bad in ("11", "-1", "7.5", "x", ""):
        with pytest.raises(blind.BlindError):
            blind.record_score(session, trainer, dataset.REPLY_ID, good, bad)
    with pytest.raises(blind.BlindError):
        blind.record_score(session, trainer, dataset.REPLY_ID, 999_999, "5")
    blind.record_score(session, trainer, dataset.REPLY_ID, good, "8")
    blind.record_score(session, trainer, dataset.REPLY_ID, good, "9")
    rows = session.exec(select(BlindScore).where(BlindScore.answer_id == good)).all()
    assert [r.score for r in rows] == [9.0]
    # the next reply skips what this trainer scored
    item = blind.next_reply(session, dataset.REPLY_ID, trainer)
    assert item is not None and item.answer_id != good and item.scored_by_me == 1


def test_agreement_of_the_rubric_with_the_trainers(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    _opening, _attempts, answers, trainer, other = replies
    for key, score in TRAINER_SCORES.items():
        blind.record_score(session, trainer, dataset.REPLY_ID, answers[key].id, score)
    blind.record_score(session, other, dataset.REPLY_ID, answers["medium"].id, 6)  # mean 5.5 → 6 (half up)
    view = blind.rubric_agreement(session, dataset.REPLY_ID)
    model = load_question(session, dataset.REPLY_ID)
    machine = {k: to_scale10(try_reply(model, t).score) for k, t in dataset.REPLIES.items()}
    trainers = {**TRAINER_SCORES, "medium": 6}
    by_text = {r.text: r for r in view.rows}
    for key, text in dataset.REPLIES.items():
        assert (by_text[text].machine, by_text[text].trainer) == (machine[key], trainers[key])
    assert by_text[dataset.REPLIES["medium"]].raters == 2
    keys = list(dataset.REPLIES)
    expected = agreement([machine[k] for k in keys], [trainers[k] for k in keys])
    assert view.agreement.n == 6
    assert view.agreement.qwk == pytest.approx(expected.qwk)
    assert view.agreement.mean_difference == pytest.approx(sum(machine[k] - trainers[k] for k in keys) / 6)
    # the largest differences first, with the grading's evidence; zero differences left out
    diffs = [abs(d.difference) for d in view.differences]
    assert diffs == sorted(diffs, reverse=True) and 0 not in diffs
    assert all(d.result.criteria and d.segments for d in view.differences)
    copy_row = by_text[dataset.REPLIES["copy"]]
    assert [r["code"] for r in copy_row.result.review] == ["copies_customer"]
    overview = {r["question"].id: r for r in blind.rubric_overview(session, trainer)}
    row = overview[dataset.REPLY_ID]
    assert (row["replies"], row["scored"], row["mine"]) == (6, 6, 6)
    assert row["agreement"].qwk == pytest.approx(expected.qwk)


def test_dry_run_shows_agreement_before_and_after(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    _opening, _attempts, answers, trainer, _other = replies
    for key, score in TRAINER_SCORES.items():
        blind.record_score(session, trainer, dataset.REPLY_ID, answers[key].id, score)
    run = blind.dry_run(session, dataset.REPLY_ID, _edited(session))
    assert run.ok and run.same_task and run.before.n == run.after.n == 6  # type: ignore[union-attr]
    model = run.model
    after = {r.text: r.machine for _b, r in run.rows}
    assert after == {t: to_scale10(try_reply(model, t).score) for t in dataset.REPLIES.values()}
    current = load_question(session, dataset.REPLY_ID)
    assert after[dataset.REPLIES["medium"]] < to_scale10(try_reply(current, dataset.REPLIES["medium"]).score)
    assert run.change["qwk"] == pytest.approx(run.after.qwk - run.before.qwk)  # type: ignore[union-attr]
    # nothing was saved
    assert len(dataset.version_ids(session, dataset.REPLY_ID)) == 1
    broken = blind.dry_run(session, dataset.REPLY_ID, "id: reply.bargain.tiger\ntype: reply\n")
    assert not broken.ok and broken.problems
    content = dict(dataset.reply_content())
    content["messages"] = ["太贵了，能便宜吗？"]
    assert not blind.dry_run(session, dataset.REPLY_ID, question_yaml(content)).same_task


def test_apply_regrades_keeps_old_scores_and_records_rank_changes(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    opening, attempts, answers, trainer, _other = replies
    before = {k: (a.hiring_score, answers[k].score, answers[k].question_version_id) for k, a in attempts.items()}
    edit = _edited(session)
    with pytest.raises(blind.BlindError):
        regrade.apply_edit(session, trainer, dataset.REPLY_ID, edit, base_version=7)
    report = regrade.apply_edit(session, trainer, dataset.REPLY_ID, edit, base_version=1, note="短回复封顶")
    session.commit()
    assert report.outcome == "updated" and report.version == 2
    assert (report.regrade.answers, report.regrade.attempts, report.regrade.skipped) == (6, 6, 0)  # type: ignore[union-attr]
    new_version = dataset.version_ids(session, dataset.REPLY_ID)[-1]
    model = load_question(session, dataset.REPLY_ID)
    for key, attempt in attempts.items():
        session.refresh(attempt)
        answer = session.exec(select(Answer).where(Answer.attempt_id == attempt.id)).one()
        assert answer.question_version_id == new_version
        assert attempt.paper["sections"][0]["items"][0]["version_id"] == new_version
        assert answer.score == pytest.approx(try_reply(model, dataset.REPLIES[key]).score)
        assert attempt.hiring_score == pytest.approx(round(answer.score, 1))
        entry = session.exec(
            select(AuditLog).where(AuditLog.target_id == str(attempt.id), AuditLog.action == "attempt.rubric_regrade")
        ).one()
        assert entry.before["score"] == pytest.approx(before[key][1]) and entry.before["version"] == 1
        assert entry.before["hiring_score"] == before[key][0] and entry.after["version"] == 2
    medium = attempts["medium"]
    assert medium.hiring_score < before["medium"][0]  # type: ignore[operator]
    changes = {c.attempt_id: c for c in session.exec(select(RankChange)).all()}
    assert medium.id in changes and changes[medium.id].old_score == before["medium"][0]
    assert changes[medium.id].new_score == medium.hiring_score
    assert all(c.opening_id == opening.id for c in changes.values())
    unchanged = [a.id for k, a in attempts.items() if a.hiring_score == before[k][0]]
    assert all(changes[i].old_rank != changes[i].new_rank for i in unchanged if i in changes)
    listed = regrade.rank_changes(session, opening)
    assert listed and listed[0]["regrade"].id == report.regrade.id  # type: ignore[union-attr]
    assert "medium" in {r["name"] for r in listed[0]["rows"]}  # HR sees who (the candidates' names)
    summary = regrade.summary(session, report.regrade.id)  # type: ignore[union-attr]
    assert summary["openings"][0]["changed"] == len(changes)  # type: ignore[index]
    # applying the same text again changes nothing
    assert regrade.apply_edit(session, trainer, dataset.REPLY_ID, edit, base_version=2).outcome == "unchanged"


def test_replies_to_an_earlier_wording_are_not_regraded(session: Session, replies) -> None:  # type: ignore[no-untyped-def]
    _opening, _attempts, _answers, trainer, _other = replies
    content = dict(dataset.reply_content())
    content["messages"] = ["太贵了，能便宜吗？"]
    report = regrade.apply_edit(session, trainer, dataset.REPLY_ID, question_yaml(content), base_version=1)
    assert report.outcome == "updated"
    assert (report.regrade.answers, report.regrade.skipped) == (0, 6)  # type: ignore[union-attr]


def test_yaml_helper_round_trips() -> None:
    assert yaml.safe_load(question_yaml(dataset.reply_content()))["id"] == dataset.REPLY_ID

"""Applying a rubric edit queues a background regrade: its lifecycle (queued, claimed once, done or failed),
the progress page and its htmx partial, who may see it, CSRF, and an attempt changed while it was graded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from exam.hiring.sections import effective_score
from exam.models import Answer, AuditLog, RankChange, RubricRegrade
from exam.services import regrade, regrade_batch, results
from exam.services.workspace import question_yaml
from exam.timeutil import utcnow
from tests.conftest import csrf_of
from tests.unit.stats import dataset

HX = {"HX-Request": "true", "HX-Target": "regrade-status"}
URL = f"/trainer/rubrics/{dataset.REPLY_ID}"


def _edit() -> str:
    """The reply question with a harder cap on thin answers (scores of some replies change)."""
    content = dict(dataset.reply_content())
    content["rubric"] = {**content["rubric"], "caps": {**(content["rubric"].get("caps") or {}), "thin_answer": 10}}
    return question_yaml(content)


@pytest.fixture
def replies(session):  # type: ignore[no-untyped-def]
    opening, attempts = dataset.reply_opening(session)
    session.commit()
    return opening, attempts


def _apply(client, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"{URL}/apply",
        data={"csrf_token": token, "yaml": _edit(), "base_version": "1", "confirm": "yes", "note": "封顶"},
    )


def test_apply_queues_then_the_job_regrades_and_the_page_follows(client, login_as, session, engine, replies) -> None:  # type: ignore[no-untyped-def]
    login_as("trainer")
    token = csrf_of(client, "/trainer")
    applied = _apply(client, token)
    assert applied.status_code == 303
    location = applied.headers["location"]
    session.commit()
    row = session.exec(select(RubricRegrade)).one()
    assert (row.status, row.to_version) == ("queued", 2)
    # the request only saved the version: no reply is regraded yet, no rank changed
    assert not session.exec(select(RankChange)).all()
    assert {a.question_version_id for a in session.exec(select(Answer)).all()} == set(
        dataset.version_ids(session, dataset.REPLY_ID)[:1]
    )
    page = client.get(location)
    assert page.status_code == 200 and "正在等待后台任务" in page.text and 'hx-trigger="every 1s"' in page.text
    poll = client.get(location, headers=HX)
    assert poll.status_code == 200 and poll.text.lstrip().startswith("<div") and 'data-status="queued"' in poll.text
    session.commit()
    assert regrade.run_due(engine) == 1
    assert regrade.run_due(engine) == 0  # nothing left
    session.commit()
    row = session.exec(select(RubricRegrade)).one()
    session.refresh(row)
    assert (row.status, row.answers, row.attempts, row.done, row.error) == ("done", 6, 6, 6, "")
    assert row.finished_at is not None and row.lease_until is None
    new_version = dataset.version_ids(session, dataset.REPLY_ID)[-1]
    assert {a.question_version_id for a in session.exec(select(Answer)).all()} == {new_version}
    audits = session.exec(select(AuditLog).where(AuditLog.action == "attempt.rubric_regrade")).all()
    assert len(audits) == 6 and all(a.before["version"] == 1 and a.after["version"] == 2 for a in audits)
    assert session.exec(select(RankChange)).all()  # the cap moved someone
    done = client.get(location, headers=HX)
    assert 'data-status="done"' in done.text and "hx-trigger" not in done.text and 'id="regrade-table"' in done.text
    full = client.get(location)
    assert full.status_code == 200 and "回复测试" in full.text and 'data-status="done"' in full.text


def test_a_regrade_is_claimed_by_one_worker_until_its_lease_ends(session, engine, replies) -> None:  # type: ignore[no-untyped-def]
    from exam.models import Role
    from exam.services import accounts

    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    session.commit()
    first = regrade.queue_edit(session, trainer, dataset.REPLY_ID, _edit(), base_version=1)
    session.commit()
    now = utcnow()
    assert regrade._claim(engine, now) == first.regrade.id  # type: ignore[union-attr]
    assert regrade._claim(engine, now) is None  # another process finds it held
    assert regrade._claim(engine, now + regrade.LEASE + timedelta(seconds=1)) == first.regrade.id  # type: ignore[union-attr]
    assert regrade.run_due(engine) == 0  # held by the (dead) second claim: left alone until its lease ends


def test_a_failed_regrade_is_recorded_and_shown(client, login_as, session, engine, replies) -> None:  # type: ignore[no-untyped-def]
    user = login_as("trainer")
    session.add(
        RubricRegrade(question_id=dataset.REPLY_ID, from_version=1, to_version=9, actor_id=user.id, status="queued")
    )
    session.commit()
    row = session.exec(select(RubricRegrade)).one()
    assert regrade.run_due(engine) == 0
    session.commit()  # a new snapshot: the job wrote
    session.refresh(row)
    assert row.status == "failed" and row.error and row.lease_until is None
    page = client.get(f"{URL}/regrades/{row.id}")
    assert page.status_code == 200 and "重新评分失败" in page.text and "hx-trigger" not in page.text
    assert not session.exec(select(RankChange)).all()


def test_an_attempt_overridden_while_grading_is_computed_again(session, replies) -> None:  # type: ignore[no-untyped-def]
    from exam.models import Role
    from exam.services import accounts

    _opening, attempts = replies
    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    session.commit()
    queued = regrade.queue_edit(session, trainer, dataset.REPLY_ID, _edit(), base_version=1)
    session.commit()
    plan = regrade_batch.plan(session, queued.regrade)  # type: ignore[arg-type]
    graded = regrade_batch.grade(lambda ids: regrade_batch.responses(session, ids), plan, lambda done: None)
    batch = regrade_batch.compute(session, plan, graded)
    session.commit()
    # meanwhile a reviewer overrides a criterion of the good reply (its attempt is regraded at once)
    attempt = attempts["good"]
    answer = session.exec(select(Answer).where(Answer.attempt_id == attempt.id)).one()
    criterion = plan.model.rubric.criteria[0]  # type: ignore[attr-defined]
    answer.overrides = {criterion.id: 0.0}
    session.add(answer)
    session.refresh(attempt)
    results.regrade_attempt(session, attempt)
    session.commit()
    stale_score = next(a for a in batch.answers if a["id"] == answer.id)["score"]  # computed without the override
    regrade_batch.store(session, plan, graded, batch, trainer.id)
    session.commit()
    session.refresh(answer)
    session.refresh(attempt)
    raw, maximum, detail = graded[answer.id]
    assert answer.overrides == {criterion.id: 0.0}  # the override survived the regrade
    assert answer.question_version_id == plan.version_id and answer.result == detail
    assert answer.score == effective_score("reply", raw, maximum, detail, {criterion.id: 0.0}) < stale_score
    assert attempt.hiring_score == pytest.approx(100 * answer.score / answer.max_score, abs=0.1)


def test_access_and_csrf(client, login_as, session, engine, replies) -> None:  # type: ignore[no-untyped-def]
    from exam.models import Role
    from exam.services import accounts

    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    session.commit()
    queued = regrade.queue_edit(session, trainer, dataset.REPLY_ID, _edit(), base_version=1)
    session.commit()
    location = f"{URL}/regrades/{queued.regrade.id}"  # type: ignore[union-attr]
    anonymous = client.get(location, follow_redirects=False)
    assert anonymous.status_code in (303, 401) and "data-status" not in anonymous.text
    login_as("hr")
    assert client.get(location, follow_redirects=False).status_code == 403
    assert client.get(location, headers=HX, follow_redirects=False).status_code == 403
    login_as("trainer")
    assert client.get(f"/trainer/rubrics/{dataset.REPLY_ID}/regrades/999999").status_code == 404
    # no CSRF token: refused, nothing saved or queued
    refused = client.post(
        f"{URL}/apply", data={"yaml": _edit(), "base_version": "2", "confirm": "yes"}, follow_redirects=False
    )
    assert refused.status_code == 403
    session.commit()
    assert len(session.exec(select(RubricRegrade)).all()) == 1


def test_a_regrade_recomputes_what_a_full_regrade_would(session) -> None:  # type: ignore[no-untyped-def]
    """Only the reply's section is recomputed; the stored figures of the others are kept: the same results."""
    import json

    from exam.models import Attempt, QuestionVersion, Role
    from exam.services import accounts, workspace
    from exam.services.sample import _hash, seed_opening
    from exam.zhtext import full_width

    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    sample = seed_opening(session, 12, with_answers=True, seed=3)
    qid = "sample.reply.bargain"
    row = session.exec(select(QuestionVersion).where(QuestionVersion.question_id == qid)).one()

    def fix(value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            return full_width(value)
        if isinstance(value, list):
            return [fix(v) for v in value]
        return {k: fix(v) for k, v in value.items()} if isinstance(value, dict) else value

    row.content = fix(row.content)  # today's text rules (full-width marks), or the edit does not validate
    row.content_hash = _hash(row.content)
    session.add(row)
    session.commit()
    content = json.loads(json.dumps(row.content))
    content["rubric"]["criteria"][2]["detectors"][0]["items"][0]["points"] = 4  # stating the price is worth less
    report = regrade.apply_edit(session, trainer, qid, workspace.question_yaml(content), base_version=1)
    session.commit()
    assert report.outcome == "updated" and report.regrade.answers == 12  # type: ignore[union-attr]
    for attempt_id in sample.attempt_ids[:12]:
        attempt = session.get(Attempt, attempt_id)
        batch = json.loads(json.dumps(attempt.results))  # type: ignore[union-attr]
        score = attempt.hiring_score  # type: ignore[union-attr]
        results.regrade_attempt(session, attempt)  # type: ignore[arg-type]
        full = json.loads(json.dumps(attempt.results))  # type: ignore[union-attr]
        for sid in full["sections"]:
            assert full["sections"][sid] == batch["sections"][sid], (sid, full["sections"][sid], batch["sections"][sid])
        assert full == batch
        assert attempt.hiring_score == score  # type: ignore[union-attr]
    session.rollback()

"""A candidate's outcome and the blind scores of their replies are their data: exported with it, deleted with it."""

from __future__ import annotations

from sqlmodel import Session, select

from exam.models import Answer, BlindScore, HireOutcome, RankChange, Role
from exam.services import accounts, blind, data_rights, outcomes, regrade
from exam.services.workspace import question_yaml
from tests.unit.stats import dataset


def test_export_and_delete_include_outcomes_blind_scores_and_rank_changes(session: Session) -> None:
    opening, attempts = dataset.reply_opening(session)
    hr = accounts.create_user(session, "hr1", Role.hr, "Hr-test-pass-1")
    trainer = accounts.create_user(session, "t1", Role.trainer, "Trainer-test-pass-1")
    medium = attempts["medium"]
    medium.decision = "hire"
    session.add(medium)
    opening.owner_id = hr.id  # deleting a candidate's data is for the opening's owner
    session.add(opening)
    session.commit()
    answer = session.exec(select(Answer).where(Answer.attempt_id == medium.id)).one()
    blind.record_score(session, trainer, dataset.REPLY_ID, answer.id, 5)
    outcomes.save_outcome(session, hr, opening, medium.id, outcomes.parse_values({"conversion_rate": "18"}))  # type: ignore[arg-type]
    content = dict(dataset.reply_content())
    content["rubric"] = {**content["rubric"], "caps": {**(content["rubric"].get("caps") or {}), "thin_answer": 10}}
    regrade.apply_edit(session, trainer, dataset.REPLY_ID, question_yaml(content), base_version=1)
    session.commit()
    assert session.exec(select(RankChange).where(RankChange.attempt_id == medium.id)).first() is not None

    data = data_rights.export_candidate(session, medium.candidate_id)
    exported = data["attempts"][0]
    assert exported["outcome"]["conversion_rate"] == 18.0 and "recorded_by_id" not in exported["outcome"]
    assert exported["answers"][0]["blind_scores"] == [5.0]

    data_rights.delete_candidate(session, hr, medium.candidate_id, "应聘者要求删除")
    session.commit()
    assert session.exec(select(HireOutcome)).all() == []
    assert session.exec(select(BlindScore)).all() == []
    assert session.exec(select(RankChange).where(RankChange.attempt_id == medium.id)).all() == []

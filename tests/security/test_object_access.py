"""Object access by changed ids and tokens: a candidate's own id swapped for another's, an invitation token with
one character changed, HR requests that mix in attempts and answers of an opening that is not theirs."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from exam.models import Answer, Attempt, UserSession
from exam.services.sample import seed_opening
from tests.security.conftest import World, exam_csrf


def _count_sessions(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    n = session.exec(select(func.count()).select_from(UserSession)).one()
    session.commit()
    return n


def test_changed_invitation_tokens_lead_nowhere(world: World, session) -> None:  # type: ignore[no-untyped-def]
    token = world.ids["spare_token"]
    before = _count_sessions(session)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    variants = [flipped, token[:-1], token + "x", token.upper() if token.upper() != token else token.lower(), "x" * 300]
    for variant in variants:
        browser = world.clients["anonymous"]
        response = browser.get(f"/i/{variant}")
        assert response.status_code == 404, variant
        assert "set-cookie" not in response.headers or "exam_session" not in response.headers["set-cookie"]
    assert _count_sessions(session) == before, "a wrong token started no session"


def test_a_candidate_cannot_reach_another_candidates_exam_by_its_ids(world: World, session) -> None:  # type: ignore[no-untyped-def]
    client, token = world.clients["candidate"], exam_csrf(world)
    headers = {"X-CSRF-Token": token}
    other = world.attempt2_id
    session.rollback()
    before = session.exec(select(func.sum(Answer.version)).where(Answer.attempt_id == other)).one()
    session.commit()
    assert client.get(f"/candidate/invitations/{world.invitation2_id}").status_code == 404
    for path in ("", "/state", "/done"):
        assert client.get(f"/candidate/attempts/{other}{path}").status_code == 404
    for path, body in (
        ("/items/0", {"version": 0, "answer": {"text": "冒名"}}),
        ("/items/0/flag", {"flagged": True}),
        ("/items/0/start", {}),
        ("/events", {"events": [{"kind": "blur"}]}),
    ):
        assert client.post(f"/candidate/attempts/{other}{path}", json=body, headers=headers).status_code == 404
    submit = client.post(f"/candidate/attempts/{other}/sections/typing/submit", data={"csrf_token": token})
    assert submit.status_code == 404
    start = client.post(
        f"/candidate/invitations/{world.invitation2_id}/start", data={"csrf_token": token, "accept": "1"}
    )
    assert start.status_code == 404
    session.rollback()
    assert session.exec(select(func.sum(Answer.version)).where(Answer.attempt_id == other)).one() == before
    assert session.get(Attempt, other).current_section == 0


def test_hr_requests_cannot_mix_in_another_owners_attempts(world: World, session) -> None:  # type: ignore[no-untyped-def]
    foreign = seed_opening(session, 2, seed=9, created_by=world.users["hr_other"], title="别人的岗位")
    session.commit()
    own = world.graded_attempt_ids
    owner, token = world.clients["hr"], world.csrf("hr", "/hr")
    gid = world.graded_opening_id
    # compare and bulk decisions through the owner's opening, with the other owner's attempt ids
    assert owner.get(f"/hr/openings/{gid}/compare?ids={own[0]}&ids={foreign.attempt_ids[0]}").status_code == 404
    bulk = owner.post(
        f"/hr/openings/{gid}/bulk",
        data={
            "ids": [str(a) for a in foreign.attempt_ids],
            "action": "decide",
            "decision": "reject",
            "note": "x",
            "csrf_token": token,
        },
    )
    assert bulk.status_code == 303 and bulk.headers["location"].endswith("updated=0")
    # an override of the owner's attempt naming an answer of a foreign attempt
    foreign_answer = session.exec(select(Answer).where(Answer.attempt_id == foreign.attempt_ids[0])).first()
    session.commit()
    override = owner.post(
        f"/hr/attempts/{own[0]}/override",
        data={
            "answer_id": str(foreign_answer.id),
            "criterion_id": "courtesy",
            "points": "0",
            "comment": "x",
            "csrf_token": token,
        },
    )
    assert override.status_code == 404
    # the foreign opening's pages themselves
    assert owner.get(f"/hr/openings/{foreign.opening.id}/ranking").status_code == 404
    assert owner.get(f"/hr/attempts/{foreign.attempt_ids[0]}").status_code == 404
    session.rollback()
    session.expire_all()
    decisions = session.exec(select(Attempt.decision).where(Attempt.id.in_(foreign.attempt_ids))).all()  # type: ignore[attr-defined]
    assert decisions == [None, None]
    assert session.exec(select(Answer).where(Answer.id == foreign_answer.id)).one().overrides == {}

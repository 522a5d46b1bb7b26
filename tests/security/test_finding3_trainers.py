"""Finding 3: trainers read candidates' names and phone numbers on /hr/attempts/{id} and changed HR's scores
through the override route. Now trainers read replies under a pseudonym and cannot override."""

from __future__ import annotations

from sqlmodel import select

from exam.models import Answer, Invitation, User
from tests.security.conftest import World


def test_trainers_read_replies_under_a_pseudonym(world: World, session) -> None:  # type: ignore[no-untyped-def]
    aid = world.graded_attempt_ids[0]
    cid = world.graded_candidate_ids[0]
    user = session.get(User, cid)
    invitation = session.exec(select(Invitation).where(Invitation.candidate_id == cid)).first()
    page = world.clients["trainer"].get(f"/hr/attempts/{aid}")
    assert page.status_code == 200
    assert 'class="reply-text' in page.text or "reply-text" in page.text  # the replies are there to calibrate
    for secret in (user.display_name, user.email, invitation.name, invitation.email, user.username):
        assert secret and secret not in page.text, secret
    assert 'id="candidate-name"' in page.text
    # the HR owner sees the real name
    assert invitation.name in world.clients["hr"].get(f"/hr/attempts/{aid}").text


def test_trainers_cannot_override_hr_scores(world: World, session) -> None:  # type: ignore[no-untyped-def]
    aid = world.graded_attempt_ids[0]
    answer = session.exec(
        select(Answer).where(Answer.attempt_id == aid, Answer.section_id == "communication").order_by(Answer.position)
    ).first()
    criterion = answer.result["criteria"][0]["id"]
    page = world.clients["trainer"].get(f"/hr/attempts/{aid}")
    assert "/override" not in page.text
    response = world.clients["trainer"].post(
        f"/hr/attempts/{aid}/override",
        data={
            "answer_id": str(answer.id),
            "criterion_id": criterion,
            "points": "0",
            "comment": "trainer",
            "csrf_token": world.csrf("trainer", "/trainer"),
        },
    )
    assert response.status_code == 403
    session.rollback()
    session.expire_all()
    assert session.exec(select(Answer).where(Answer.id == answer.id)).one().overrides == {}

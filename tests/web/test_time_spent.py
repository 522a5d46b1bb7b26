"""Time spent per item: the exam page reports seconds since the last save; the server adds them up (bounded)."""

from __future__ import annotations

from sqlmodel import select

from exam.models import Answer
from tests.web.candidate_helpers import csrf, follow_and_start, make_invitation, make_opening, save, seed_bank


def test_seconds_reported_with_saves_add_up(client, session) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session)
    _, token = make_invitation(session, opening, "张三", phone="13800138000")
    _, attempt_id = follow_and_start(client, token)
    t = csrf(client, f"/candidate/attempts/{attempt_id}")
    position = 0
    assert save(client, attempt_id, position, {"text": "亲"}, 0, t, inputs=1, page="p", seconds=12).status_code == 200
    assert (
        save(client, attempt_id, position, {"text": "亲，您"}, 1, t, inputs=3, page="p", seconds=8).status_code == 200
    )
    # nonsense is ignored: negative, too large, not a number; a restored page still counts its time
    for version, seconds in ((2, -5), (3, 99_999), (4, "x"), (5, True)):
        assert (
            save(client, attempt_id, position, {"text": f"亲，您{version}"}, version, t, seconds=seconds).status_code
            == 200
        )
    assert save(client, attempt_id, position, {"text": "亲，您好"}, 6, t, restored=True, seconds=5).status_code == 200
    # the pagehide beacon (a form) reports it too
    beacon = client.post(
        f"/candidate/attempts/{attempt_id}/items/{position}",
        data={"csrf_token": t, "version": "7", "text": "亲，您好！", "seconds": "3"},
    )
    assert beacon.status_code == 200
    session.rollback()
    answer = session.exec(select(Answer).where(Answer.attempt_id == attempt_id, Answer.position == position)).one()
    assert answer.seconds == 12 + 8 + 5 + 3
    assert answer.response["text"] == "亲，您好！"  # the seconds field is not part of the answer

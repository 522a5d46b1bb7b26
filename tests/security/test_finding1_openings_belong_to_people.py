"""Finding 1: any HR account read, exported, changed and deleted every other HR user's openings and candidates.

Openings now belong to people: the owner and the HR users it is shared with see and act on it; only the owner
shares it and deletes candidates' data; the admin transfers it. Everyone else gets a 404 (it does not exist
for them)."""

from __future__ import annotations

from sqlmodel import select

from exam.models import Attempt, Invitation, Opening
from tests.security.conftest import World


def _fresh(session, model, ident):  # type: ignore[no-untyped-def]
    session.rollback()
    session.expire_all()
    return session.exec(select(model).where(model.id == ident)).first()


def test_another_hr_user_sees_nothing_of_an_opening_not_shared_with_them(world: World, session) -> None:  # type: ignore[no-untyped-def]
    other = world.clients["hr_other"]
    oid, gid, aid = world.opening_id, world.graded_opening_id, world.graded_attempt_ids[0]
    home = other.get("/hr")
    assert home.status_code == 200
    assert f"/hr/openings/{oid}" not in home.text and f"/hr/openings/{gid}" not in home.text
    assert "售前客服 测试岗位" not in home.text
    for path in (
        f"/hr/openings/{oid}",
        f"/hr/openings/{gid}/ranking",
        f"/hr/openings/{gid}/export.csv",
        f"/hr/openings/{gid}/export.xlsx",
        f"/hr/openings/{gid}/compare?ids={world.graded_attempt_ids[0]}&ids={world.graded_attempt_ids[1]}",
        f"/hr/attempts/{aid}",
        f"/hr/attempts/{aid}/data.json",
    ):
        response = other.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "张三" not in response.text and "/i/" not in response.text
    # the owner still sees it all
    owner = world.clients["hr"]
    assert owner.get(f"/hr/openings/{oid}").status_code == 200
    assert owner.get(f"/hr/openings/{gid}/ranking").status_code == 200


def test_another_hr_user_changes_and_deletes_nothing(world: World, session) -> None:  # type: ignore[no-untyped-def]
    other = world.clients["hr_other"]
    token = world.csrf("hr_other", "/hr")
    aid, gid = world.graded_attempt_ids[0], world.graded_opening_id
    before_decision = _fresh(session, Attempt, aid).decision
    attempts = [
        (f"/hr/attempts/{aid}/decision", {"decision": "reject", "note": "not mine"}),
        (f"/hr/attempts/{aid}/delete", {"comment": "gone", "confirm": "yes"}),
        (f"/hr/invitations/{world.spare_invitation_id}/extra-time", {"extra_time_factor": "3"}),
        (f"/hr/invitations/{world.spare_invitation_id}/revoke", {}),
        (f"/hr/openings/{world.opening_id}/invitations", {"name": "外人", "phone": "13900000000"}),
        (f"/hr/openings/{gid}/bulk", {"ids": [str(aid)], "action": "decide", "decision": "hire", "note": "x"}),
        (f"/hr/openings/{world.opening_id}/shares", {"user_id": str(world.users["hr_other"].id)}),
    ]
    for path, data in attempts:
        response = other.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 404, (path, response.status_code)
    assert _fresh(session, Attempt, aid) is not None
    assert _fresh(session, Attempt, aid).decision == before_decision
    spare = _fresh(session, Invitation, world.spare_invitation_id)
    assert spare.extra_time_factor == 1.0 and spare.revoked_at is None
    assert session.exec(select(Invitation).where(Invitation.name == "外人")).first() is None


def test_sharing_gives_access_and_only_the_owner_deletes_or_shares(world: World, session) -> None:  # type: ignore[no-untyped-def]
    owner, other = world.clients["hr"], world.clients["hr_other"]
    oid, aid = world.graded_opening_id, world.graded_attempt_ids[0]
    page = owner.get(f"/hr/openings/{oid}")
    assert page.status_code == 200 and 'id="sharing"' in page.text and "hr-other" in page.text
    shared = owner.post(
        f"/hr/openings/{oid}/shares",
        data={"user_id": str(world.users["hr_other"].id), "csrf_token": world.csrf("hr", "/hr")},
    )
    assert shared.status_code == 303
    assert other.get(f"/hr/openings/{oid}/ranking").status_code == 200
    assert f"/hr/openings/{oid}" in other.get("/hr").text
    token = world.csrf("hr_other", "/hr")
    decided = other.post(
        f"/hr/attempts/{aid}/decision", data={"decision": "hold", "note": "共同评估", "csrf_token": token}
    )
    assert decided.status_code == 303
    assert _fresh(session, Attempt, aid).decision == "hold"
    # only the owner deletes candidates' data and manages the sharing
    refused = other.post(f"/hr/attempts/{aid}/delete", data={"comment": "x", "confirm": "yes", "csrf_token": token})
    assert refused.status_code == 403
    assert _fresh(session, Attempt, aid) is not None
    assert "/delete" not in other.get(f"/hr/attempts/{aid}").text
    reshare = other.post(
        f"/hr/openings/{oid}/shares", data={"user_id": str(world.users["trainer"].id), "csrf_token": token}
    )
    assert reshare.status_code == 403
    # the owner withdraws the share: gone again
    removed = owner.post(
        f"/hr/openings/{oid}/shares/{world.users['hr_other'].id}/delete", data={"csrf_token": world.csrf("hr", "/hr")}
    )
    assert removed.status_code == 303
    assert other.get(f"/hr/openings/{oid}/ranking").status_code == 404


def test_only_hr_users_can_be_shared_with(world: World) -> None:
    owner = world.clients["hr"]
    token = world.csrf("hr", "/hr")
    for role in ("trainer", "admin", "candidate"):
        response = owner.post(
            f"/hr/openings/{world.opening_id}/shares", data={"user_id": str(world.users[role].id), "csrf_token": token}
        )
        assert response.status_code == 422, role
    assert world.clients["trainer"].get(f"/hr/openings/{world.opening_id}").status_code == 403


def test_the_admin_transfers_an_opening_when_someone_leaves(world: World, session) -> None:  # type: ignore[no-untyped-def]
    admin = world.clients["admin"]
    listing = admin.get("/admin/openings")
    assert listing.status_code == 200 and "售前客服 测试岗位" in listing.text
    moved = admin.post(
        f"/admin/openings/{world.opening_id}/owner",
        data={"owner_id": str(world.users["hr_other"].id), "csrf_token": world.csrf("admin", "/admin")},
    )
    assert moved.status_code == 303
    assert _fresh(session, Opening, world.opening_id).owner_id == world.users["hr_other"].id
    assert world.clients["hr_other"].get(f"/hr/openings/{world.opening_id}").status_code == 200
    assert world.clients["hr"].get(f"/hr/openings/{world.opening_id}").status_code == 404
    # HR users cannot transfer; the admin cannot give an opening to a non-HR account
    hr_try = world.clients["hr_other"].post(
        f"/admin/openings/{world.opening_id}/owner",
        data={"owner_id": str(world.users["hr"].id), "csrf_token": world.csrf("hr_other", "/hr")},
    )
    assert hr_try.status_code == 403
    bad = admin.post(
        f"/admin/openings/{world.opening_id}/owner",
        data={"owner_id": str(world.users["trainer"].id), "csrf_token": world.csrf("admin", "/admin")},
    )
    assert bad.status_code == 422
    assert _fresh(session, Opening, world.opening_id).owner_id == world.users["hr_other"].id


def test_a_new_opening_belongs_to_its_creator(world: World, session) -> None:  # type: ignore[no-untyped-def]
    other = world.clients["hr_other"]
    response = other.post(
        "/hr/openings",
        data={
            "title": "售后客服 新岗位",
            "profile_id": "t.presale",
            "opens_at": "2030-01-01 09:00",
            "closes_at": "2030-02-01 09:00",
            "csrf_token": world.csrf("hr_other", "/hr"),
        },
    )
    assert response.status_code == 303
    oid = int(response.headers["location"].rsplit("/", 1)[1])
    assert _fresh(session, Opening, oid).owner_id == world.users["hr_other"].id
    assert world.clients["hr"].get(f"/hr/openings/{oid}").status_code == 404

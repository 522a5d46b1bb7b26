"""The JSON API (/api/v1/) through httpx: tokens, scopes, access, batches of invitations, results, decisions."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from exam.models import ApiToken, ApiTokenUse, AuditLog, Invitation
from exam.services import accounts, api_tokens
from exam.services.sample import seed_opening
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS, login
from tests.web.candidate_helpers import follow_and_start, hr_user, make_opening, seed_bank
from tests.web.test_ui_text import problems_in, read

ALL = ("invitations:write", "results:read", "decisions:write")


def _token(session: Session, user, scopes=ALL, days: int | None = 30) -> str:  # type: ignore[no-untyped-def]
    _row, raw = api_tokens.create_token(session, user, "script", scopes, days)
    session.commit()
    return raw


def _english(html: str) -> list[str]:
    """English words and internal keys a person reads on a page (the signed-in user's name "hr" is data)."""
    return [p for p in problems_in(" ".join(read(html).text)) if p != "English hr"]


def _auth(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(app) -> TestClient:  # type: ignore[no-untyped-def]
    """A script's client: no cookies of a browser."""
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def graded(session: Session):  # type: ignore[no-untyped-def]
    """An opening of "hr" with graded candidates (real answers), and the user."""
    seed_bank(session)
    user = hr_user(session)
    sample = seed_opening(session, 3, seed=7, created_by=user)
    session.commit()
    return user, sample


def test_a_script_invites_100_candidates_in_one_request(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session)
    raw = _token(session, hr_user(session), ("invitations:write",))
    people = [{"name": f"候选人{i}", "phone": f"1390000{i:04d}", "extra_time_factor": 1.25} for i in range(100)]
    r = api.post(f"/api/v1/openings/{opening.id}/invitations", json=people, headers=_auth(raw))
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert len(items) == 100 and len({i["id"] for i in items}) == 100
    assert items[0]["name"] == "候选人0" and items[0]["extra_time_factor"] == 1.25 and items[0]["status"] == "invited"
    assert items[0]["link"].startswith("http://testserver/i/")
    assert items[0]["qr"].startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(items[0]["qr"].split(",", 1)[1])
    session.expire_all()
    assert len(session.exec(select(Invitation).where(Invitation.opening_id == opening.id)).all()) == 100
    session.commit()
    # the link works for the candidate
    candidate = TestClient(api.app, follow_redirects=False)
    assert candidate.get(items[0]["link"].removeprefix("http://testserver")).status_code == 303
    # one object works too; a duplicate in a batch refuses the whole batch
    one = api.post(
        f"/api/v1/openings/{opening.id}/invitations", json={"name": "单个", "email": "a@b.cn"}, headers=_auth(raw)
    )
    assert one.status_code == 201 and len(one.json()["items"]) == 1
    for contact in ({"email": "A@B.CN"}, {"phone": "139-0000-0001"}):  # the same person written differently
        r = api.post(
            f"/api/v1/openings/{opening.id}/invitations", json={"name": "又一个", **contact}, headers=_auth(raw)
        )
        assert r.status_code == 422 and "已" in r.json()["message"], r.text
    fast = api.post(
        f"/api/v1/openings/{opening.id}/invitations?qr=false",
        json=[{"name": "无码", "phone": "13500000000"}],
        headers=_auth(raw),
    )
    assert fast.status_code == 201 and fast.json()["items"][0]["qr"] is None and fast.json()["items"][0]["link"]
    again = [{"name": "新人", "phone": "13911112222"}, {"name": "重复", "phone": "13900000001"}]
    r = api.post(f"/api/v1/openings/{opening.id}/invitations", json=again, headers=_auth(raw))
    assert r.status_code == 422 and r.json()["error"] == "invalid" and "#2" in r.json()["message"]
    session.expire_all()
    assert session.exec(select(Invitation).where(Invitation.name == "新人")).first() is None
    session.commit()
    # the list, page by page, with the next link and the status filter
    page = api.get(f"/api/v1/openings/{opening.id}/invitations?limit=40", headers=_auth(raw)).json()
    assert page["total"] == 102 and len(page["items"]) == 40 and "after=" in page["next"]
    page2 = api.get(page["next"].removeprefix("http://testserver"), headers=_auth(raw)).json()
    assert page2["items"][0]["id"] == page["items"][-1]["id"] + 1
    opened = api.get(f"/api/v1/openings/{opening.id}/invitations?status=opened", headers=_auth(raw)).json()
    assert [i["id"] for i in opened["items"]] == [items[0]["id"]]
    status = api.get(f"/api/v1/invitations/{items[0]['id']}", headers=_auth(raw)).json()
    assert status["status"] == "opened" and status["status_label"] == "已打开链接"


def test_bad_input_is_a_json_4xx(api, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session)
    raw = _token(session, hr_user(session))
    url = f"/api/v1/openings/{opening.id}/invitations"
    for body in ({}, [], {"name": "x"}, {"name": "x", "phone": "abc"}, [{"name": "x", "phone": "1", "y": 1}]):
        r = api.post(url, json=body, headers=_auth(raw))
        assert r.status_code == 422, (body, r.text)
        assert set(r.json()) == {"error", "message"} and r.json()["message"]
    assert (
        api.post(url, content=b"{not json", headers={**_auth(raw), "Content-Type": "application/json"}).status_code
        == 422
    )
    assert api.get("/api/v1/openings?limit=0", headers=_auth(raw)).status_code == 422
    assert api.get("/api/v1/openings?status=nope", headers=_auth(raw)).status_code == 422
    assert api.get("/api/v1/openings/abc", headers=_auth(raw)).status_code == 404
    assert api.get(f"/api/v1/openings/{2**40}", headers=_auth(raw)).status_code == 404
    r = api.delete(f"/api/v1/openings/{opening.id}", headers=_auth(raw))
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"
    assert api.get("/api/v1/nothing", headers=_auth(raw)).json()["error"] == "not_found"


def test_result_and_decision_seen_by_hr(api, client, session: Session, graded) -> None:  # type: ignore[no-untyped-def]
    user, sample = graded
    raw = _token(session, user)
    attempt_id = sample.attempt_ids[0]
    r = api.get(f"/api/v1/attempts/{attempt_id}/result", headers=_auth(raw))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "graded" and 0 <= body["hiring_score"] <= 100 and body["band"]
    assert body["criteria"] and all(c["input"] and c["explanation"] for c in body["criteria"])
    assert abs(sum(c["contribution"] for c in body["criteria"]) - body["hiring_score"]) < 0.5
    assert isinstance(body["requirements"], list) and body["report_url"].endswith(f"/hr/attempts/{attempt_id}")
    assert body["decision"]["decision"] is None
    r = api.put(
        f"/api/v1/attempts/{attempt_id}/decision",
        json={"decision": "shortlist", "note": "API 进入面试"},
        headers=_auth(raw),
    )
    assert r.status_code == 200 and r.json()["decision"] == "shortlist", r.text
    assert (
        api.put(
            f"/api/v1/attempts/{attempt_id}/decision", json={"decision": "maybe", "note": "x"}, headers=_auth(raw)
        ).status_code
        == 422
    )
    assert (
        api.put(
            f"/api/v1/attempts/{attempt_id}/decision", json={"decision": "hire", "note": "  "}, headers=_auth(raw)
        ).status_code
        == 422
    )
    login(client, "hr", PASSWORDS["hr"])
    page = client.get(f"/hr/attempts/{attempt_id}")
    assert (
        page.status_code == 200 and "API 进入面试" in page.text and '<option value="shortlist" selected>' in page.text
    )
    session.expire_all()
    entry = session.exec(select(AuditLog).where(AuditLog.action == "review.decision")).one()
    assert entry.actor_id == user.id and entry.target_id == str(attempt_id)
    session.commit()
    assert (
        api.get(f"/api/v1/attempts/{attempt_id}/result", headers=_auth(raw)).json()["decision"]["note"]
        == "API 进入面试"
    )


def test_a_result_before_grading_is_a_409(api, app, session: Session) -> None:  # type: ignore[no-untyped-def]
    seed_bank(session)
    opening = make_opening(session)
    user = hr_user(session)
    raw = _token(session, user)
    r = api.post(
        f"/api/v1/openings/{opening.id}/invitations", json={"name": "甲", "phone": "13700000000"}, headers=_auth(raw)
    )
    token = r.json()["items"][0]["link"].rsplit("/", 1)[1]
    _inv, attempt_id = follow_and_start(TestClient(app, follow_redirects=False), token)
    r = api.get(f"/api/v1/attempts/{attempt_id}/result", headers=_auth(raw))
    assert r.status_code == 409 and r.json()["error"] == "not_graded"
    listed = api.get(f"/api/v1/openings/{opening.id}/invitations?status=in_progress", headers=_auth(raw)).json()
    assert [i["attempt_id"] for i in listed["items"]] == [attempt_id]


def test_another_hr_users_token_reaches_nothing(api, session: Session, graded, make_user) -> None:  # type: ignore[no-untyped-def]
    user, sample = graded
    other = make_user("hr", "hr-other")
    mine, theirs = _token(session, user), _token(session, other)
    invitation = session.exec(select(Invitation).where(Invitation.opening_id == sample.opening.id)).first()
    session.commit()
    urls = [
        f"/api/v1/openings/{sample.opening.id}",
        f"/api/v1/openings/{sample.opening.id}/invitations",
        f"/api/v1/attempts/{sample.attempt_ids[0]}/result",
    ]
    if invitation is not None:
        urls.append(f"/api/v1/invitations/{invitation.id}")
    for url in urls:
        assert api.get(url, headers=_auth(mine)).status_code == 200, url
        r = api.get(url, headers=_auth(theirs))
        assert r.status_code == 404 and r.json()["error"] == "not_found", url
    assert api.get("/api/v1/openings", headers=_auth(theirs)).json() == {"items": [], "total": 0, "next": None}
    assert api.get("/api/v1/openings", headers=_auth(mine)).json()["total"] == 1
    assert api.get("/api/v1/openings?status=open", headers=_auth(mine)).json()["total"] == 1
    detail = api.get(f"/api/v1/openings/{sample.opening.id}", headers=_auth(mine)).json()
    assert detail["attempts"]["graded"] == 3 and sum(detail["bands"].values()) == 3 and detail["mean_score"] > 0
    assert api.get("/api/v1/openings?status=closed", headers=_auth(mine)).json()["total"] == 0
    since = (utcnow() + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert api.get("/api/v1/openings", params={"created_after": since}, headers=_auth(mine)).json()["total"] == 0
    assert api.get("/api/v1/openings", params={"created_before": since}, headers=_auth(mine)).json()["total"] == 1
    r = api.post(
        f"/api/v1/openings/{sample.opening.id}/invitations",
        json={"name": "x", "phone": "13800000000"},
        headers=_auth(theirs),
    )
    assert r.status_code == 404
    r = api.put(
        f"/api/v1/attempts/{sample.attempt_ids[0]}/decision",
        json={"decision": "reject", "note": "x"},
        headers=_auth(theirs),
    )
    assert r.status_code == 404


def test_tokens_expired_revoked_scopes_and_cookies(api, client, session: Session, graded) -> None:  # type: ignore[no-untyped-def]
    user, sample = graded
    url = f"/api/v1/attempts/{sample.attempt_ids[0]}/result"
    assert api.get(url).status_code == 401 and api.get(url).headers["WWW-Authenticate"] == "Bearer"
    assert api.get(url, headers=_auth("exk_made-up")).json()["error"] == "invalid_token"
    assert api.get(url, headers={"Authorization": "Basic eDp5"}).status_code == 401
    expired, expired_raw = api_tokens.create_token(session, user, "old", ALL, 1, now=utcnow() - timedelta(days=2))
    session.commit()
    r = api.get(url, headers=_auth(expired_raw))
    assert r.status_code == 401 and r.json()["error"] == "token_expired"
    revoked, revoked_raw = api_tokens.create_token(session, user, "gone", ALL, None)
    api_tokens.revoke_token(session, revoked.id, actor=user)
    session.commit()
    assert api.get(url, headers=_auth(revoked_raw)).json()["error"] == "token_revoked"
    invite_only = _token(session, user, ("invitations:write",))
    r = api.get(url, headers=_auth(invite_only))
    assert r.status_code == 403 and r.json()["error"] == "missing_scope" and "results:read" in r.json()["message"]
    r = api.put(
        f"/api/v1/attempts/{sample.attempt_ids[0]}/decision",
        json={"decision": "hire", "note": "x"},
        headers=_auth(invite_only),
    )
    assert r.status_code == 403 and "decisions:write" in r.json()["message"]
    # a signed-in HR browser's cookies are not enough, and no CSRF token is asked of a token
    login(client, "hr", PASSWORDS["hr"])
    assert client.get("/hr").status_code == 200
    assert client.get(url).status_code == 401
    r = client.put(f"/api/v1/attempts/{sample.attempt_ids[0]}/decision", json={"decision": "hire", "note": "x"})
    assert r.status_code == 401
    fresh = _token(session, user)
    assert api.get(url, headers=_auth(fresh)).status_code == 200
    accounts.set_active(session, user, False)  # a disabled account's tokens stop working
    session.commit()
    assert api.get(url, headers=_auth(fresh)).status_code == 401


def test_rate_limit_429_with_retry_after(api, session: Session, graded, settings) -> None:  # type: ignore[no-untyped-def]
    user, _sample = graded
    api.app.state.settings = settings.model_copy(update={"api_rate_per_minute": 5})
    raw = _token(session, user)
    statuses = [api.get("/api/v1/openings", headers=_auth(raw)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    r = api.get("/api/v1/openings", headers=_auth(raw))
    assert r.status_code == 429 and r.json()["error"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    other = _token(session, user)  # the limit is per token
    assert api.get("/api/v1/openings", headers=_auth(other)).status_code == 200
    session.expire_all()
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == api_tokens.security.token_hash(raw))).one()
    uses = session.exec(select(ApiTokenUse).where(ApiTokenUse.token_id == row.id)).all()
    assert len(uses) == 5 and {u.path for u in uses} == {"/api/v1/openings"} and row.last_used_at is not None


def test_etags_give_304(api, session: Session, graded) -> None:  # type: ignore[no-untyped-def]
    user, sample = graded
    raw = _token(session, user)
    for url in (
        "/api/v1/openings",
        f"/api/v1/openings/{sample.opening.id}",
        f"/api/v1/attempts/{sample.attempt_ids[1]}/result",
    ):
        first = api.get(url, headers=_auth(raw))
        tag = first.headers["ETag"]
        again = api.get(url, headers={**_auth(raw), "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == tag
    api.put(
        f"/api/v1/attempts/{sample.attempt_ids[1]}/decision",
        json={"decision": "hold", "note": "等"},
        headers=_auth(raw),
    )
    changed = api.get(f"/api/v1/attempts/{sample.attempt_ids[1]}/result", headers={**_auth(raw), "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_the_schema_and_docs_are_chinese_and_api_only(api) -> None:  # type: ignore[no-untyped-def]
    schema = api.get("/api/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/openings",
        "/api/v1/openings/{opening_id}",
        "/api/v1/openings/{opening_id}/invitations",
        "/api/v1/invitations/{invitation_id}",
        "/api/v1/attempts/{attempt_id}/result",
        "/api/v1/attempts/{attempt_id}/decision",
    }
    assert schema["paths"]["/api/v1/openings"]["get"]["summary"] == "岗位列表"
    docs = api.get("/api/docs")
    assert docs.status_code == 200 and "岗位列表" in docs.text and "/api/v1/attempts/{attempt_id}/decision" in docs.text


def test_hr_token_page_creates_shows_once_and_revokes(client, session: Session, login_as, make_user) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import csrf_of

    user = login_as("hr")
    page = client.get("/hr/api-tokens")
    assert page.status_code == 200 and "API 令牌" in page.text
    assert _english(page.text) == []
    token = csrf_of(client, "/hr/api-tokens")
    r = client.post(
        "/hr/api-tokens",
        data={
            "name": "Moka",
            "scope": ["invitations:write", "results:read"],
            "expires_days": "90",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "exk_" in r.text, r.text[:500]
    raw = r.text.split('id="new-token" translate="no" class="token-value">', 1)[1].split("<", 1)[0]
    listed = client.get("/hr/api-tokens").text
    assert raw not in listed  # shown once
    assert _english(r.text) == [] and _english(listed) == []
    api = TestClient(client.app)
    assert api.get("/api/v1/openings", headers=_auth(raw)).status_code == 200
    assert (
        client.post("/hr/api-tokens", data={"name": "x", "expires_days": "90", "csrf_token": token}).status_code == 422
    )
    assert client.post("/hr/api-tokens", data={"name": "x", "scope": "results:read"}).status_code == 403  # CSRF
    session.expire_all()
    row = session.exec(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    session.commit()
    other = make_user("hr", "hr-b")
    session.commit()
    r = client.post(f"/hr/api-tokens/{row.id}/revoke", data={"csrf_token": token})
    assert r.status_code == 303
    assert api.get("/api/v1/openings", headers=_auth(raw)).status_code == 401
    _other_row, _raw = api_tokens.create_token(session, other, "b", ALL, None)
    session.commit()
    assert client.post(f"/hr/api-tokens/{_other_row.id}/revoke", data={"csrf_token": token}).status_code == 404


def test_cli_creates_lists_and_revokes(session: Session, engine, settings, monkeypatch, make_user) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from exam.cli import main

    make_user("hr", "hr-cli")
    monkeypatch.setenv("EXAM_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("EXAM_SECRET_KEY", settings.secret_key)
    runner = CliRunner()
    r = runner.invoke(
        main, ["token", "create", "hr-cli", "--scope", "results:read", "--expires-days", "7", "--name", "ATS"]
    )
    assert r.exit_code == 0, r.output
    raw = r.stdout.strip()
    assert raw.startswith("exk_") and "\n" not in raw  # only the token on standard output: TOKEN=$(exam token create …)
    listed = runner.invoke(main, ["token", "list", "hr-cli"])
    assert (
        listed.exit_code == 0
        and "ATS" in listed.output
        and "results:read" in listed.output
        and raw not in listed.output
    )
    token_id = listed.output.split("\t", 1)[0]
    assert runner.invoke(main, ["token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["token", "list", "hr-cli"]).output
    assert runner.invoke(main, ["token", "create", "nobody", "--scope", "results:read"]).exit_code != 0
    assert runner.invoke(main, ["token", "create", "hr-cli", "--scope", "everything"]).exit_code != 0


def test_the_whole_story_a_script_invites_a_candidate_finishes_hr_sees_the_decision(api, app, client, session) -> None:  # type: ignore[no-untyped-def]
    from exam.models import Attempt
    from exam.services import papers
    from tests.web.candidate_helpers import csrf, save

    seed_bank(session)
    opening = make_opening(session)
    raw = _token(session, hr_user(session))
    people = [{"name": f"应聘者{i}", "phone": f"1380000{i:04d}"} for i in range(100)]
    created = api.post(f"/api/v1/openings/{opening.id}/invitations", json=people, headers=_auth(raw)).json()["items"]
    first = created[0]
    # the candidate follows the link from the response and takes the whole exam
    candidate = TestClient(app, follow_redirects=False)
    _inv, attempt_id = follow_and_start(candidate, first["link"].rsplit("/", 1)[1])
    attempt = session.get(Attempt, attempt_id)
    positions: dict[str, list[int]] = {}
    for entry in papers.iter_items(attempt.paper):
        positions.setdefault(entry.item["type"], []).append(entry.position)
    session.commit()
    t = csrf(candidate, f"/candidate/attempts/{attempt_id}")
    started = candidate.post(
        f"/candidate/attempts/{attempt_id}/items/{positions['typing'][0]}/start", headers={"X-CSRF-Token": t}
    )
    save(candidate, attempt_id, positions["typing"][0], {"text": "亲，您好！欢迎光临"}, started.json()["version"], t)
    candidate.post(f"/candidate/attempts/{attempt_id}/sections/typing/submit", data={"csrf_token": t})
    save(candidate, attempt_id, positions["single_choice"][0], {"choice": "1"}, 0, t)
    candidate.post(f"/candidate/attempts/{attempt_id}/sections/knowledge/submit", data={"csrf_token": t})
    reply = "亲，您好！我们店铺是统一价不议价的，买两件可以享受九折优惠哦，感谢您的支持！"
    save(candidate, attempt_id, positions["reply"][0], {"text": reply}, 0, t)
    done = candidate.post(f"/candidate/attempts/{attempt_id}/sections/communication/submit", data={"csrf_token": t})
    assert done.headers["location"].endswith("/done")
    # the script sees the invitation graded, reads the result and decides
    status = api.get(f"/api/v1/invitations/{first['id']}", headers=_auth(raw)).json()
    assert status["status"] == "graded" and status["attempt_id"] == attempt_id
    graded = api.get(f"/api/v1/openings/{opening.id}/invitations?status=graded", headers=_auth(raw)).json()
    assert [i["id"] for i in graded["items"]] == [first["id"]]
    result = api.get(f"/api/v1/attempts/{attempt_id}/result", headers=_auth(raw)).json()
    assert result["hiring_score"] is not None and result["criteria"] and result["band"]
    decided = api.put(
        f"/api/v1/attempts/{attempt_id}/decision", json={"decision": "hire", "note": "脚本：录用"}, headers=_auth(raw)
    )
    assert decided.status_code == 200
    login(client, "hr", PASSWORDS["hr"])
    page = client.get(f"/hr/attempts/{attempt_id}")
    assert "脚本：录用" in page.text and '<option value="hire" selected>' in page.text


def test_old_uses_are_pruned(session: Session, engine, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("hr", "hr-prune")
    row, _raw = api_tokens.create_token(session, user, "old", ALL, None)
    now = utcnow()
    for days in (200, 91, 1):
        session.add(ApiTokenUse(token_id=row.id, at=now - timedelta(days=days), method="GET", path="/api/v1/openings"))
    session.commit()
    assert api_tokens.prune_uses(engine, now) == 2
    session.expire_all()
    assert len(session.exec(select(ApiTokenUse).where(ApiTokenUse.token_id == row.id)).all()) == 1

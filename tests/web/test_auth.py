"""Login, throttling, sessions, CSRF and role guards through the real app."""

from datetime import timedelta

import pytest
from sqlmodel import select

from exam.models import LoginAttempt, UserSession
from exam.timeutil import utcnow
from tests.conftest import PASSWORDS, csrf_of, login

ROLE_HOMES = {"admin": "/admin", "hr": "/hr", "trainer": "/trainer", "candidate": "/candidate"}


@pytest.mark.parametrize("role", list(ROLE_HOMES))
def test_each_role_lands_on_its_home_and_is_refused_elsewhere(client, login_as, role) -> None:
    login_as(role)
    home = client.get("/")
    assert home.status_code == 303 and home.headers["location"] == ROLE_HOMES[role]
    assert client.get(ROLE_HOMES[role]).status_code == 200
    for other, path in ROLE_HOMES.items():
        if other != role:
            response = client.get(path)
            assert response.status_code == 403, (role, path)
            assert "无权访问" in response.text


def test_anonymous_gets_401_page_and_login_redirect(client) -> None:
    assert client.get("/").headers["location"] == "/login"
    response = client.get("/admin")
    assert response.status_code == 401
    assert "/login?next=/admin" in response.text
    htmx = client.get("/hr", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login")


def test_login_sets_safe_cookie_and_new_session(client, make_user) -> None:
    make_user("hr")
    first = login(client, "hr", PASSWORDS["hr"])
    assert first.status_code == 303
    cookie_header = first.headers["set-cookie"]
    assert "exam_session=" in cookie_header and "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header
    token1 = client.cookies.get("exam_session")
    second = login(client, "hr", PASSWORDS["hr"])
    assert second.status_code == 303
    assert client.cookies.get("exam_session") != token1  # a new session at every login


def test_login_next_only_follows_local_paths(client, make_user) -> None:
    make_user("hr")
    token = csrf_of(client)
    r = client.post(
        "/login", data={"username": "hr", "password": PASSWORDS["hr"], "csrf_token": token, "next": "//evil.example/x"}
    )
    assert r.headers["location"] == "/hr"


def test_wrong_password_refused_then_throttled(client, make_user, session) -> None:
    make_user("trainer")
    for _ in range(5):
        r = login(client, "trainer", "not-the-password")
        assert r.status_code == 401
        assert "用户名或密码错误" in r.text
    r = login(client, "trainer", PASSWORDS["trainer"])  # even the right password waits now
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "秒后再试" in r.text
    failures = session.exec(select(LoginAttempt).where(LoginAttempt.success == False)).all()  # noqa: E712
    assert len(failures) == 5  # the refused (throttled) try is logged but neither counts nor extends the delay


def test_throttle_is_a_delay_not_a_lockout(client, make_user, session) -> None:
    make_user("trainer")
    for _ in range(5):
        login(client, "trainer", "not-the-password")
    # move the failures into the past: the delay has passed, the account works again
    for attempt in session.exec(select(LoginAttempt)).all():
        attempt.at = attempt.at - timedelta(minutes=5)
        session.add(attempt)
    session.commit()
    assert login(client, "trainer", PASSWORDS["trainer"]).status_code == 303


def test_cross_site_post_refused(client, login_as) -> None:
    login_as("admin")
    token = csrf_of(client, "/admin")
    data = {"username": "mallory", "role": "admin", "password": "Mallory-pass-77", "csrf_token": token}
    assert client.post("/admin/users", data=data, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/admin/users", data=data, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    no_token = dict(data, csrf_token="")
    assert client.post("/admin/users", data=no_token).status_code == 403
    forged = dict(data, csrf_token="0" * 64)
    assert client.post("/admin/users", data=forged).status_code == 403
    assert "mallory" not in client.get("/admin").text
    ok = client.post("/admin/users", data=data, headers={"Origin": "http://testserver"})
    assert ok.status_code == 303
    assert "mallory" in client.get("/admin").text


def test_htmx_header_token_accepted(client, login_as, make_user) -> None:
    login_as("admin")
    target = make_user("hr")
    token = csrf_of(client, "/admin")
    r = client.post(
        f"/admin/users/{target.id}/active",
        data={"active": "false"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "已停用" in r.text


def test_no_state_change_through_get(client, login_as) -> None:
    login_as("admin")
    assert client.get("/logout").status_code == 405
    assert client.get("/admin").status_code == 200  # still signed in


def test_disabled_user_session_ends(client, app, make_user, session) -> None:
    from fastapi.testclient import TestClient

    make_user("admin")
    make_user("hr")
    hr_client = TestClient(app, follow_redirects=False)
    assert login(hr_client, "hr", PASSWORDS["hr"]).status_code == 303
    assert hr_client.get("/hr").status_code == 200
    assert login(client, "admin", PASSWORDS["admin"]).status_code == 303
    hr_id = session.exec(select(UserSession)).first().user_id
    token = csrf_of(client, "/admin")
    assert client.post(f"/admin/users/{hr_id}/active", data={"active": "false", "csrf_token": token}).status_code == 303
    assert hr_client.get("/hr").status_code == 401
    assert login(hr_client, "hr", PASSWORDS["hr"]).status_code == 401  # disabled accounts cannot sign in


def test_logout_and_idle_timeout(client, login_as, session, settings) -> None:
    login_as("hr")
    assert client.get("/hr").status_code == 200
    record = session.exec(select(UserSession)).one()
    record.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    session.add(record)
    session.commit()
    assert client.get("/hr").status_code == 401
    login_as_again = login(client, "hr", PASSWORDS["hr"])
    assert login_as_again.status_code == 303
    token = csrf_of(client, "/hr")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/hr").status_code == 401


def test_absolute_timeout(client, login_as, session) -> None:
    login_as("trainer")
    record = session.exec(select(UserSession)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    session.add(record)
    session.commit()
    assert client.get("/trainer").status_code == 401

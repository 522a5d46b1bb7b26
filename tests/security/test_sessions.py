"""Sessions are renewed at login (no fixation), end at logout, and end everywhere when the admin disables
the account or resets its password; following an invitation link starts the candidate's own session."""

from __future__ import annotations

from fastapi.testclient import TestClient

from exam.web.cookies import SESSION_COOKIE
from tests.conftest import PASSWORDS, csrf_of, login
from tests.security.conftest import World


def _fresh(world: World) -> TestClient:
    return TestClient(world.app, follow_redirects=False)


def test_login_starts_a_new_session_and_the_old_one_ends(world: World) -> None:
    browser = _fresh(world)
    assert login(browser, "hr-other", PASSWORDS["hr"]).status_code == 303
    first = browser.cookies.get(SESSION_COOKIE)
    # someone planted or copied this cookie; the user signs in again in the same browser
    thief = _fresh(world)
    thief.cookies.set(SESSION_COOKIE, first)
    assert thief.get("/hr").status_code == 200
    assert login(browser, "hr-other", PASSWORDS["hr"]).status_code == 303
    second = browser.cookies.get(SESSION_COOKIE)
    assert second and second != first
    assert thief.get("/hr").status_code == 401, "the session from before the login is over"
    assert browser.get("/hr").status_code == 200
    # a made-up cookie never becomes a session
    planted = _fresh(world)
    planted.cookies.set(SESSION_COOKIE, "attacker-chosen-value-0123456789", domain="testserver.local")
    signed_in = login(planted, "hr-other", PASSWORDS["hr"])
    assert signed_in.status_code == 303
    set_cookie = signed_in.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in set_cookie and "attacker-chosen-value" not in set_cookie


def test_logout_ends_the_session_on_the_server(world: World) -> None:
    browser = world.clients["trainer"]
    copy = _fresh(world)
    copy.cookies.set(SESSION_COOKIE, browser.cookies.get(SESSION_COOKIE))
    assert copy.get("/trainer").status_code == 200
    assert browser.post("/logout", data={"csrf_token": world.csrf("trainer", "/trainer")}).status_code == 303
    assert copy.get("/trainer").status_code == 401
    assert browser.get("/trainer").status_code == 401


def test_disabling_an_account_ends_its_sessions_everywhere(world: World) -> None:
    laptop, phone = _fresh(world), _fresh(world)
    for device in (laptop, phone):
        assert login(device, "hr-other", PASSWORDS["hr"]).status_code == 303
    admin = world.clients["admin"]
    uid = world.users["hr_other"].id
    r = admin.post(f"/admin/users/{uid}/active", data={"active": "false", "csrf_token": world.csrf("admin", "/admin")})
    assert r.status_code in (200, 303)
    for device in (laptop, phone, world.clients["hr_other"]):
        assert device.get("/hr").status_code == 401
    assert login(_fresh(world), "hr-other", PASSWORDS["hr"]).status_code == 401
    # re-enabled: signing in works again, the old sessions stay ended
    admin.post(f"/admin/users/{uid}/active", data={"active": "true", "csrf_token": world.csrf("admin", "/admin")})
    assert laptop.get("/hr").status_code == 401
    assert login(_fresh(world), "hr-other", PASSWORDS["hr"]).status_code == 303


def test_a_password_reset_ends_the_sessions(world: World) -> None:
    admin = world.clients["admin"]
    r = admin.post(
        f"/admin/users/{world.users['trainer'].id}/password",
        data={"password": "New-trainer-pass-9", "csrf_token": world.csrf("admin", "/admin")},
    )
    assert r.status_code == 200
    assert world.clients["trainer"].get("/trainer").status_code == 401


def test_the_invitation_link_replaces_a_staff_session_only_when_asked(world: World) -> None:
    browser = _fresh(world)
    assert login(browser, "hr", PASSWORDS["hr"]).status_code == 303
    staff_cookie = browser.cookies.get(SESSION_COOKIE)
    asked = browser.get(f"/i/{world.ids['spare_token']}")
    assert asked.status_code == 200 and browser.cookies.get(SESSION_COOKIE) == staff_cookie
    switched = browser.post(f"/i/{world.ids['spare_token']}", data={"csrf_token": csrf_of(browser, "/hr")})
    assert switched.status_code == 303
    assert browser.cookies.get(SESSION_COOKIE) != staff_cookie
    old = _fresh(world)
    old.cookies.set(SESSION_COOKIE, staff_cookie)
    assert old.get("/hr").status_code == 401, "the staff session ended when the candidate's began"

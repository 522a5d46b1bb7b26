"""Admin pages: create users, reset passwords, disable and re-enable accounts."""

from sqlmodel import select

from exam.models import AuditLog, User
from tests.conftest import csrf_of, login


def test_admin_creates_user_who_can_sign_in(client, app, login_as, session) -> None:
    login_as("admin")
    token = csrf_of(client, "/admin")
    r = client.post(
        "/admin/users",
        data={
            "username": "zhang",
            "role": "trainer",
            "password": "Zhang-pass-88",
            "display_name": "张老师",
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    page = client.get("/admin")
    assert "张老师" in page.text
    assert session.exec(select(AuditLog).where(AuditLog.action == "user.create")).all()
    from fastapi.testclient import TestClient

    other = TestClient(app, follow_redirects=False)
    assert login(other, "zhang", "Zhang-pass-88").headers["location"] == "/trainer"


def test_admin_form_errors_are_shown_and_nothing_created(client, login_as, session) -> None:
    login_as("admin")
    token = csrf_of(client, "/admin")
    r = client.post(
        "/admin/users", data={"username": "x y", "role": "hr", "password": "Good-pass-99", "csrf_token": token}
    )
    assert r.status_code == 422 and "用户名须为" in r.text
    r = client.post("/admin/users", data={"username": "li", "role": "hr", "password": "123456789", "csrf_token": token})
    assert r.status_code == 422 and "最常见的密码" in r.text
    assert session.exec(select(User).where(User.username == "li")).first() is None


def test_reset_password_and_toggle(client, login_as, make_user, app) -> None:
    from fastapi.testclient import TestClient

    login_as("admin")
    hr = make_user("hr")
    token = csrf_of(client, "/admin")
    r = client.post(
        f"/admin/users/{hr.id}/password",
        data={"password": "Brand-new-pass-7", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "密码已修改" in r.text
    other = TestClient(app, follow_redirects=False)
    assert login(other, "hr", "Brand-new-pass-7").status_code == 303
    r = client.post(
        f"/admin/users/{hr.id}/active", data={"active": "false", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert "已停用" in r.text
    assert other.get("/hr").status_code == 401
    r = client.post(
        f"/admin/users/{hr.id}/active", data={"active": "true", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert "启用中" in r.text
    me = client.post(
        f"/admin/users/{1}/active", data={"active": "false", "csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert me.status_code == 422


def test_user_search_partial(client, login_as, make_user) -> None:
    login_as("admin")
    make_user("trainer", "wang.trainer")
    r = client.get("/admin?q=wang", headers={"HX-Request": "true", "HX-Target": "user-table"})
    assert r.status_code == 200 and "wang.trainer" in r.text and "<html" not in r.text

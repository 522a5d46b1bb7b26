"""A real browser signs in as each demo role and lands on that role's home page."""

import pytest

from exam.services.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role,username,password,name", DEMO_ACCOUNTS)
def test_each_demo_role_signs_in(live_server, page, role, username, password, name) -> None:
    assert username in live_server.demo_output and password in live_server.demo_output
    sign_in(page, live_server.base_url, username, password)
    assert page.url.rstrip("/").endswith(f"/{role}")
    assert page.locator("header .who").inner_text().startswith(name)
    shot(page, f"home-{role}")
    # the other roles' pages are refused
    for other in {"admin", "hr", "trainer", "candidate"} - {role}:
        response = page.goto(f"{live_server.base_url}/{other}")
        assert response is not None and response.status == 403
    page.goto(f"{live_server.base_url}/")
    page.click("header form[action='/logout'] button")
    page.wait_for_url("**/login")


def test_language_switch_and_wrong_password(live_server, page) -> None:
    page.goto(f"{live_server.base_url}/login")
    assert page.locator("h1").inner_text() == "登录"
    page.select_option("#locale-select", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#username", "hr")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit].primary")
    assert "Wrong user name or password" in page.locator("[role=alert]").inner_text()
    page.select_option("#locale-select", "zh_CN")
    page.wait_for_load_state("networkidle")
    shot(page, "login-zh")

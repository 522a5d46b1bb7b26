"""Simplified Chinese first, English second; every UI message is translated."""

from exam.i18n_catalog import missing_translations
from tests.conftest import csrf_of


def test_every_message_has_a_chinese_translation() -> None:
    missing = missing_translations("zh_CN")
    assert not missing, "untranslated: " + "; ".join(f"{v[0]} {k!r}" for k, v in sorted(missing.items())[:20])


def test_chinese_by_default_english_on_request(client) -> None:
    page = client.get("/login")
    assert '<html lang="zh-CN">' in page.text and "登录" in page.text
    token = csrf_of(client)
    r = client.post("/locale", data={"locale": "en", "next": "/login", "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text and "登录" not in page.text


def test_locale_switch_ignores_unknown_and_offsite(client) -> None:
    token = csrf_of(client)
    r = client.post("/locale", data={"locale": "xx", "next": "https://evil.example/", "csrf_token": token})
    assert r.headers["location"] == "/"
    assert "登录" in client.get("/login").text

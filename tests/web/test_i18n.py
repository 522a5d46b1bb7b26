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


def test_chinese_translations_use_full_width_punctuation() -> None:
    """Chinese text takes full-width marks (，；：？！（）); half-width ones between Chinese words look broken."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    from exam.zhtext import half_width_marks

    folder = Path(__file__).resolve().parents[2] / "exam" / "locale" / "zh_CN" / "LC_MESSAGES"
    bad = []
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                if message.id and text and half_width_marks(text):
                    bad.append(f"{po.name}: {text[:40]!r} ({half_width_marks(text)[0]!r})")
    assert not bad, "\n".join(bad[:20])

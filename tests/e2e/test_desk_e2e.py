"""A real browser at the reception desk: a candidate serves three customers at once (typing through a pinyin
IME, Enter sends), one ignored customer nudges and leaves, a reload in the middle loses nothing, a paste is
allowed and noted, and HR reads the response times, reply rate, conversion and transcript in the report.

The desk is tests/data/simulations/desk_bank (seconds where the shipped desks have minutes), imported with
`exam bank import` into the live server's demo database; the opening and the invitation are made through the
services, as HR's page would."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from exam.db import make_engine, session_scope
from exam.services import accounts, openings
from exam.timeutil import utcnow
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

DESK_BANK = Path(__file__).resolve().parents[1] / "data" / "simulations" / "desk_bank"


def _invite(live_server) -> str:  # type: ignore[no-untyped-def]
    """Import the desk bank, open a position with its profile and invite one candidate: the link."""
    done = live_server.exam("bank", "import", str(DESK_BANK))
    assert done.returncode == 0, done.stderr
    engine = make_engine(live_server.env["EXAM_DATABASE_URL"])
    try:
        with session_scope(engine) as session:
            hr = accounts.get_user(session, "hr")
            now = utcnow()
            opening = openings.create_opening(
                session,
                title="接待台 · 浏览器测试",
                profile_id="t.desk",
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=1),
                show_result=False,
                actor=hr,
            )
            _, token = openings.invite(
                session,
                opening,
                name="接待员甲",
                phone="13700000001",
                actor=hr,
                secret_key=live_server.env["EXAM_SECRET_KEY"],
            )
    finally:
        engine.dispose()
    return f"{live_server.base_url}/i/{token}"


def _chat(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(".desk-chat-button", has_text=name)


def _ime_send(page, cdp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Compose pinyin, press Enter while composing (it must not send), commit, then Enter sends."""
    cdp.send("Input.imeSetComposition", {"text": "nin", "selectionStart": 3, "selectionEnd": 3})
    page.evaluate(
        """() => document.querySelector('[data-input]').dispatchEvent(new KeyboardEvent('keydown',
        {key: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true}))"""
    )
    cdp.send("Input.insertText", {"text": text})
    page.keyboard.press("Enter")


def _wait_text(page, selector: str, text: str, timeout: float = 25.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while text not in page.locator(selector).inner_text():
        assert time.monotonic() < deadline, f"{text!r} did not appear in {selector}"
        time.sleep(0.2)


def test_a_candidate_serves_three_customers_and_hr_reads_the_desk(live_server, page, browser) -> None:
    link = _invite(live_server)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(link)
    page.check("#accept")
    page.click("text=开始考试")
    page.wait_for_url("**/candidate/attempts/*")
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator(".step.current").inner_text().endswith("模拟接待台")
    cdp = page.context.new_cdp_session(page)

    # the tiger writes first; answer through the IME (Enter while composing does not send)
    _chat(page, "王先生").wait_for()
    _chat(page, "王先生").click()
    _wait_text(page, "[data-messages]", "纯棉衬衣有货吗")
    page.locator("[data-input]").focus()
    _ime_send(page, cdp, "您好，有货的，L 码和 M 码都有。")
    _wait_text(page, "[data-messages]", "L 码和 M 码都有")
    assert page.locator("[data-input]").input_value() == ""

    # the koala and the owl write too: three conversations at once, with unread badges and waiting times
    _chat(page, "李阿姨").wait_for()
    _chat(page, "赵女士").wait_for()
    assert _chat(page, "赵女士").locator(".desk-unread").inner_text() == "1"
    assert "等待" in _chat(page, "赵女士").locator(".desk-wait").inner_text()
    shot(page, "desk-1-three-customers")
    _chat(page, "李阿姨").click()
    page.locator("[data-input]").fill("")
    # a paste is allowed at the desk (and noted for HR)
    page.evaluate("""() => {
        const dt = new DataTransfer(); dt.setData('text/plain', '欢迎光临本店');
        document.querySelector('[data-input]').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
    }""")
    assert page.locator("#notice").is_hidden(), "pasting is not blocked at the desk"
    page.locator("[data-input]").press_sequentially("您好，欢迎光临！")
    page.keyboard.press("Enter")
    _wait_text(page, "[data-messages]", "欢迎光临！")

    # the tiger asks the next question; a reload in the middle loses nothing
    _wait_text(page, ".desk-chats", "穿什么码")
    page.reload()
    _chat(page, "王先生").wait_for()
    _chat(page, "王先生").click()
    _wait_text(page, "[data-messages]", "L 码和 M 码都有")
    _wait_text(page, "[data-messages]", "穿什么码")
    page.locator("[data-input]").press_sequentially("您好，178 厘米建议选 L 码。")
    page.keyboard.press("Enter")
    _wait_text(page, "[data-messages]", "拍下了")  # the tiger orders
    _chat(page, "李阿姨").click()
    _wait_text(page, "[data-messages]", "买两件有优惠吗")
    page.locator("[data-input]").press_sequentially("您好，两件可以享 9 折哦。")
    page.keyboard.press("Enter")
    _wait_text(page, "[data-messages]", "我拍两件")

    # the owl, never answered, nudged and left
    _chat(page, "赵女士").click()
    _wait_text(page, "[data-messages]", "没人理，我走了。")
    assert "在吗？" in page.locator("[data-messages]").inner_text()
    assert page.locator("[data-input]").is_disabled()
    shot(page, "desk-2-owl-left")
    page.click("#submit-button")
    page.click("#confirm-ok")
    page.wait_for_url("**/done")
    assert not errors, errors

    # HR reads the desk
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    hr = context.new_page()
    sign_in(hr, live_server.base_url, "hr", "Hr-demo-2026!")
    hr.goto(f"{live_server.base_url}/hr/attempts/{attempt_id}")
    figures = {
        key: hr.locator(f'[data-figure="{key}"]').inner_text()
        for key in ("reply_rate", "mean_response_s", "conversion_rate", "order_value")
    }
    assert figures["conversion_rate"] == "66.7%" and figures["order_value"].startswith("278.6")
    assert re.match(r"\d+(\.\d)?%", figures["reply_rate"]) and re.match(r"\d+(\.\d)? ", figures["mean_response_s"])
    report = hr.locator(".desk-result").inner_text()
    assert "没人理，我走了。" in report and "178 厘米建议选 L 码" in report  # the transcript
    assert "秒后回复" in report and "未回复" in report  # response times, and what was never answered
    assert hr.locator('[data-outcome="left"]').count() == 1 and hr.locator('[data-outcome="ordered"]').count() == 2
    assert hr.locator("svg.desk-timeline").count() == 1
    shot(hr, "desk-3-hr-report")
    context.close()

    with make_engine(live_server.env["EXAM_DATABASE_URL"]).connect() as conn:
        kinds = [k for (k,) in conn.exec_driver_sql(f"SELECT kind FROM integrityevent WHERE attempt_id = {attempt_id}")]
        response = json.loads(
            conn.exec_driver_sql(f"SELECT response FROM answer WHERE attempt_id = {attempt_id}").scalar_one()
        )
    assert "paste" in kinds and response["pastes"] and response["sent"] == 4

"""A real browser takes the exam: invitation link, data notice, typing through a pinyin IME, choice
questions with the keyboard, replies, a reload in the middle, paste blocked, and a second candidate whose
exam (extra-time factor 0.01 set by HR) is submitted automatically at the deadline."""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"try the exam: (http://\S+/i/[A-Za-z0-9_-]+)")


def _db(live_server) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    return sqlite3.connect(live_server.env["EXAM_DATABASE_URL"].removeprefix("sqlite:///"))


def _ime_type(page, cdp, text: str, chunk: int = 3, pause: float = 0.45) -> None:  # type: ignore[no-untyped-def]
    """Type Chinese as a pinyin user does: compose, then commit a few characters at a time."""
    for start in range(0, len(text), chunk):
        part = text[start : start + chunk]
        pinyin = "ni" * len(part)
        cdp.send(
            "Input.imeSetComposition", {"text": pinyin, "selectionStart": len(pinyin), "selectionEnd": len(pinyin)}
        )
        time.sleep(0.1)
        cdp.send("Input.insertText", {"text": part})
        time.sleep(pause)


def _wait_saved(page) -> None:  # type: ignore[no-untyped-def]
    time.sleep(0.2)
    page.locator("#save-status.ok").wait_for(timeout=10_000)


def _poll(page, expression: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until a page expression is true (wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def test_a_candidate_takes_the_whole_exam(live_server, page) -> None:
    match = LINK_RE.search(live_server.demo_output)
    assert match, live_server.demo_output
    link = match.group(1).replace("http://127.0.0.1:8000", live_server.base_url)
    link = re.sub(r"^http://127\.0\.0\.1:\d+", live_server.base_url, link)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # the link, the contents and the data notice
    page.goto(link)
    assert "考试内容" in page.content() and "数据使用说明" in page.content()
    shot(page, "exam-1-notice")
    page.click("text=开始考试")
    assert "/candidate/invitations/" in page.url, "the notice must be accepted first"
    page.check("#accept")
    page.click("text=开始考试")
    page.wait_for_url("**/candidate/attempts/*")
    attempt_url = page.url
    assert page.locator(".step.current").inner_text().endswith("打字测试")

    # typing through the IME: only committed text counts
    passage = page.locator(".passage").first.inner_text().replace("\n", "")
    field = page.locator("textarea.typing-input").first
    field.focus()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "qin", "selectionStart": 3, "selectionEnd": 3})
    time.sleep(0.3)
    assert page.locator("[data-typed]").first.inner_text() == "0", "keystrokes during composition are not characters"
    page.locator("[data-typing-start]").first.wait_for(state="hidden")  # the first keystroke starts the clock
    cdp.send("Input.insertText", {"text": passage[0]})
    _ime_type(page, cdp, passage[1:16])
    typed = field.input_value()
    assert typed == passage[:16] and not re.search(r"[a-z]", typed)
    _poll(page, "() => Number(document.querySelector('[data-speed]').textContent) > 0")
    _wait_saved(page)
    shot(page, "exam-2-typing")

    # paste is blocked and recorded
    page.evaluate("""() => {
        const dt = new DataTransfer(); dt.setData('text/plain', '粘贴进来的文字');
        document.querySelector('textarea.typing-input').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
    }""")
    assert field.input_value() == typed
    assert "不允许粘贴" in page.locator("#notice").inner_text()

    # a reload in the middle keeps everything, and the typing clock keeps running on the server
    page.reload()
    field = page.locator("textarea.typing-input").first
    assert field.input_value() == typed
    assert page.locator("[data-typing-start]").first.is_hidden()
    field.focus()
    field.press("End")
    _ime_type(page, cdp, passage[16:22])
    _wait_saved(page)
    page.click("#submit-button")
    page.click("#confirm-ok")
    page.locator(".step.current", has_text="服务知识").wait_for()

    # choice questions: keyboard only for the first, a flag, the navigator follows
    first = page.locator("article.item").first
    first.locator("input").first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # radios: the arrow key moves the choice
    _wait_saved(page)
    items = page.locator("article.item")
    count = items.count()
    assert count >= 20
    for index in range(1, 6):
        items.nth(index).locator("label.option").first.click()
    items.nth(2).locator("[data-flag]").press("Enter")
    _wait_saved(page)
    nav = page.locator(".nav-item")
    assert "answered" in nav.nth(0).get_attribute("class")
    assert "flagged" in nav.nth(2).get_attribute("class")
    assert "answered" not in (nav.nth(8).get_attribute("class") or "")
    nav.nth(8).click()
    assert page.evaluate("document.activeElement.id") == items.nth(8).get_attribute("id")
    shot(page, "exam-3-knowledge")
    checked_before = page.locator("article.item input:checked").count()
    page.reload()
    assert page.locator("article.item input:checked").count() == checked_before == 6
    assert page.locator("[data-flag][aria-pressed=true]").count() == 1
    page.click("#submit-button")
    assert f"未作答：{count - 6}" in page.locator("#confirm-text").inner_text()
    shot(page, "exam-4-confirm")
    page.click("#confirm-ok")
    page.locator(".step.current", has_text="客户回复").wait_for()

    # replies: a chat view, a counter, autosave
    reply = page.locator("textarea.reply-input").first
    reply.focus()
    _ime_type(page, cdp, "亲，您好！非常理解您的心情，", chunk=4, pause=0.2)
    page.keyboard.type("我这边马上帮您处理，请您放心。")
    assert page.locator("[data-count]").first.inner_text() == str(len(reply.input_value()))
    _wait_saved(page)
    shot(page, "exam-5-reply")
    # a lost connection: keep typing, the page says so and saves when the network is back
    page.context.set_offline(True)
    second = page.locator("textarea.reply-input").nth(1)
    second.focus()
    page.keyboard.type("您好，请问您方便提供一下订单号吗？")
    page.locator("#save-status.bad").wait_for()
    assert "网络连接中断" in page.locator("#save-status").inner_text()
    shot(page, "exam-5b-offline")
    page.context.set_offline(False)
    _wait_saved(page)
    # a closed tab right after typing (before the debounce): the pagehide beacon / local copy keeps it
    third = page.locator("textarea.reply-input").nth(2)
    third.focus()
    page.keyboard.type("感谢您的耐心等待")
    context = page.context
    page.close()
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(attempt_url)
    assert page.locator("textarea.reply-input").nth(2).input_value() == "感谢您的耐心等待"
    _wait_saved(page)
    page.reload()
    assert page.locator("textarea.reply-input").first.input_value().startswith("亲，您好！非常理解您的心情，我这边")
    assert page.locator("textarea.reply-input").nth(1).input_value() == "您好，请问您方便提供一下订单号吗？"
    assert page.locator("textarea.reply-input").nth(2).input_value() == "感谢您的耐心等待"
    page.click("#submit-button")
    page.click("#confirm-ok")
    # the reception desk (tests/e2e/test_desk_e2e.py serves it): leave it at once
    page.locator(".step.current", has_text="模拟接待台").wait_for()
    page.locator(".desk-chat-button").first.wait_for()
    page.click("#submit-button")
    page.click("#confirm-ok")
    page.wait_for_url("**/done")
    assert "您的试卷已提交" in page.content()
    shot(page, "exam-6-done")
    page.goto(attempt_url)
    assert page.url.endswith("/done"), "submitting twice is not possible"
    assert not errors, errors

    with _db(live_server) as db:
        status, results = db.execute(
            "SELECT status, results FROM attempt WHERE id = ?", (int(attempt_url.rsplit("/", 1)[1]),)
        ).fetchone()
        kinds = [
            k
            for (k,) in db.execute(
                "SELECT kind FROM integrityevent WHERE attempt_id = ?", (int(attempt_url.rsplit("/", 1)[1]),)
            )
        ]
    assert status == "graded" and '"typing.net_cpm"' in results
    assert "paste" in kinds


def test_hr_invites_with_extra_time_and_the_exam_submits_itself_at_the_deadline(live_server, page, pages) -> None:
    sign_in(page, live_server.base_url, "hr", "Hr-demo-2026!")
    page.click(".table a[href^='/hr/openings/']")
    page.wait_for_load_state("networkidle")
    page.fill("#inv-name", "时间测试")
    page.fill("#inv-phone", "13912345678")
    page.fill("#inv-factor", "0.01")
    page.click("form.invite-form button[type=submit]")
    page.wait_for_selector(".new-links .link-field")
    link = page.locator(".new-links .link-field").first.input_value()
    shot(page, "hr-opening-invite")

    candidate = pages.new()
    context = candidate.context
    candidate.goto(link)
    candidate.check("#accept")
    candidate.click("text=开始考试")
    candidate.wait_for_url("**/candidate/attempts/*")
    attempt_id = int(candidate.url.rsplit("/", 1)[1])
    field = candidate.locator("textarea.typing-input").first
    field.focus()
    candidate.keyboard.type("abc")
    # 360 s x 0.01: the typing section ends by itself and the next one starts
    candidate.locator(".step.current", has_text="服务知识").wait_for(timeout=20_000)
    candidate.locator("article.item").first.locator("label.option").first.click()
    candidate.locator(".step.current", has_text="客户回复").wait_for(timeout=30_000)
    candidate.locator("textarea.reply-input").first.focus()
    candidate.keyboard.type("您好")
    candidate.wait_for_url("**/done", timeout=30_000)
    assert "您的试卷已提交" in candidate.content()
    # late answers are refused by the server
    status = candidate.evaluate(f"""async () => (await fetch('/candidate/attempts/{attempt_id}/items/0', {{
        method: 'POST', headers: {{'Content-Type': 'application/json', 'X-CSRF-Token': window.examCsrfToken()}},
        body: JSON.stringify({{version: 5, answer: {{text: 'late'}}}})}})).status""")
    assert status == 409
    # another candidate's attempt does not exist for this candidate
    response = candidate.goto(f"{live_server.base_url}/candidate/attempts/1")
    assert response is not None and response.status == 404
    context.close()

    with _db(live_server) as db:
        row = db.execute("SELECT status, submitted_at, deadline_at FROM attempt WHERE id = ?", (attempt_id,)).fetchone()
        answers = dict(
            db.execute("SELECT position, response FROM answer WHERE attempt_id = ?", (attempt_id,)).fetchall()
        )
    assert row[0] == "graded"
    texts = {pos: json.loads(r).get("text") for pos, r in answers.items()}
    assert texts[0] == "abc", "what was typed before the deadline was kept"
    assert "您好" in texts.values()
    page.reload()
    assert "已评分" in page.content()
    shot(page, "hr-opening-status")

"""The candidate's journey in a real browser, on a laptop (1366×768) and on a phone (390×844): the notice,
typing through IME composition, a refused and recorded paste, choices with flags and the navigator, replies,
a reload and a lost connection with every answer kept, the end page; a keyboard-only pass; and on the phone
a short section that the clock submits. Elements are found by id, role or data attribute, not by wording."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, poll, shot, tab_to

pytestmark = pytest.mark.e2e


def _section(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("#exam").get_attribute("data-section") or ""


def _wait_section(page, section: str, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    poll(
        page,
        f"() => document.querySelector('#exam') && document.querySelector('#exam').dataset.section === {section!r}",
        timeout,
    )


def _saved(page) -> None:  # type: ignore[no-untyped-def]
    poll(page, "() => { const s = document.querySelector('#save-status'); return s && s.classList.contains('ok'); }")


def _compose(cdp, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type Chinese as a pinyin user: a composition, then the committed characters."""
    for ch in text:
        cdp.send("Input.imeSetComposition", {"text": "pin", "selectionStart": 3, "selectionEnd": 3})
        cdp.send("Input.insertText", {"text": ch})


def _submit_section(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("#submit-button").click()
    page.locator("#confirm-ok").click()


# The laptop journey (1366×768) is tests/e2e/test_exam_e2e.py::test_a_candidate_takes_the_whole_exam.
@pytest.mark.parametrize("viewport", [PHONE], ids=["390x844"])
def test_candidate_journey(live_server, pages, viewport) -> None:  # type: ignore[no-untyped-def]
    size = f"{viewport['width']}x{viewport['height']}"
    link = live_server.invite(f"旅程{size}", "1390000" + str(viewport["width"]).zfill(4), 1.0)
    page = pages.new(viewport, has_touch=viewport is PHONE, is_mobile=viewport is PHONE)
    page.goto(link)
    assert page.locator("#notice").is_visible() and page.locator("#accept").is_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "no sideways scrolling"
    shot(page, f"journey-{size}-1-notice")
    page.locator("form[action$='/start'] button[type=submit]").click()
    assert "/candidate/invitations/" in page.url, "the notice must be accepted first"
    page.locator("#accept").check()
    page.locator("form[action$='/start'] button[type=submit]").click()
    page.wait_for_url("**/candidate/attempts/*")
    attempt_id = int(page.url.rsplit("/", 1)[1])
    assert _section(page) == "typing"

    # typing through IME composition: only committed characters count
    passage = page.locator(".passage").first.inner_text().replace("\n", "")
    field = page.locator("textarea[data-field]").first
    field.focus()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.imeSetComposition", {"text": "qin", "selectionStart": 3, "selectionEnd": 3})
    assert page.locator("[data-typed]").first.inner_text() == "0"
    cdp.send("Input.insertText", {"text": passage[0]})
    _compose(cdp, passage[1:8])
    assert field.input_value() == passage[:8]
    _saved(page)
    # a paste is refused, and recorded
    page.evaluate("""() => { const dt = new DataTransfer(); dt.setData('text/plain', '粘贴的文字');
        document.querySelector('textarea[data-field]').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})); }""")
    assert field.input_value() == passage[:8]
    assert page.locator("#notice").is_visible()
    shot(page, f"journey-{size}-2-typing")
    _submit_section(page)
    _wait_section(page, "knowledge")

    # choices, a flag, the navigator
    items = page.locator("article.item")
    for index in range(4):
        items.nth(index).locator("label.option").first.click()
    items.nth(1).locator("[data-flag]").click()
    _saved(page)
    nav = page.locator(".nav-item")
    assert "answered" in (nav.nth(0).get_attribute("class") or "")
    assert "flagged" in (nav.nth(1).get_attribute("class") or "")
    nav.nth(6).click()
    poll(page, f"() => document.activeElement && document.activeElement.id === {items.nth(6).get_attribute('id')!r}")
    # a reload keeps every choice and the flag
    page.reload()
    assert page.locator("article.item input:checked").count() == 4
    assert page.locator("[data-flag][aria-pressed=true]").count() == 1
    shot(page, f"journey-{size}-3-choices")
    _submit_section(page)
    _wait_section(page, "communication")

    # replies: typed, then the connection drops while typing, then comes back
    replies = page.locator("textarea.reply-input")
    replies.nth(0).focus()
    _compose(cdp, "亲，您好！")
    page.keyboard.type("我马上为您查询订单。")
    _saved(page)
    page.context.set_offline(True)
    replies.nth(1).focus()
    page.keyboard.type("请您稍等，我这边核实一下。")
    page.locator("#save-status.bad").wait_for()
    page.context.set_offline(False)
    _saved(page)
    page.reload()
    assert page.locator("textarea.reply-input").nth(0).input_value() == "亲，您好！我马上为您查询订单。"
    assert page.locator("textarea.reply-input").nth(1).input_value() == "请您稍等，我这边核实一下。"
    shot(page, f"journey-{size}-4-replies")
    _submit_section(page)
    _wait_section(page, "simulation")

    # the reception desk on a phone: the first customer writes, the candidate answers
    chat = page.locator(".desk-chat-button").first
    chat.wait_for(timeout=20_000)
    chat.click()
    page.locator("[data-input]").focus()
    page.locator("[data-input]").press_sequentially("您好，有货的，请问您多高？")
    page.keyboard.press("Enter")
    poll(page, "() => document.querySelector('[data-messages]').innerText.includes('请问您多高')", 15)
    box = page.locator("[data-messages]").bounding_box()
    assert box and box["width"] > viewport["width"] * 0.7, "the chat takes the phone's width"
    shot(page, f"journey-{size}-5-desk")
    _submit_section(page)
    page.wait_for_url("**/done")
    assert page.locator("main h1").count() >= 1
    shot(page, f"journey-{size}-6-done")

    rows = live_server.query("SELECT position, response FROM answer WHERE attempt_id = ? ORDER BY position", attempt_id)
    texts = [json.loads(r).get("text") for _p, r in rows]
    assert passage[:8] in texts and "请您稍等，我这边核实一下。" in texts
    kinds = {k for (k,) in live_server.query("SELECT kind FROM integrityevent WHERE attempt_id = ?", attempt_id)}
    assert "paste" in kinds
    status = live_server.query("SELECT status FROM attempt WHERE id = ?", attempt_id)[0][0]
    assert status in ("submitted", "graded")


def test_keyboard_only_candidate_exam(live_server, pages) -> None:  # type: ignore[no-untyped-def]
    page = pages.new(DESKTOP)
    page.goto(live_server.invite("键盘考生", "13900001111"))
    tab_to(page, "#accept")
    page.keyboard.press("Space")
    assert page.locator("#accept").is_checked()
    tab_to(page, "form[action$='/start'] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/candidate/attempts/*")
    page.wait_for_load_state("networkidle")
    tab_to(page, "textarea[data-field]")
    page.keyboard.type("abc")
    _saved(page)
    tab_to(page, "#submit-button")
    page.keyboard.press("Enter")
    poll(page, "() => document.activeElement && document.activeElement.closest('#confirm-dialog') !== null")
    tab_to(page, "#confirm-ok", limit=5) if page.evaluate("() => document.activeElement.id") != "confirm-ok" else None
    page.keyboard.press("Enter")
    _wait_section(page, "knowledge")
    page.wait_for_load_state("networkidle")
    # a choice with Space and the arrow keys, a flag with Enter
    tab_to(page, "article.item input")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    tab_to(page, "[data-flag]")
    page.keyboard.press("Enter")
    _saved(page)
    assert page.locator("[data-flag][aria-pressed=true]").count() == 1
    assert page.locator("article.item input:checked").count() >= 1
    tab_to(page, "#submit-button", limit=200)
    page.keyboard.press("Enter")
    poll(page, "() => document.activeElement && document.activeElement.closest('#confirm-dialog') !== null")
    page.keyboard.press("Escape")  # changed my mind: the dialog closes, the section stays open
    poll(page, "() => !document.querySelector('#confirm-dialog').open")
    assert _section(page) == "knowledge"
    shot(page, "keyboard-knowledge")


def test_a_short_section_is_submitted_by_the_clock_on_a_phone(live_server, pages) -> None:  # type: ignore[no-untyped-def]
    page = pages.new(PHONE, has_touch=True, is_mobile=True)
    page.goto(live_server.invite("时钟考生", "13900002222", 0.01))
    page.locator("#accept").check()
    page.locator("form[action$='/start'] button[type=submit]").click()
    page.wait_for_url("**/candidate/attempts/*")
    page.locator("textarea[data-field]").first.focus()
    page.keyboard.type("abc")
    _wait_section(page, "knowledge", timeout=20)  # 300 s × 0.01: the clock closed the typing section
    page.wait_for_url("**/done", timeout=40_000)
    shot(page, "phone-clock-done")

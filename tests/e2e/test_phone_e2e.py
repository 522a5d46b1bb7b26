"""The exam on a phone (390×844): a slim bar, the passage in view above the focused typing box, a keyboard
notice, the question list within reach. Checked by element geometry, not by comparing pixels."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.e2e

LINK_RE = re.compile(r"try the exam: (http://\S+/i/[A-Za-z0-9_-]+)")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, user_agent=IPHONE
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _visible_height(page, selector: str, below: float) -> float:  # type: ignore[no-untyped-def]
    """How many pixels of an element are in the viewport and below ``below`` (the sticky bar's bottom)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    viewport = page.viewport_size
    top, bottom = max(box["y"], below), min(box["y"] + box["height"], viewport["height"])
    return max(0.0, bottom - top)


def test_the_typing_section_on_a_phone(live_server, phone) -> None:  # type: ignore[no-untyped-def]
    page = phone
    match = LINK_RE.search(live_server.demo_output)
    assert match, live_server.demo_output
    link = re.sub(r"^http://127\.0\.0\.1:\d+", live_server.base_url, match.group(1))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(link)
    assert page.locator("#keyboard-notice").is_visible(), "a phone user is told the typing test needs a keyboard"
    page.check("#accept")
    page.click("button.primary.big")
    page.wait_for_url("**/candidate/attempts/*")
    bar = page.locator(".exam-bar").bounding_box()
    assert bar is not None and bar["height"] <= 64, f"the exam bar takes {bar} on a phone"
    assert page.locator("#keyboard-notice").is_visible()

    field = page.locator("textarea.typing-input").first
    field.focus()
    field.evaluate("el => el.scrollIntoView({block: 'center'})")  # what a phone does when the keyboard opens
    page.keyboard.type("亲您好")
    page.wait_for_timeout(600)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-typing-focused.png"))

    assert page.evaluate("document.activeElement && document.activeElement.classList.contains('typing-input')")
    bar = page.locator(".exam-bar").bounding_box()
    bar_bottom = bar["y"] + bar["height"]
    passage = _visible_height(page, ".typing .passage", bar_bottom)
    assert passage >= 60, f"only {passage}px of the passage are visible with the typing box focused"
    box = _visible_height(page, "textarea.typing-input", bar_bottom)
    assert box >= 60, f"only {box}px of the typing box are visible"
    # one clock: the bar shows the typing time, the start hint is gone
    assert page.locator("#clock-label").inner_text() == "打字剩余时间"
    assert not page.locator("[data-typing-hint]").first.is_visible()

    # the question list is reachable without scrolling back to the top (when no text box has the focus)
    page.evaluate("document.activeElement.blur()")
    page.mouse.wheel(0, 600)
    nav = page.locator("#navigator")
    if nav.count():
        box = nav.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844 + 1 and box["y"] >= 844 - 120, box
    assert not errors, errors

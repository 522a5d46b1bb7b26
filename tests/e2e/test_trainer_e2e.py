"""A trainer in a real browser: list and filter the bank, create a question with the live preview,
fix an inline error, edit it (a new version), read the diff, retire it; try a reply; profiles."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

QID = "choice.presale_flow.e2e.001"
QUESTION = f"""id: {QID}
type: single_choice
topics: [presale_flow]
difficulty: 2
source: {{seed: 004_71c5b7a6f1ecf885.txt, section: 售前客服的基本工作职责}}
stem: 客户询问商品尺码时，售前客服首先应该怎么做？
options:
  - {{id: a, text: 询问客户的身高体重并参考尺码表推荐, correct: true}}
  - {{id: b, text: 让客户自己看详情页}}
  - {{id: c, text: 推荐最贵的尺码}}
  - {{id: d, text: 不回复}}
explanation: 售前客服要主动了解需求，给出准确的尺码建议。
"""


def _editor_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("#yaml-text").input_value()


def test_trainer_creates_previews_edits_and_retires(live_server, page) -> None:
    base = live_server.base_url
    sign_in(page, base, "trainer", "Trainer-demo-2026")
    assert page.url.rstrip("/").endswith("/trainer")
    assert page.locator("h1").first.inner_text() == "题库"
    rows = page.locator(".question-table tbody tr")
    assert rows.count() > 10
    shot(page, "trainer-home")

    # filter by type (htmx swaps the table, the URL follows)
    page.select_option("#f-type", "reply")
    page.wait_for_url(re.compile(r".*type=reply.*"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.question-table tbody tr td:nth-child(2)')]"
        ".every(td => td.innerText.startsWith('客户回复'))"
    )
    page.select_option("#f-type", "")
    page.fill("#f-q", "zzzz-no-such-question")
    page.wait_for_selector("text=没有符合条件的题目。")
    page.fill("#f-q", "")

    # a new question: the template, then our text; the preview shows the candidate's view
    page.click("text=新建题目")
    page.wait_for_selector("#preview .candidate-frame")
    page.fill("#yaml-text", QUESTION)
    page.wait_for_selector("#preview >> text=客户询问商品尺码时，售前客服首先应该怎么做？")
    assert page.locator("#preview input[type=radio]").count() == 4
    assert "correct" not in page.locator("#preview .candidate-frame").inner_html()
    shot(page, "trainer-editor-preview")

    # an error is shown inline with its line; clicking it selects that line in the editor
    page.fill("#yaml-text", QUESTION.replace("difficulty: 2", "difficulty: 9"))
    page.wait_for_selector("#preview .problems")
    assert "第 4 行" in page.locator("#preview .problems").inner_text()
    page.click("#preview .line-link")
    selected = page.evaluate(
        "() => { const t = document.getElementById('yaml-text');"
        " return t.value.slice(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "difficulty: 9"
    shot(page, "trainer-editor-errors")
    page.fill("#yaml-text", QUESTION)
    page.wait_for_selector("#preview .candidate-frame")
    page.click("button:has-text('创建题目')")
    page.wait_for_url(f"**/trainer/questions/{QID}?notice=created")
    assert "题目已创建" in page.locator("[role=status]").first.inner_text()
    assert "v1" in page.locator(".meta").inner_text()
    shot(page, "trainer-question")

    # edit: a new version appears
    page.click("a:has-text('编辑')")
    page.wait_for_selector("#preview .candidate-frame")
    page.fill("#yaml-text", _editor_text(page).replace("让客户自己看详情页", "请客户自己查看详情页的尺码表"))
    page.wait_for_selector("#preview >> text=请客户自己查看详情页的尺码表")
    page.fill("#note", "改写选项 B")
    page.click("button:has-text('保存为新版本')")
    page.wait_for_url("**notice=updated")
    assert "v2" in page.locator(".meta").inner_text()

    # history: both versions, who saved them, and the diff of the change
    page.click("a:has-text('历史版本')")
    page.wait_for_selector(".versions-table")
    assert page.locator(".versions-table tbody tr").count() == 2
    assert "李培训" in page.locator(".versions-table").inner_text()
    assert "改写选项 B" in page.locator(".versions-table").inner_text()
    assert "请客户自己查看详情页的尺码表" in page.locator(".diff .d-add").first.inner_text()
    assert "让客户自己看详情页" in page.locator(".diff .d-del").first.inner_text()
    shot(page, "trainer-history")

    # retire: hidden from the active list, history kept
    page.goto(f"{base}/trainer/questions/{QID}")
    page.click("button:has-text('停用')")
    page.wait_for_url("**notice=retired")
    assert page.locator(".meta .badge.off").inner_text() == "已停用"
    shot(page, "trainer-retired")
    page.goto(f"{base}/trainer?q={QID}")
    assert page.locator(f"a:has-text('{QID}')").count() == 0
    page.goto(f"{base}/trainer?q={QID}&status=retired")
    assert page.locator(f"a:has-text('{QID}')").count() == 1
    page.goto(f"{base}/trainer/questions/{QID}/history")
    assert page.locator(".versions-table tbody tr").count() == 3


def test_trainer_tries_a_reply_and_edits_a_profile(live_server, page) -> None:
    base = live_server.base_url
    sign_in(page, base, "trainer", "Trainer-demo-2026")
    page.goto(f"{base}/trainer?type=reply")
    page.locator(".question-table tbody tr td.qid a").first.click()
    page.wait_for_selector("#try-text")
    page.fill(
        "#try-text",
        "亲，非常理解您的心情，给您带来不便非常抱歉！我马上为您核实并处理，请您放心，有任何问题随时联系我哦。",
    )
    page.click("button:has-text('给这条回复评分')")
    page.wait_for_selector("#try-result .kpi")
    assert page.locator("#try-result .criteria-table tbody tr").count() >= 2
    shot(page, "trainer-try-reply")

    page.click("nav a:has-text('岗位模型')")
    page.wait_for_selector("table")
    page.locator("tbody tr td a").first.click()
    page.wait_for_selector("#preview .alert-ok")
    shot(page, "trainer-profile")
    text = page.locator("#yaml-text").input_value()
    page.fill("#yaml-text", re.sub(r"count: \d+", "count: 999", text, count=1))
    page.wait_for_selector("#preview .problems")
    assert "999" in page.locator("#preview .problems").inner_text()

    page.click("nav a:has-text('评分细则校准')")
    page.wait_for_selector("h1:has-text('评分细则校准')")
    page.click("nav a:has-text('上传与下载')")
    page.wait_for_selector("input[type=file]")
    shot(page, "trainer-upload")

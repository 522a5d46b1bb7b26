"""Does the exam work? In a real browser on the demo data: a trainer sees flagged questions with reasons, opens
a question's option analysis, scores ten real replies blind, sees the agreement change, dry-runs a rubric
edit and applies it with a regrade; HR sees whose rank moved, enters a hire's outcomes and reads the validity."""

from __future__ import annotations

import re

import pytest

from exam.services.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

ACCOUNTS = {u: (u, p) for _role, u, p, _n in DEMO_ACCOUNTS}  # by username: the demo has two HR accounts


def _n_scored(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.locator("#agreement-figures dd").first.inner_text())


def test_trainer_and_hr_check_the_exam(live_server, page) -> None:  # type: ignore[no-untyped-def]
    base = live_server.base_url
    sign_in(page, base, *ACCOUNTS["trainer"])

    # flagged questions with their reasons, and one question's option analysis
    page.goto(f"{base}/trainer/stats")
    rows = page.locator("#flagged-table tbody tr")
    assert rows.count() >= 3
    assert (
        "低于 0.20" in page.locator("#flagged-table").inner_text()
        or "高于 0.90" in page.locator("#flagged-table").inner_text()
    )
    shot(page, "stats-overview")
    choice_link = page.locator("#flagged-table a[href*='/stats'][href*='choice.']").first
    choice_link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.chart").count() >= 1 and page.locator("table[id^=options-v]").count() >= 1
    assert "选项分析" in page.content()
    shot(page, "stats-question")

    # the rubric with blind scores from the demo: score more replies blind
    page.goto(f"{base}/trainer/rubrics")
    scored_row = next(
        r
        for r in page.locator("#rubric-table tbody tr").all()
        if int(r.locator("td").nth(2).inner_text().split()[0]) > 0
    )
    question = scored_row.locator("td.qid a").inner_text().strip()
    page.goto(f"{base}/trainer/rubrics/{question}")
    before = _n_scored(page)
    qwk_before = page.locator("#agreement-figures dd").nth(1).inner_text()
    page.goto(f"{base}/trainer/rubrics/{question}/blind")
    assert "/ 100" not in page.locator("#blind-card").inner_text()
    scored = 0
    for i in range(10):  # up to ten more: the demo's sample of this question may hold fewer unscored replies
        if page.locator(".progress-line").count() == 0:
            break
        scored += 1
        number = page.locator(".progress-line").inner_text()
        page.locator("#blind-form button[name=score]").nth(3 + i % 6).click()
        page.wait_for_function(
            "n => !document.querySelector('.progress-line') || "
            "document.querySelector('.progress-line').innerText !== n",
            arg=number,
        )
    shot(page, "stats-blind")
    page.goto(f"{base}/trainer/rubrics/{question}")
    after = _n_scored(page)
    assert scored >= 5 and after == before + scored
    assert page.locator("#agreement-figures dd").nth(1).inner_text() != qwk_before or after != before

    # dry run of an edit: harder caps on replies without substance, then apply it with a regrade
    editor = page.locator("#rubric-yaml")
    text = editor.input_value()
    editor.fill(text.replace("rubric:\n", "rubric:\n  caps: {no_substance: 10, thin_answer: 25, too_short: 10}\n", 1))
    page.click("#edit-form button:has-text('试运行')")
    page.wait_for_selector("#dry-run-table")
    assert "修改后的评分细则" in page.locator("#dry-run-table").inner_text()
    shot(page, "stats-dry-run")
    page.check("#apply-confirm")
    page.fill("#apply-note", "薄弱回答封顶 10 分")
    page.click("button:has-text('保存并重新评分')")
    # the request only queues the regrade; the server's background job runs it and the page polls its progress
    page.wait_for_selector("#regrade-status")
    page.wait_for_selector("#regrade-table", timeout=30_000)
    assert page.locator("#regrade-status").get_attribute("data-status") == "done"
    assert "过去的回复已重新评分" in page.locator("h1").inner_text()
    changed = page.locator("#regrade-table tbody tr th")
    assert changed.count() >= 1 and "2025 秋季招聘" in page.locator("#regrade-table").inner_text()
    shot(page, "stats-regrade")

    # HR: the regrade on the ranking, a hire's outcomes, the validity figures
    page.context.clear_cookies()
    sign_in(page, base, *ACCOUNTS["hr"])
    page.goto(f"{base}/hr")
    page.click("a:has-text('2025 秋季招聘')")
    page.wait_for_load_state("networkidle")
    opening_url = page.url
    page.goto(opening_url + "/ranking")
    assert page.locator(".sem-band").count() >= 20 and page.locator("#sem-note").is_visible()
    assert "评分细则已修改" in page.locator(".rank-changes").first.inner_text()
    page.goto(opening_url + "/outcomes")
    hires_before = page.locator("#validity-table tbody tr").first.locator("td").first.inner_text()
    empty = next(
        r
        for r in page.locator("#outcomes-table tbody tr").all()
        if r.locator("input[name=conversion_rate]").input_value() == ""
    )
    row_id = empty.get_attribute("id")
    empty.locator("select[name=probation_passed]").select_option("是")
    for name, value in (("conversion_rate", "24.5"), ("response_time", "28"), ("reply_rate", "98"),
                        ("bad_review_rate", "0.8"), ("satisfaction", "97")):  # fmt: skip
        empty.locator(f"input[name={name}]").fill(value)
    empty.locator("button:has-text('保存')").click()
    page.wait_for_selector(f"#{row_id} [role=status]")
    page.reload()
    hires_after = page.locator("#validity-table tbody tr").first.locator("td").first.inner_text()
    assert int(hires_after) == int(hires_before) + 1
    assert re.search(r"-?0\.\d\d", page.locator("#validity-table").inner_text())
    assert page.locator("#weights-table").is_visible()
    shot(page, "stats-validity")

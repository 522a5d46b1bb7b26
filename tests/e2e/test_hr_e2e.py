"""HR in a real browser on the demo data: sort and filter the ranking, read a report whose numbers add up,
override a reply criterion (rank changes, audit entry shown), compare candidates, download CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from exam.services.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import export_download, shot, sign_in

pytestmark = pytest.mark.e2e

HR_USER, HR_PASSWORD = next((u, p) for role, u, p, _n in DEMO_ACCOUNTS if role == "hr")
BANDS = {"强烈推荐", "推荐", "待定", "不推荐"}


def _float(text: str) -> float:
    return float(re.search(r"-?\d+(?:\.\d+)?", text).group(0))


def _scores(page) -> list[float]:  # type: ignore[no-untyped-def]
    return [_float(t) for t in page.locator("#ranking-table tbody td.score .score-num").all_inner_texts()]


def _open_ranking(page, base: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/hr")
    href = page.locator("a[href$='/ranking']").first.get_attribute("href")
    assert href
    page.goto(base + href)
    page.wait_for_load_state("networkidle")
    return base + href


def _rank_of(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator("#scorecard").inner_text()
    return int(re.search(r"排名\s*(\d+)\s*/", text).group(1))


def test_hr_reviews_the_demo_opening(live_server, page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = live_server.base_url
    sign_in(page, base, HR_USER, HR_PASSWORD)
    ranking_url = _open_ranking(page, base)
    rows = page.locator("#ranking-table tbody tr[data-attempt]")
    assert rows.count() >= 20
    assert page.locator("h1").inner_text().endswith("排名")
    assert page.locator("svg.chart title").first.text_content() == "录用分分布"
    shot(page, "hr-ranking")

    # sort by score (htmx swap, URL pushed), then the other way round
    page.click("#ranking-table thead a:has-text('录用分')")
    page.wait_for_url(re.compile(r"sort=score"))
    page.wait_for_load_state("networkidle")
    desc = _scores(page)
    assert desc == sorted(desc, reverse=True)
    page.click("#ranking-table thead a:has-text('录用分')")
    page.wait_for_url(re.compile(r"dir=asc"))
    page.wait_for_load_state("networkidle")
    asc = _scores(page)
    assert asc == sorted(asc) and asc[0] == desc[-1]

    # filter: only candidates who meet the hard requirements
    page.goto(ranking_url)
    total = rows.count()
    page.select_option("#f-req", "met")
    page.wait_for_url(re.compile(r"requirements=met"))
    page.wait_for_load_state("networkidle")
    met = page.locator("#ranking-table tbody tr[data-attempt]")
    assert 0 < met.count() < total
    assert all("满足" in t and "未满足" not in t for t in page.locator("#ranking-table tbody td.req").all_inner_texts())
    # the totals and the chart follow the filter (swapped out of band with the table)
    assert f"筛选后 {met.count()} 人，共" in page.locator("#summary-scope").inner_text()
    failed_bars = page.locator("#dist-table tbody tr td:nth-child(3)").all_text_contents()
    assert failed_bars and all(t.strip() == "0" for t in failed_bars)  # only candidates meeting every requirement
    assert (
        0 < sum(int(t) for t in page.locator("#dist-table tbody tr td:nth-child(4)").all_text_contents()) <= met.count()
    )
    page.fill("#f-min", "60")
    page.locator("#f-min").dispatch_event("change")
    page.wait_for_url(re.compile(r"score_min=60"))
    page.wait_for_load_state("networkidle")
    assert all(s >= 60 for s in _scores(page))
    shot(page, "hr-ranking-filtered")

    # the top candidate's report: the contributions add up to the hiring score shown
    page.goto(ranking_url)
    first = page.locator("#ranking-table tbody tr[data-attempt]").first
    name = first.locator("td.cand a").inner_text()
    first.locator("td.cand a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#candidate-name").inner_text() == name
    score = _float(page.locator("#hiring-score").inner_text())
    contributions = [_float(t) for t in page.locator("#explain-table td.contribution").all_inner_texts()]
    assert round(sum(contributions), 1) == score == _float(page.locator("#contribution-total").inner_text())
    assert page.locator(".explain-list li").count() == len(contributions)
    assert page.locator(".reply-text mark").count() > 0
    assert page.locator(".explanation").count() > 0
    assert _rank_of(page) == 1
    shot(page, "hr-report")
    page.emulate_media(media="print")
    shot(page, "hr-report-print")
    page.emulate_media(media="screen")

    # override reply criteria (highest points first) until the candidate loses the first place
    for attempt in range(12):
        rows_pts = page.locator(".rubric-table tbody tr:not(.overridden)")
        best, best_pts = None, 0.0
        for i in range(rows_pts.count()):
            pts = _float(rows_pts.nth(i).locator(".crit-points").inner_text())
            if pts > best_pts:
                best, best_pts = rows_pts.nth(i), pts
        assert best is not None, "no criterion left to override"
        before = _float(page.locator("#hiring-score").inner_text())
        best.locator("summary").click()
        best.locator("input[name=points]").fill("0")
        best.locator("textarea[name=comment]").fill(f"复核：回复未解决顾客问题（{attempt + 1}）")
        best.locator("button[type=submit].primary").click()
        page.wait_for_selector("#report .alert-ok")
        page.wait_for_load_state("networkidle")
        for _wait in range(100):  # the swapped report (an earlier notice may still be showing)
            if _float(page.locator("#hiring-score").inner_text()) < before:
                break
            page.wait_for_timeout(100)
        assert _float(page.locator("#hiring-score").inner_text()) < score
        if _rank_of(page) > 1:
            break
    new_score = _float(page.locator("#hiring-score").inner_text())
    assert _rank_of(page) > 1
    assert page.locator("#overridden-badge").is_visible()
    audit = page.locator("#audit-list").inner_text()
    assert "评分已人工调整" in audit and "复核：回复未解决顾客问题（1）" in audit and "王招聘" in audit
    contributions = [_float(t) for t in page.locator("#explain-table td.contribution").all_inner_texts()]
    assert round(sum(contributions), 1) == new_score
    shot(page, "hr-report-overridden")

    # the ranking follows: a new first place, and the candidate marked as overridden
    page.goto(ranking_url)
    page.wait_for_load_state("networkidle")
    assert page.locator("#ranking-table tbody tr[data-attempt] td.cand a").first.inner_text() != name
    row = page.locator("#ranking-table tbody tr[data-attempt]", has_text=name)
    assert "已人工调整" in row.inner_text()
    assert int(row.locator("td.rank").inner_text()) > 1

    # compare three candidates
    boxes = page.locator("#ranking-table tbody input[name=ids]")
    for i in range(3):
        boxes.nth(i).check()
    assert page.locator("#compare-button").is_enabled()
    page.click("#compare-button")
    page.wait_for_url(re.compile(r"/compare\?ids="))
    assert page.locator("#compare-table thead th[data-attempt]").count() == 3
    assert "对比应聘者" in page.locator("h1").inner_text()
    assert page.locator("#compare-table td.best").count() > 0
    shot(page, "hr-compare")

    # download CSV and XLSX and open them
    page.goto(ranking_url)
    csv_path = export_download(page, "csv", tmp_path / "ranking.csv")  # a background job: progress, then the file
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = table[0]
    for text in ("排名", "应聘者", "录用分", "推荐等级", "满足硬性要求", "百分位", "诚信信号"):
        assert text in header
    assert len(table) - 1 == total
    names = [r[header.index("应聘者")] for r in table[1:]]
    assert name in names and all(re.search(r"[\u4e00-\u9fff]", n) for n in names)
    assert {r[header.index("推荐等级")] for r in table[1:]} <= BANDS
    mine = next(r for r in table[1:] if r[header.index("应聘者")] == name)
    assert float(mine[header.index("录用分")]) == new_score
    assert mine[header.index("经人工调整")] == "是"

    xlsx_path = export_download(page, "xlsx", tmp_path / "ranking.xlsx")
    ws = load_workbook(xlsx_path).active
    xheader = [c.value for c in ws[1]]
    assert xheader == header
    xnames = [row[xheader.index("应聘者")].value for row in ws.iter_rows(min_row=2)]
    assert xnames == names
    assert {row[xheader.index("推荐等级")].value for row in ws.iter_rows(min_row=2)} <= BANDS

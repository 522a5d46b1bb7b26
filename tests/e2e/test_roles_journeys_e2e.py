"""HR, trainer and admin journeys in a real browser on the demo data, beyond the existing tests: HR creates an
opening, shares it with a colleague, invites from a CSV with a bad row, decides on a candidate, and the CSV
and XLSX exports agree cell by cell with each other and with the ranking on screen; a trainer's malformed
upload is read back as path:line; the admin creates a user and disables them while they are signed in
elsewhere."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from exam.services.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import DESKTOP, export_download, shot, sign_in

pytestmark = pytest.mark.e2e

PASSWORDS = {u: p for _role, u, p, _n in DEMO_ACCOUNTS}


def test_hr_creates_shares_invites_decides_and_exports(live_server, pages, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = live_server.base_url
    hr = pages.new(DESKTOP)
    sign_in(hr, base, "hr", PASSWORDS["hr"])
    # a new opening
    hr.fill("#title", "售后客服 · 端到端测试")
    hr.locator("form[action='/hr/openings'] button[type=submit]").click()
    hr.wait_for_url(re.compile(r"/hr/openings/\d+$"))
    opening_url = hr.url
    opening_id = int(opening_url.rsplit("/", 1)[1])
    colleague = pages.new(DESKTOP)
    sign_in(colleague, base, "hr2", PASSWORDS["hr2"])
    assert colleague.goto(opening_url).status == 404, "not shared yet"
    # share it with the colleague: they see it now
    value = hr.locator("#share-user option", has_text="（hr2）").get_attribute("value")
    hr.select_option("#share-user", value)
    hr.locator("#share-form button[type=submit]").click()
    hr.locator("#share-list li").first.wait_for()
    assert "hr2" in hr.locator("#share-list").inner_text()
    shot(hr, "hr-journey-shared")
    colleague.goto(f"{base}/hr")
    assert colleague.locator(f"a[href='/hr/openings/{opening_id}']").count() == 1
    assert colleague.goto(opening_url).status == 200
    assert colleague.locator("#share-form").count() == 0, "only the owner shares"
    # invite from a CSV file with a bad row
    hr.goto(opening_url)
    rows = "姓名,手机,邮箱\n周一,13700000001,\n吴二,12345,\n郑三,,zheng@example.com\n"
    hr.locator("#csv-file").set_input_files(
        {"name": "候选人.csv", "mimeType": "text/csv", "buffer": rows.encode("utf-8")}
    )
    hr.locator("form[action$='/invitations/csv'] button[type=submit]").click()
    hr.locator(".csv-problems li").first.wait_for()
    problems = hr.locator(".csv-problems li").all_inner_texts()
    assert len(problems) == 1 and "3" in problems[0] and "12345" in problems[0]
    assert hr.locator(".new-links .link-field").count() == 2
    links = hr.locator(".new-links .link-field").evaluate_all("els => els.map(e => e.value)")
    assert all(link.startswith(base + "/i/") for link in links)
    shot(hr, "hr-journey-csv")

    # the demo opening: a decision on the top candidate, then both exports against the ranking
    hr.goto(f"{base}/hr")
    ranking = hr.locator("a[href$='/ranking']").last.get_attribute("href")
    hr.goto(base + ranking)
    hr.locator("#ranking-table tbody tr[data-attempt] td.cand a").first.click()
    hr.wait_for_url(re.compile(r"/hr/attempts/\d+"))
    hr.select_option("#decision-select", "shortlist")
    hr.fill("#decision-note", "面试邀约：沟通能力突出")
    hr.locator("#decision button[type=submit]").click()
    hr.locator("#report .alert-ok").wait_for()
    assert "面试邀约：沟通能力突出" in hr.locator("#audit-list").inner_text()
    hr.goto(base + ranking)
    shown = [
        [c.strip() for c in row]
        for row in hr.locator("#ranking-table tbody tr[data-attempt]").evaluate_all(
            "rows => rows.map(r => [r.querySelector('td.rank').innerText, r.querySelector('td.cand a').innerText,"
            " r.querySelector('td.score .score-num') ? r.querySelector('td.score .score-num').innerText : ''])"
        )
    ]
    csv_path = export_download(hr, "csv", tmp_path / "ranking.csv")
    table = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8-sig"))))
    xlsx_path = export_download(hr, "xlsx", tmp_path / "ranking.xlsx")
    sheet = [[c.value for c in row] for row in load_workbook(xlsx_path).active.iter_rows()]
    assert len(sheet) == len(table) > 1
    for r, (csv_row, xlsx_row) in enumerate(zip(table, sheet)):
        assert len(csv_row) == len(xlsx_row), r
        for c, (a, b) in enumerate(zip(csv_row, xlsx_row)):
            text = "" if b is None else (f"{b:g}" if isinstance(b, float) else str(b))
            assert a.lstrip("'") == text or (a and b is not None and _num(a) == _num(text)), (r, c, a, b)
    header = table[0]
    for row, on_screen in zip(table[1:], shown):
        rank, name, score = on_screen
        assert row[header.index("应聘者")] == name
        if score:
            assert _num(row[header.index("录用分")]) == _num(score)
    mine = next(row for row in table[1:] if row[header.index("应聘者")] == shown[0][1])
    assert any("入围" in cell or "shortlist" in cell for cell in mine), mine


def _num(text: str) -> float | None:
    match = re.search(r"-?\d+(?:\.\d+)?", text or "")
    return float(match.group(0)) if match else None


def test_trainer_reads_a_malformed_upload_back_as_path_and_line(live_server, pages) -> None:  # type: ignore[no-untyped-def]
    page = pages.new(DESKTOP)
    sign_in(page, live_server.base_url, "trainer", PASSWORDS["trainer"])
    page.goto(f"{live_server.base_url}/trainer/bank/upload")
    broken = "questions:\n  - id: choice.bad.001\n    type: single_choice\n    difficulty: 9\n    stem: [unclosed\n"
    page.locator("input[type=file]").set_input_files(
        {"name": "坏题库.yaml", "mimeType": "application/x-yaml", "buffer": broken.encode()}
    )
    page.locator("form[action='/trainer/bank/upload'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    assert re.search(r"坏题库\.yaml:\d+", text) or re.search(r"坏题库\.yaml.{0,20}第 ?\d+ ?行", text), text[:500]
    assert re.search(r"[\u4e00-\u9fff]", text)
    shot(page, "trainer-upload-malformed")


def test_admin_creates_a_user_and_disables_them_while_signed_in_elsewhere(live_server, pages) -> None:  # type: ignore[no-untyped-def]
    base = live_server.base_url
    admin = pages.new(DESKTOP)
    sign_in(admin, base, "admin", PASSWORDS["admin"])
    admin.fill("#nu-username", "hr-temp")
    admin.fill("#nu-display", "临时招聘")
    admin.select_option("#nu-role", "hr")
    admin.fill("#nu-password", "Temp-hr-pass-2026")
    admin.locator("form[action='/admin/users'] button[type=submit]").click()
    admin.wait_for_load_state("networkidle")
    row = admin.locator("tr", has_text="hr-temp")
    row.first.wait_for()
    other = pages.new(DESKTOP)
    sign_in(other, base, "hr-temp", "Temp-hr-pass-2026")
    assert other.url.rstrip("/").endswith("/hr")
    # the admin disables the account while it is signed in on another computer
    row.first.locator("form[action$='/active'] button").click()
    admin.locator("tr", has_text="hr-temp").locator(".badge.off").wait_for()
    response = other.goto(f"{base}/hr")
    assert response is not None and response.status == 401
    other.goto(f"{base}/login")
    other.fill("#username", "hr-temp")
    other.fill("#password", "Temp-hr-pass-2026")
    other.locator("button[type=submit].primary").click()
    other.locator("[role=alert]").wait_for()
    assert "/login" in other.url
    shot(admin, "admin-disabled-user")

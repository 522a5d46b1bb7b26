"""Spreadsheet exports: CSV for Excel (BOM, CRLF, formula-injection safe) and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from exam.hiring.export import BOM, FORMULA_PREFIXES, safe_cell, to_csv, to_xlsx

HEADERS = ["排名", "姓名", "录用分", "推荐等级"]
ROWS = [[1, "张伟", 88.5, "强烈推荐"], [2, "=1+1", 70.0, "推荐"], [None, "李娜", None, ""]]


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_formula_like_text_is_quoted(prefix: str) -> None:
    assert safe_cell(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["张伟", "a=b", "", "100%", "'quoted"])
def test_plain_text_is_kept(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-5, -0.5, 3, 2.5, None, True])
def test_numbers_are_not_quoted(value: object) -> None:
    assert safe_cell(value) is value


def test_csv_has_bom_crlf_and_chinese() -> None:
    data = to_csv(HEADERS, ROWS)
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert rows[1] == ["1", "张伟", "88.5", "强烈推荐"]
    assert rows[2][1] == "'=1+1"
    assert rows[2][2] == "70"
    assert rows[3] == ["", "李娜", "", ""]


def test_csv_quotes_separators_and_newlines() -> None:
    data = to_csv(["a"], [['x, "y"\nz']])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ['x, "y"\nz']


def test_csv_formats_datetimes_and_floats() -> None:
    data = to_csv(["t", "f", "b"], [[datetime(2026, 1, 2, 3, 4, 5), 1 / 3, False]]).decode("utf-8-sig")
    assert "2026-01-02 03:04:05" in data
    assert "0.3333" in data
    assert "FALSE" in data


def test_xlsx_round_trip() -> None:
    data = to_xlsx(HEADERS, ROWS + [[3, "@SUM(A1)", 12.5, "待定"]], title="排名: 售前/客服")
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "排名  售前 客服"
    assert [c.value for c in ws[1]] == HEADERS
    assert [c.value for c in ws[2]] == [1, "张伟", 88.5, "强烈推荐"]
    assert ws["B3"].value == "'=1+1" and ws["B3"].data_type == "s"
    assert ws["B5"].value == "'@SUM(A1)"
    assert ws["C3"].value == 70.0
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold


def test_xlsx_datetimes() -> None:

    data = to_xlsx(["t"], [[datetime(2026, 3, 1, 8, 30, tzinfo=UTC)]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A2"].value == datetime(2026, 3, 1, 8, 30)

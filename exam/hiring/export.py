"""Spreadsheet exports: CSV for Excel (UTF-8 with BOM) and XLSX, both safe from formula injection.

Pure: headers and rows in, bytes out. A cell is a str, a number, a bool, a datetime or None.
Text cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) get a leading single quote (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any

__all__ = ["BOM", "FORMULA_PREFIXES", "csv_pieces", "safe_cell", "to_csv", "to_xlsx", "write_xlsx"]

BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will not run: text that looks like a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_text(value: Any) -> str:
    """The CSV text of a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(safe_cell(value if isinstance(value, str) else str(value)))


def csv_pieces(headers: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_piece: int = 500) -> Iterator[bytes]:
    """The CSV file of :func:`to_csv` in pieces (the BOM and header first, then ``rows_per_piece`` rows each)."""
    buf = io.StringIO()
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_text(h) for h in headers])
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        pending += 1
        if pending >= rows_per_piece:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            pending = 0
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file Excel opens with the right (Chinese) text: UTF-8 with BOM, CRLF line ends."""
    return b"".join(csv_pieces(headers, rows))


def to_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1", widths: Sequence[int] | None = None
) -> bytes:
    """An XLSX workbook with one sheet: a bold, frozen header row and typed cells (streamed, write-only)."""
    out = io.BytesIO()
    write_xlsx(out, headers, rows, title=title, widths=widths)
    return out.getvalue()


def write_xlsx(
    out: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Sheet1",
    widths: Sequence[int] | None = None,
) -> None:
    """Write the workbook of :func:`to_xlsx` to a binary file (openpyxl's write-only mode: rows are not kept)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(title))
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if widths and index <= len(widths) else max(8, min(40, 2 * len(str(header)) + 2))
        ws.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        values: list[Any] = []
        for v in row:
            if isinstance(v, datetime):
                if v.tzinfo is not None:
                    v = v.replace(tzinfo=None)  # Excel has no time zones; the export states UTC in the header
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd hh:mm"
                values.append(cell)
            else:
                # safe_cell never leaves a string starting with "=", so openpyxl stores no formula
                values.append(safe_cell(v))
        ws.append(values)
    wb.save(out)


def _sheet_title(title: str) -> str:
    """A valid sheet title (no []:*?/\\, at most 31 characters)."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet1"
    return cleaned[:31]

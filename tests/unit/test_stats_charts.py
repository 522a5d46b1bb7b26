"""The statistics' SVG charts: accessible, self-contained, with the numbers they draw."""

from __future__ import annotations

import pytest

from exam.hiring.charts import count_bars_svg, group_bars_svg, scatter_svg, trend_line


def test_count_bars() -> None:
    svg = str(count_bars_svg([(0, 10, 2), (10, 20, 0), (20, 30, 5)], title="T<", desc="D", x_label="x", y_label="y"))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg and "T&lt;" in svg
    assert svg.count('class="bar"') == 2 and ">5</text>" in svg and "<script" not in svg


def test_group_bars_mark_the_key_and_escape_labels() -> None:
    svg = str(
        group_bars_svg(
            ["A", "B<"],
            [("top", [0.5, 0.25]), ("bottom", [None, 1.0])],
            marked=[True, False],
            title="t",
            desc="d",
            y_label="y",
        )
    )
    assert "✓ A" in svg and "B&lt;" in svg and "25%" in svg
    assert svg.count("<rect x=") >= 3  # three bars (None is not drawn) plus the legend


def test_trend_line_and_scatter() -> None:
    assert trend_line([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert trend_line([(1, 1)]) is None and trend_line([(1, 1), (1, 2)]) is None
    svg = str(scatter_svg([(50, 0), (60, 1), (70, 1)], title="s", desc="d", x_label="x", y_label="y", binary=True))
    assert svg.count("<circle") == 3 and "stroke-dasharray" in svg and "clipPath" in svg

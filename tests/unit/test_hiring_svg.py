"""Server-rendered SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from exam.hiring.svg import HistBin, histogram_svg, line_chart_svg, score_bins, speed_series

NS = "{http://www.w3.org/2000/svg}"


def _hist(bins, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        title="录用分分布",
        desc="说明",
        met_label="满足",
        failed_label="未满足",
        x_label="录用分",
        y_label="人数",
        band_lines=[(85, "强烈推荐"), (70, "推荐"), (55, "待定"), (0, "不推荐")],
    )
    args.update(kw)
    return histogram_svg(bins, **args)


def test_histogram_is_valid_accessible_svg() -> None:
    bins = score_bins([0, 0, 1, 2, 3, 4, 5, 6, 2, 1], [1, 0, 0, 1, 0, 2, 0, 0, 0, 0])
    svg = str(_hist(bins))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "录用分分布"
    assert root.find(f"{NS}desc").text == "说明"
    assert root.get("aria-labelledby") == "dist-title dist-desc"
    met = [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar-met"]
    failed = [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar-failed"]
    assert len(met) == 8 and len(failed) == 3
    # the band at 0 is not drawn as a line; the three others are
    assert svg.count("stroke-dasharray") == 3
    assert "强烈推荐 ≥85" in svg


def test_histogram_bar_heights_are_proportional() -> None:
    root = ET.fromstring(str(_hist([HistBin(0, 50, 2, 0), HistBin(50, 100, 4, 0)], band_lines=[])))
    heights = [float(r.get("height")) for r in root.iter(f"{NS}rect") if r.get("class") == "bar-met"]
    assert heights[1] == pytest.approx(2 * heights[0])


def test_histogram_escapes_labels() -> None:
    svg = str(_hist([HistBin(0, 100, 1, 0)], title="<script>x</script>", band_lines=[(50, "<b>&")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;&amp;" in svg
    ET.fromstring(svg)


def test_empty_histogram() -> None:
    ET.fromstring(str(_hist(score_bins([0] * 10, [0] * 10))))


def test_speed_series_constant_pace() -> None:
    samples = [[t, t * 2] for t in range(0, 61, 5)]  # 2 chars per second = 120 per minute
    series = speed_series(samples, window=10)
    assert len(series) == 6
    assert all(cpm == pytest.approx(120) for _, cpm in series)
    assert series[-1][0] == 60


def test_speed_series_interpolates_and_handles_gaps() -> None:
    series = speed_series([(0, 0), (30, 30), (35, 30)], window=10)
    assert [round(c) for _, c in series] == [60, 60, 60, 0]
    assert speed_series([]) == []
    assert speed_series([(5, 10)]) == []
    assert speed_series([(10, 10), (20, 30)])[0][1] == pytest.approx(60)  # starts from (0, 0)


def test_line_chart_with_reference() -> None:
    svg = str(
        line_chart_svg(
            [(10, 50), (20, 70)],
            title="速度",
            desc="d",
            x_label="秒",
            y_label="字/分钟",
            reference=(60, "要求 60"),
            average=(60, "平均 60"),
        )
    )
    root = ET.fromstring(svg)
    assert root.find(f"{NS}polyline") is not None
    assert "要求 60" in svg and "平均 60" in svg
    assert len(re.findall("<circle", svg)) == 2

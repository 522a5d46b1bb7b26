"""Server-rendered SVG charts of the exam statistics: bars of counts, option shares by group, scatters.

Pure, like ``exam.hiring.svg`` (whose frame, grid and axis helpers these use): numbers and translated
labels in, an SVG string with ``<title>``, ``<desc>`` and ``role="img"`` out; pages put a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from exam.hiring.svg import _axis_labels, _fmt, _grid, _nice_max, _open_chart, _ticks

__all__ = ["count_bars_svg", "group_bars_svg", "scatter_svg", "trend_line"]

COLOURS = ("#1f6feb", "#8c959f", "#9a6700", "#1a7f37")


def count_bars_svg(
    bins: Sequence[tuple[float, float, int]],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    width: int = 480,
    height: int = 220,
    chart_id: str = "bars",
) -> Markup:
    """A histogram: one bar per ``(lo, hi, count)`` bin, its count above it."""
    left, right, top, bottom = 40, 12, 16, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    top_count = _nice_max(max((c for _lo, _hi, c in bins), default=0))
    lo = min((b[0] for b in bins), default=0.0)
    hi = max((b[1] for b in bins), default=100.0)
    span = (hi - lo) or 1.0

    def x(value: float) -> float:
        return left + plot_w * (value - lo) / span

    def y(count: float) -> float:
        return top + plot_h - plot_h * count / top_count

    out = _open_chart(chart_id, title, desc, width, height)
    out.extend(_grid(_ticks(top_count), y, left, width - right))
    for b_lo, b_hi, count in bins:
        bx, bw = x(b_lo) + 2, max(1.0, x(b_hi) - x(b_lo) - 4)
        if count:
            out.append(
                f'<rect class="bar" x="{bx:.1f}" y="{y(count):.1f}" width="{bw:.1f}" height="{y(0) - y(count):.1f}" '
                f'fill="{COLOURS[0]}"><title>{_fmt(b_lo)}–{_fmt(b_hi)}: {count}</title></rect>'
                f'<text x="{bx + bw / 2:.1f}" y="{y(count) - 3:.1f}" font-size="10" text-anchor="middle" '
                f'fill="#1d2330">{count}</text>'
            )
    out.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#5b6475"/>')
    for b_lo, _b_hi, _count in list(bins) + [(hi, hi, 0)]:
        out.append(
            f'<text x="{x(b_lo):.1f}" y="{y(0) + 14:.1f}" font-size="10" text-anchor="middle" '
            f'fill="#5b6475">{_fmt(b_lo)}</text>'
        )
    out.extend(_axis_labels(x_label, y_label, left + plot_w / 2, height - 6, top + plot_h / 2))
    out.append("</svg>")
    return Markup("".join(out))


def group_bars_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    desc: str,
    y_label: str,
    marked: Sequence[bool] = (),
    width: int = 560,
    height: int = 240,
    chart_id: str = "groups",
) -> Markup:
    """Shares (0-1) per category and series side by side, e.g. who picked each option in the upper and lower
    27 % and overall; ``marked`` categories (the key) get a ✓ under them."""
    left, right, top, bottom = 44, 12, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    n_cat, n_ser = max(1, len(categories)), max(1, len(series))
    slot = plot_w / n_cat
    bar_w = min(26.0, (slot - 10) / n_ser)

    def y(share: float) -> float:
        return top + plot_h - plot_h * max(0.0, min(1.0, share))

    out = _open_chart(chart_id, title, desc, width, height)
    for tick in (0, 25, 50, 75, 100):
        ty = y(tick / 100)
        out.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="#e3e7ee"/>')
        out.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="10" text-anchor="end" fill="#5b6475">{tick}%</text>'
        )
    for c_index, category in enumerate(categories):
        x0 = left + c_index * slot + (slot - bar_w * n_ser) / 2
        for s_index, (name, values) in enumerate(series):
            value = values[c_index] if c_index < len(values) else None
            if value is None:
                continue
            bx = x0 + s_index * bar_w
            out.append(
                f'<rect x="{bx:.1f}" y="{y(value):.1f}" width="{bar_w - 2:.1f}" height="{y(0) - y(value):.1f}" '
                f'fill="{COLOURS[s_index % len(COLOURS)]}"><title>{escape(category)} · {escape(name)}: '
                f"{value:.0%}</title></rect>"
            )
        label = ("✓ " if c_index < len(marked) and marked[c_index] else "") + category
        out.append(
            f'<text x="{left + (c_index + 0.5) * slot:.1f}" y="{y(0) + 15:.1f}" font-size="11" text-anchor="middle" '
            f'fill="{"#1a7f37" if c_index < len(marked) and marked[c_index] else "#1d2330"}">{escape(label)}</text>'
        )
    out.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#5b6475"/>')
    lx = left
    for s_index, (name, _values) in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="6" width="11" height="11" fill="{COLOURS[s_index % len(COLOURS)]}"/>'
            f'<text x="{lx + 15}" y="15" font-size="11" fill="#1d2330">{escape(name)}</text>'
        )
        lx += 30 + 12 * max(2, len(name))
    out.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" text-anchor="middle" fill="#1d2330" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def trend_line(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least-squares (slope, intercept) of y on x; None for fewer than 2 points or constant x."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx <= 1e-12:
        return None
    slope = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return slope, my - slope * mx


def _range(values: Sequence[float]) -> tuple[float, float]:
    """A padded axis range around the values (at least 1 wide)."""
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def scatter_svg(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    binary: bool = False,
    width: int = 420,
    height: int = 240,
    chart_id: str = "scatter",
) -> Markup:
    """Points (x, y) with a dashed least-squares line; ``binary`` outcomes (0/1) are drawn as two jittered rows."""
    left, right, top, bottom = 48, 12, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x_lo, x_hi = _range([p[0] for p in points])
    y_lo, y_hi = (-0.3, 1.3) if binary else _range([p[1] for p in points])

    def x(value: float) -> float:
        return left + plot_w * (value - x_lo) / (x_hi - x_lo)

    def y(value: float) -> float:
        return top + plot_h - plot_h * (value - y_lo) / (y_hi - y_lo)

    out = _open_chart(chart_id, title, desc, width, height)
    y_ticks = [0.0, 1.0] if binary else [y_lo + (y_hi - y_lo) * i / 4 for i in range(5)]
    for tick in y_ticks:
        ty = y(tick)
        out.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="#e3e7ee"/>')
        out.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="10" text-anchor="end" fill="#5b6475">{_fmt(tick)}</text>'
        )
    for i in range(5):
        tick = x_lo + (x_hi - x_lo) * i / 4
        out.append(
            f'<text x="{x(tick):.1f}" y="{top + plot_h + 14:.1f}" font-size="10" text-anchor="middle" '
            f'fill="#5b6475">{_fmt(tick)}</text>'
        )
    for index, (px, py) in enumerate(points):
        jitter = ((index * 37) % 11 - 5) * 0.012 if binary else 0.0
        out.append(
            f'<circle cx="{x(px):.1f}" cy="{y(py + jitter):.1f}" r="3.5" fill="{COLOURS[0]}" fill-opacity="0.7">'
            f"<title>{_fmt(px)}, {_fmt(py)}</title></circle>"
        )
    line = trend_line(points)
    if line is not None and not math.isclose(x_lo, x_hi):
        slope, intercept = line
        clip = f"{chart_id}-clip"
        out.append(
            f'<clipPath id="{clip}"><rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/></clipPath>'
            f'<line clip-path="url(#{clip})" x1="{x(x_lo):.1f}" y1="{y(slope * x_lo + intercept):.1f}" '
            f'x2="{x(x_hi):.1f}" y2="{y(slope * x_hi + intercept):.1f}" stroke="#9a6700" stroke-dasharray="5 4"/>'
        )
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#5b6475"/>')
    out.extend(_axis_labels(x_label, y_label, left + plot_w / 2, height - 6, top + plot_h / 2))
    out.append("</svg>")
    return Markup("".join(out))

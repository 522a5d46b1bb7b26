"""Server-rendered SVG charts: the score distribution of an opening and a typing speed curve.

Pure: numbers and (already translated) labels in, an SVG string out. Every chart has a
``<title>`` and ``<desc>`` and ``role="img"``; pages put an accessible table next to it.
No scripts, no external resources, so the strict CSP allows them inline.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["HistBin", "histogram_svg", "line_chart_svg", "speed_series", "score_bins"]

from exam.grading.typing import speed_series  # noqa: E402  (kept importable from here)


@dataclass(frozen=True)
class HistBin:
    """One bar: scores in [lo, hi) (the last bin includes 100), split by hard requirements met/failed."""

    lo: float
    hi: float
    met: int
    failed: int

    @property
    def total(self) -> int:
        """Candidates in the bin."""
        return self.met + self.failed


def score_bins(counts_met: Sequence[int], counts_failed: Sequence[int], width: float = 10.0) -> list[HistBin]:
    """Bins of ``width`` points from 0 from two parallel count lists."""
    return [
        HistBin(i * width, (i + 1) * width, int(m), int(f)) for i, (m, f) in enumerate(zip(counts_met, counts_failed))
    ]


def _nice_max(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 1:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * exp >= value:
            return int(step * exp)
    return int(10 * exp)


def _ticks(top: int, count: int = 4) -> list[int]:
    """Integer ticks from 0 to ``top``."""
    step = max(1, top // count)
    return list(range(0, top + 1, step))


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_chart(chart_id: str, title: str, desc: str, width: int, height: int, extra: str = "") -> list[str]:
    """The ``<svg>`` start tag (``extra``: more attributes), its title and description, and a white ground."""
    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{tid} {did}"{extra}>',
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]


def _grid(ticks: Sequence[int], y: Callable[[float], float], x0: float, x1: float) -> list[str]:
    """A horizontal grid line from ``x0`` to ``x1`` and a label left of it for each y-axis tick."""
    out: list[str] = []
    for tick in ticks:
        ty = y(tick)
        out.append(f'<line x1="{x0}" y1="{ty:.1f}" x2="{x1}" y2="{ty:.1f}" stroke="#e3e7ee"/>')
        out.append(f'<text x="{x0 - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6475">{tick}</text>')
    return out


def _axis_labels(x_label: str, y_label: str, x_mid: float, x_base: float, y_mid: float) -> list[str]:
    """The x-axis label centred at ``x_mid`` on ``x_base``, and the y-axis label turned upright at ``y_mid``."""
    return [
        f'<text x="{x_mid:.1f}" y="{x_base}" font-size="12" text-anchor="middle" '
        f'fill="#1d2330">{escape(x_label)}</text>',
        f'<text x="12" y="{y_mid:.1f}" font-size="12" text-anchor="middle" fill="#1d2330" '
        f'transform="rotate(-90 12 {y_mid:.1f})">{escape(y_label)}</text>',
    ]


def histogram_svg(
    bins: Sequence[HistBin],
    *,
    title: str,
    desc: str,
    met_label: str,
    failed_label: str,
    x_label: str,
    y_label: str,
    band_lines: Sequence[tuple[float, str]] = (),
    width: int = 640,
    height: int = 260,
    chart_id: str = "dist",
) -> Markup:
    """A stacked histogram of scores (met at the bottom, knocked out on top) with band cut lines."""
    left, right, top, bottom = 44, 16, 50, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    max_count = _nice_max(max((b.total for b in bins), default=0))
    lo = min((b.lo for b in bins), default=0.0)
    hi = max((b.hi for b in bins), default=100.0)
    span = (hi - lo) or 1.0

    def x(value: float) -> float:
        return left + plot_w * (value - lo) / span

    def y(count: float) -> float:
        return top + plot_h - plot_h * count / max_count

    out = _open_chart(chart_id, title, desc, width, height, ' preserveAspectRatio="xMidYMid meet"')
    out.extend(_grid(_ticks(max_count), y, left, width - right))
    for b in bins:
        bx, bw = x(b.lo) + 2, max(1.0, x(b.hi) - x(b.lo) - 4)
        if b.met:
            out.append(
                f'<rect class="bar-met" x="{bx:.1f}" y="{y(b.met):.1f}" width="{bw:.1f}" '
                f'height="{y(0) - y(b.met):.1f}" fill="#1f6feb"><title>{_fmt(b.lo)}–{_fmt(b.hi)}: '
                f"{escape(met_label)} {b.met}</title></rect>"
            )
        if b.failed:
            out.append(
                f'<rect class="bar-failed" x="{bx:.1f}" y="{y(b.total):.1f}" width="{bw:.1f}" '
                f'height="{y(b.met) - y(b.total):.1f}" fill="#c9ced6" stroke="#8c959f">'
                f"<title>{_fmt(b.lo)}–{_fmt(b.hi)}: {escape(failed_label)} {b.failed}</title></rect>"
            )
        if b.total:
            out.append(
                f'<text x="{bx + bw / 2:.1f}" y="{y(b.total) - 4:.1f}" font-size="11" text-anchor="middle" '
                f'fill="#1d2330">{b.total}</text>'
            )
    last_x: dict[int, float] = {}
    for value, label in sorted(band_lines):
        if lo < value < hi:
            lx = x(value)
            row = 0 if lx - last_x.get(0, -1e9) > 90 else 1
            last_x[row] = lx
            ly = top - 18 + row * 13
            out.append(
                f'<line x1="{lx:.1f}" y1="{ly + 2}" x2="{lx:.1f}" y2="{top + plot_h}" stroke="#9a6700" '
                f'stroke-dasharray="4 3"/>'
            )
            out.append(
                f'<text x="{lx + 3:.1f}" y="{ly}" font-size="11" fill="#9a6700">{escape(label)} ≥{_fmt(value)}</text>'
            )
    out.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#5b6475"/>')
    step = (hi - lo) / max(1, len(bins))
    value = lo
    while value <= hi + 1e-9:
        out.append(
            f'<text x="{x(value):.1f}" y="{y(0) + 15:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#5b6475">{_fmt(value)}</text>'
        )
        value += step
    out.extend(_axis_labels(x_label, y_label, left + plot_w / 2, height - 6, top + plot_h / 2))
    # legend
    lx = left
    second = lx + 28 + 12 * max(len(met_label), 6)
    out.append(
        f'<rect x="{lx}" y="4" width="12" height="12" fill="#1f6feb"/>'
        f'<text x="{lx + 16}" y="14" font-size="11" fill="#1d2330">{escape(met_label)}</text>'
    )
    out.append(
        f'<rect x="{second}" y="4" width="12" height="12" fill="#c9ced6" stroke="#8c959f"/>'
        f'<text x="{second + 16}" y="14" font-size="11" fill="#1d2330">{escape(failed_label)}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))


def line_chart_svg(
    points: Sequence[tuple[float, float]],
    *,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    reference: tuple[float, str] | None = None,
    average: tuple[float, str] | None = None,
    width: int = 640,
    height: int = 220,
    chart_id: str = "curve",
) -> Markup:
    """A line chart (e.g. typing speed over time) with an optional dashed reference line (e.g. the minimum)."""
    left, right, top, bottom = 48, 16, 18, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    max_x = max((p[0] for p in points), default=1.0) or 1.0
    candidates = [p[1] for p in points] + [r[0] for r in (reference, average) if r]
    max_y = _nice_max(max(candidates, default=1.0) * 1.1)

    def x(v: float) -> float:
        return left + plot_w * v / max_x

    def y(v: float) -> float:
        return top + plot_h - plot_h * min(v, max_y) / max_y

    out = _open_chart(chart_id, title, desc, width, height)
    out.extend(_grid(_ticks(max_y), y, left, width - right))
    x_step = max(1, int(_nice_max(max_x / 6)))
    t = 0
    while t <= max_x + 1e-9:
        out.append(
            f'<text x="{x(t):.1f}" y="{top + plot_h + 15:.1f}" font-size="11" text-anchor="middle" '
            f'fill="#5b6475">{t}</text>'
        )
        t += x_step
    if reference:
        ry = y(reference[0])
        out.append(
            f'<line x1="{left}" y1="{ry:.1f}" x2="{width - right}" y2="{ry:.1f}" stroke="#cf222e" '
            f'stroke-dasharray="5 4"/><text x="{width - right - 4}" y="{ry - 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#cf222e">{escape(reference[1])}</text>'
        )
    if average:
        ay = y(average[0])
        out.append(
            f'<line x1="{left}" y1="{ay:.1f}" x2="{width - right}" y2="{ay:.1f}" stroke="#1a7f37" '
            f'stroke-dasharray="2 3"/><text x="{left + 4}" y="{ay - 4:.1f}" font-size="11" '
            f'fill="#1a7f37">{escape(average[1])}</text>'
        )
    if points:
        path = " ".join(f"{x(px):.1f},{y(py):.1f}" for px, py in [(0.0, points[0][1])] + list(points))
        out.append(f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
        for px, py in points:
            out.append(
                f'<circle cx="{x(px):.1f}" cy="{y(py):.1f}" r="2.5" fill="#1f6feb"><title>{_fmt(px)}s: '
                f"{_fmt(py)}</title></circle>"
            )
    out.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#5b6475"/>')
    out.extend(_axis_labels(x_label, y_label, left + plot_w / 2, height - 6, top + plot_h / 2))
    out.append("</svg>")
    return Markup("".join(out))

"""A timeline of the desk from a transcript: which chat waited when, and where the candidate wrote (pure).

``timeline(transcript)`` gives the rows (one per customer who came) and the candidate's messages;
``timeline_svg(data, labels)`` draws them as an inline SVG (no scripts, so the strict CSP allows it),
with a ``<title>`` and ``<desc>``; pages put the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

COLOURS = ("#2563eb", "#16a34a", "#9333ea", "#db2777")
LATE_S = 60.0


def _waits(messages: Sequence[Mapping[str, Any]], end: float) -> list[list[float]]:
    """[start, stop] of each stretch in which a customer message waited for the candidate."""
    out: list[list[float]] = []
    since: float | None = None
    for message in messages:
        at = float(message["at"])
        if message["from"] == "customer":
            if since is None:
                since = at
            if message.get("kind") in ("leave", "end"):
                out.append([since, at])
                since = None
        elif since is not None:
            out.append([since, at])
            since = None
    if since is not None:
        out.append([since, end])
    return [w for w in out if w[1] > w[0]]


def timeline(transcript: Mapping[str, Any]) -> dict[str, Any]:
    """Per customer who came: when the chat was open, its waits, the candidate's replies; the candidate's row."""
    duration = float(transcript.get("duration") or 0.0)
    rows = []
    candidate: list[list[Any]] = []
    for index, customer in enumerate(transcript.get("customers") or []):
        messages = list(customer.get("messages") or [])
        if not messages:
            continue
        closed = next((float(m["at"]) for m in messages if m.get("kind") in ("leave", "end")), None)
        end = closed if closed is not None else duration
        waits = _waits(messages, end)
        replies = [float(m["at"]) for m in messages if m["from"] == "candidate"]
        candidate += [[t, customer["id"]] for t in replies]
        rows.append(
            {
                "id": customer["id"],
                "name": customer.get("name") or customer["id"],
                "colour": COLOURS[index % len(COLOURS)],
                "outcome": customer.get("outcome"),
                "open": [float(messages[0]["at"]), end],
                "waits": waits,
                "waited_s": round(sum(b - a for a, b in waits), 1),
                "longest_wait_s": round(max((b - a for a, b in waits), default=0.0), 1),
                "customer_messages": [float(m["at"]) for m in messages if m["from"] == "customer"],
                "replies": replies,
            }
        )
    candidate.sort()
    return {"duration": duration, "rows": rows, "candidate": candidate}


def _fmt_clock(seconds: float) -> str:
    """E.g. 90 -> "1:30"."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def timeline_svg(data: Mapping[str, Any], labels: Mapping[str, str], chart_id: str = "desk") -> Markup:
    """The timeline as SVG. ``labels``: title, desc, candidate, minutes (already translated)."""
    rows = list(data.get("rows") or [])
    duration = max(1.0, float(data.get("duration") or 1.0))
    left, width, top, row_h = 96, 640, 14, 30
    height = top + row_h * (len(rows) + 1) + 34

    def x(t: float) -> float:
        return left + width * min(max(t, 0.0), duration) / duration

    tid, did = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart desk-timeline" viewBox="0 0 {left + width + 16} '
        f'{height}" width="100%" role="img" aria-labelledby="{tid} {did}">',
        f'<title id="{tid}">{escape(labels["title"])}</title><desc id="{did}">{escape(labels["desc"])}</desc>',
        f'<rect x="0" y="0" width="{left + width + 16}" height="{height}" fill="#fff"/>',
    ]
    step = 60 if duration <= 900 else 120 if duration <= 1800 else 300
    grid_bottom = top + row_h * (len(rows) + 1)
    for t in range(0, int(duration) + 1, step):
        gx = x(t)
        out.append(f'<line x1="{gx:.1f}" y1="{top}" x2="{gx:.1f}" y2="{grid_bottom}" stroke="#e3e7ee"/>')
        out.append(
            f'<text x="{gx:.1f}" y="{grid_bottom + 14}" font-size="10" text-anchor="middle" fill="#555">'
            f"{_fmt_clock(t)}</text>"
        )
    out.append(
        f'<text x="{left + width / 2:.0f}" y="{grid_bottom + 28}" font-size="10" text-anchor="middle" '
        f'fill="#555">{escape(labels["minutes"])}</text>'
    )
    for number, row in enumerate(rows):
        mid = top + row_h * number + row_h / 2
        out.append(
            f'<text x="{left - 6}" y="{mid + 4:.1f}" font-size="11" text-anchor="end" fill="#222">'
            f"{escape(row['name'])}</text>"
        )
        a, b = row["open"]
        out.append(
            f'<line x1="{x(a):.1f}" y1="{mid:.1f}" x2="{x(b):.1f}" y2="{mid:.1f}" stroke="{row["colour"]}" '
            'stroke-width="2" stroke-opacity="0.45"/>'
        )
        for start, stop in row["waits"]:
            late = stop - start > LATE_S
            out.append(
                f'<rect x="{x(start):.1f}" y="{mid - 7:.1f}" width="{max(1.0, x(stop) - x(start)):.1f}" height="14" '
                f'fill="{"#dc2626" if late else "#f59e0b"}" fill-opacity="0.55" rx="2"/>'
            )
        for t in row["customer_messages"]:
            out.append(f'<circle cx="{x(t):.1f}" cy="{mid:.1f}" r="3" fill="#444"/>')
        for t in row["replies"]:
            out.append(
                f'<line x1="{x(t):.1f}" y1="{mid - 10:.1f}" x2="{x(t):.1f}" y2="{mid + 10:.1f}" '
                f'stroke="{row["colour"]}" stroke-width="2"/>'
            )
    mid = top + row_h * len(rows) + row_h / 2
    out.append(
        f'<text x="{left - 6}" y="{mid + 4:.1f}" font-size="11" text-anchor="end" fill="#222">'
        f"{escape(labels['candidate'])}</text>"
    )
    colours = {row["id"]: row["colour"] for row in rows}
    for t, customer in data.get("candidate") or []:
        out.append(
            f'<rect x="{x(t) - 1.5:.1f}" y="{mid - 8:.1f}" width="3" height="16" fill="{colours.get(customer, "#444")}"/>'
        )
    out.append("</svg>")
    return Markup("".join(out))

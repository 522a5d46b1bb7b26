"""The integrity timeline and the review log as HR reads them: every event and field in words, no raw keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from exam.i18n import gettext as _
from exam.security import N_

EVENT_LABELS = {
    "session_start": N_("Exam opened"),
    "second_session": N_("Opened in a second browser or device"),
    "submitted": N_("Exam handed in"),
}
SUBMIT_REASONS = {
    "submitted": N_("by the candidate"),
    "deadline": N_("automatically when the time ran out"),
    "closed": N_("automatically when the opening closed"),
}
# Browsers and systems by user-agent token, most specific first.
_BROWSERS = [
    (r"MicroMessenger/([\d.]+)", "微信"),
    (r"MQQBrowser/([\d.]+)|QQBrowser/([\d.]+)", "QQ 浏览器"),
    (r"UCBrowser/([\d.]+)", "UC 浏览器"),
    (r"Quark/([\d.]+)", "夸克"),
    (r"Edg(?:e|A|iOS)?/([\d.]+)", "Edge"),
    (r"OPR/([\d.]+)", "Opera"),
    (r"Firefox/([\d.]+)|FxiOS/([\d.]+)", "Firefox"),
    (r"CriOS/([\d.]+)", "Chrome"),
    (r"HeadlessChrome/([\d.]+)", "Chrome"),
    (r"Chrome/([\d.]+)", "Chrome"),
    (r"Version/([\d.]+).*Safari/", "Safari"),
]
_SYSTEMS = [
    (r"iPhone OS ([\d_]+)", "iPhone iOS"),
    (r"iPad.*OS ([\d_]+)", "iPad iOS"),
    (r"Android ([\d.]+)", "Android"),
    (r"HarmonyOS|OpenHarmony", "HarmonyOS"),
    (r"Windows NT 10", "Windows 10/11"),
    (r"Windows NT 6\.1", "Windows 7"),
    (r"Windows", "Windows"),
    (r"Mac OS X ([\d_]+)", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
]


def device_of(user_agent: str | None) -> str:
    """A user agent as people say it: "Chrome 126 · Windows 10/11" ("unknown device" when empty)."""
    ua = user_agent or ""
    browser_name = ""
    for pattern, name in _BROWSERS:
        m = re.search(pattern, ua)
        if m:
            version = next((g for g in m.groups() if g), "") if m.groups() else ""
            browser_name = f"{name} {version.split('.')[0]}".strip()
            break
    system = ""
    for pattern, name in _SYSTEMS:
        m = re.search(pattern, ua)
        if m:
            version = (m.group(1) if m.groups() else "") or ""
            version = ".".join(version.replace("_", ".").split(".")[:2])
            system = f"{name} {version}".strip()
            break
    if not browser_name and not system:
        return _("unknown device")
    return " · ".join(x for x in (browser_name or _("unknown browser"), system or _("unknown system")))


def _num(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.1f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def describe_event(kind: str, detail: Mapping[str, Any] | None, items: Mapping[str, str]) -> list[str]:
    """An event's details as short phrases in words (``items``: paper position -> "第 N 题「title」")."""
    d = dict(detail or {})
    out: list[str] = []
    if kind in ("session_start", "second_session"):
        out.append(_("Device: %(device)s") % {"device": device_of(d.get("user_agent"))})
        if d.get("ip"):
            out.append(_("network address %(ip)s") % {"ip": d["ip"]})
        return out
    if kind == "submitted":
        reason = d.get("reason")
        out.append(_(SUBMIT_REASONS[reason]) if reason in SUBMIT_REASONS else _("handed in"))
        return out
    item = d.get("item")
    if item is not None and str(item) in items:
        out.append(items[str(item)])
    if kind in ("tab_hidden", "window_blur") and d.get("seconds") is not None:
        out.append(_("away for %(s)s seconds") % {"s": _num(d["seconds"])})
    if kind == "impossible_rhythm" and d.get("chars") is not None:
        out.append(
            _("%(chars)s characters in %(s)s seconds (about %(rate)s chars/min)")
            % {"chars": _num(d["chars"]), "s": _num(d.get("seconds")), "rate": _num(d.get("rate_cpm"))}
        )
    elif d.get("chars") is not None:
        out.append(_("%(n)s characters") % {"n": _num(d["chars"])})
    return out


def item_names(sections: list[tuple[str, list[tuple[int, str]]]]) -> dict[str, str]:
    """Paper positions named as the report numbers them: section title, "第 N 题" and the question's title."""
    names: dict[str, str] = {}
    for title, items in sections:
        for number, (position, name) in enumerate(items, start=1):
            short = name if len(name) <= 24 else name[:23] + "…"
            names[str(position)] = _("%(section)s, question %(n)s “%(title)s”") % {
                "section": title,
                "n": number,
                "title": short,
            }
    return names

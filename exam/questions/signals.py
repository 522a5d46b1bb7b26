"""Integrity signals read from how a typed answer changed between two saves (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.grading.typing import normalise

RHYTHM_MIN_CHARS = 20  # a save adding at least this many characters ...
RHYTHM_MAX_RATE = 8.0  # ... faster than this many characters per second is not human typing

Signal = tuple[str, dict[str, Any]]


def count_chars(text: str) -> int:
    """Characters as the typing grader counts them (NFKC, no whitespace)."""
    return len(normalise(text))


def _inputs_delta(old: Mapping[str, Any], meta: Mapping[str, Any] | None) -> int | None:
    """Trusted input events since the last save of this page (None when unknown)."""
    if not isinstance(meta, Mapping) or not isinstance(meta.get("inputs"), int):
        return None
    same_page = str(meta.get("page") or "") == str(old.get("_page") or "")
    before = int(old.get("_inputs") or 0) if same_page else 0
    return int(meta["inputs"]) - before


def text_without_inputs(old: Mapping[str, Any], new: Mapping[str, Any], meta: Mapping[str, Any] | None) -> list[Signal]:
    """A ``no_keystrokes`` signal when characters were added but the page saw no trusted input event."""
    added = count_chars(str(new.get("text") or "")) - count_chars(str(old.get("text") or ""))
    delta = _inputs_delta(old, meta)
    if added >= 2 and delta is not None and delta <= 0:
        return [("no_keystrokes", {"chars": added})]
    return []


def rhythm_signals(old: Mapping[str, Any], new: Mapping[str, Any], meta: Mapping[str, Any] | None) -> list[Signal]:
    """Typing-speed bursts no human reaches (from the last two samples), and text growing without input events."""
    out: list[Signal] = []
    samples = new.get("samples") or []
    if len(samples) >= 2:
        (t0, c0), (t1, c1) = samples[-2], samples[-1]
        added, seconds = c1 - c0, max(0.001, float(t1) - float(t0))
        if added >= RHYTHM_MIN_CHARS and added / seconds > RHYTHM_MAX_RATE:
            out.append(
                (
                    "impossible_rhythm",
                    {"chars": added, "seconds": round(seconds, 2), "rate_cpm": round(60 * added / seconds)},
                )
            )
    return out + text_without_inputs(old, new, meta)

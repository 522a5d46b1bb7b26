"""A reply split into plain and highlighted segments from its rubric evidence (for HR and trainers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from exam.grading.rubric import is_negative_evidence

GOOD_EVIDENCE = {"phrase", "position", "fact", "term"}


@dataclass(frozen=True)
class Segment:
    """A piece of a reply: plain text, or a highlighted match with its kind and note."""

    text: str
    kind: str | None = None
    note: str = ""
    criterion: str = ""

    @property
    def tone(self) -> str:
        """ "good", "bad" or ""."""
        if is_negative_evidence(self.kind):
            return "bad"
        if self.kind in GOOD_EVIDENCE:
            return "good"
        return ""


def highlight(text: str, criteria: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """The reply split into plain and highlighted segments from the evidence spans (bad matches win overlaps)."""
    spans: list[tuple[int, int, str, str, str]] = []
    for c in criteria:
        for e in c.get("evidence") or []:
            start, end = e.get("start"), e.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                spans.append((start, end, e.get("kind") or "", e.get("note") or "", c.get("label") or ""))
    spans.sort(key=lambda s: (0 if is_negative_evidence(s[2]) else 1, s[0], -(s[1] - s[0])))
    taken: list[tuple[int, int, str, str, str]] = []
    for span in spans:
        if all(span[1] <= t[0] or span[0] >= t[1] for t in taken):
            taken.append(span)
    taken.sort()
    out: list[Segment] = []
    pos = 0
    for start, end, kind, note, label in taken:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], kind, note, label))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out

"""A graded reply's evidence as HR reads it: one line per rubric point met or missed, the phrase once.

The grader's evidence (exam.grading.rubric) lists every match with its offsets; the trainers' try page
shows all of it. HR gets one line per rubric point in words: what was met (with the candidate's own
phrase), what was missed, and what counted against the reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from exam.grading.rubric import is_negative_evidence
from exam.security import N_
from exam.zhtext import full_width

# The relevance detector's note for a scenario word (two-character fragments: trainers' detail only).
SCENARIO_NOTE = "场景关键词"
POSITIVE_KINDS = frozenset({"phrase", "position", "fact", "term"})

# Library phrase sets, named when a rubric gives no note of its own.
SET_LABELS: dict[str, str] = {
    "agree_first": N_("agrees with the customer first"),
    "closing": N_("a polite closing"),
    "concrete_step": N_("a concrete next step"),
    "courtesy": N_("courteous words"),
    "curt_you": N_("addresses the customer with the curt 你"),
    "empathy": N_("understanding for the customer's feelings"),
    "greeting": N_("a greeting"),
    "next_step": N_("a next step"),
    "pushy": N_("pushes the customer"),
    "reason": N_("gives a reason"),
    "respect": N_("respect for the customer's decision"),
    "sloppy": N_("sloppy wording"),
    "social_proof": N_("what other customers chose"),
    "suggestion": N_("a suggestion"),
    "warm_tone": N_("a warm tone"),
    "phrases": N_("the expected wording"),
}
_SIMILARITY = re.compile(r"(\d+(?:\.\d+)?)\s*$")
_LENGTH = re.compile(r"^(\d+) 字[;；]要求 (.+?) 字$")


def penalty_notes(rubric: Mapping[str, Any] | None) -> dict[str, set[str]]:
    """Per criterion id, the notes of phrase detectors that take points away (their matches count against)."""
    out: dict[str, set[str]] = {}
    for c in (rubric or {}).get("criteria") or []:
        for d in c.get("detectors") or []:
            try:
                points = float(d.get("points") or 0)
            except (TypeError, ValueError):
                continue
            if d.get("kind") in ("phrases", "position") and points < 0:
                out.setdefault(c.get("id") or "", set()).add(d.get("note") or d.get("set") or "phrases")
    return out


def is_bad(evidence: Mapping[str, Any], penalties: set[str]) -> bool:
    """Whether a piece of evidence counts against the reply (a taboo kind or a penalty rule's match)."""
    return is_negative_evidence(evidence.get("kind")) or (
        evidence.get("kind") in POSITIVE_KINDS and (evidence.get("note") or "") in penalties
    )


def describe(note: str) -> tuple[str, bool]:
    """A note as words: (text, translate?) — a library set's label, else the note with full-width marks."""
    if note in SET_LABELS:
        return SET_LABELS[note], True
    if "|" in note or note.startswith("re:"):
        return "", False
    return full_width(note), False


def _line(tone: str, note: str, phrases: list[str], count: int = 1) -> dict[str, Any]:
    what, translate = describe(note)
    return {"tone": tone, "what": what, "translate": translate, "phrases": phrases, "count": count}


def points_of(criterion: Mapping[str, Any], penalties: set[str]) -> list[dict[str, Any]]:
    """One criterion's evidence as lines: ``{tone: good|bad|missing|info, what, translate, phrases, count}``."""
    lines: list[dict[str, Any]] = []
    by_note: dict[tuple[str, str], dict[str, Any]] = {}
    topic_words: list[str] = []
    scenario_hits = 0
    for e in criterion.get("evidence") or []:
        kind, note, text = e.get("kind") or "", e.get("note") or "", (e.get("text") or "").strip()
        if kind == "term":
            if note == SCENARIO_NOTE:
                scenario_hits += 1
            elif text and text not in topic_words:
                topic_words.append(text)
            continue
        if kind == "missing":
            lines.append(_line("missing", note, []))
            continue
        if kind == "similarity":
            m = _SIMILARITY.search(note)
            if m:
                value = float(m.group(1))
                level = N_("low") if value < 0.2 else N_("medium") if value < 0.35 else N_("high")
                lines.append(
                    {
                        "tone": "info",
                        "what": N_("Closeness to the model replies"),
                        "translate": True,
                        "level": level,
                        "phrases": [],
                        "count": 1,
                    }
                )
            continue
        if kind == "length":
            m = _LENGTH.match(note)
            if m:
                lines.append(
                    {
                        "tone": "info",
                        "what": N_("Length"),
                        "translate": True,
                        "phrases": [],
                        "count": 1,
                        "length": int(m.group(1)),
                        "bounds": m.group(2),
                    }
                )
            else:
                lines.append(_line("info", note, []))
            continue
        tone = "bad" if is_bad(e, penalties) else "good" if kind in POSITIVE_KINDS else "info"
        key = (tone, note)
        if key in by_note and tone != "info":
            entry = by_note[key]
            entry["count"] += 1
            if text and text not in entry["phrases"] and len(entry["phrases"]) < 1:
                entry["phrases"].append(text)
            continue
        entry = _line(tone, note, [text] if text else [])
        if not entry["what"] and text:
            entry["what"] = ""
        by_note[key] = entry
        lines.append(entry)
    if topic_words or scenario_hits:
        lines.insert(
            0,
            {
                "tone": "good",
                "what": N_("On topic: speaks to the customer's situation"),
                "translate": True,
                "phrases": topic_words[:4],
                "count": 1,
            },
        )
    order = {"bad": 0, "good": 1, "missing": 2, "info": 3}
    lines.sort(key=lambda line: order[line["tone"]])
    return lines


def marked_criteria(
    criteria: Iterable[Mapping[str, Any]], penalties: Mapping[str, set[str]], *, once: bool = True
) -> list[dict[str, Any]]:
    """Evidence for highlighting the reply; penalty matches marked as taboo so they show in red. ``once``
    (HR): one span per rubric point and no scenario fragments; else (trainers) every match."""
    out: list[dict[str, Any]] = []
    for c in criteria:
        seen: set[str] = set()
        kept = []
        for e in c.get("evidence") or []:
            if once and e.get("kind") == "term" and e.get("note") == SCENARIO_NOTE:
                continue
            if e.get("start") is None:
                continue
            bad = is_bad(e, penalties.get(c.get("id") or "", set()))
            key = ("bad:" if bad else "") + (e.get("note") or "")
            if once and key in seen and not bad:
                continue
            seen.add(key)
            kept.append({**e, "kind": "taboo"} if bad and not is_negative_evidence(e.get("kind")) else dict(e))
        out.append({**c, "evidence": kept})
    return out

"""Evidence and results of a graded reply: what was found where, criterion points, flags and caps."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark an English note as a msgid (translated where it is shown); most notes are the rubric's own Chinese."""
    return message


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence: what was found (or missed) and where in the raw reply."""

    kind: str
    text: str
    start: int | None
    end: int | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form ``{kind, text, start, end, note}``."""
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end, "note": self.note}


# Evidence kinds that count against a reply (shown in red wherever evidence is highlighted).
NEGATIVE_EVIDENCE: frozenset[str] = frozenset({"taboo", "claim", "contradiction", "privacy", "contempt"})


def is_negative_evidence(kind: str | None) -> bool:
    """Whether an evidence kind counts against the reply."""
    return kind in NEGATIVE_EVIDENCE


@dataclass(frozen=True)
class CriterionResult:
    """Points of one criterion with the evidence behind them."""

    id: str
    label: str
    points: float
    max: float
    evidence: list[Evidence] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the contract form ``{id, label, points, max, evidence}`` (plus ``flags``)."""
        return {
            "id": self.id,
            "label": self.label,
            "points": self.points,
            "max": self.max,
            "evidence": [e.as_dict() for e in self.evidence],
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class AppliedCap:
    """A raised flag's bound on the total; ``criterion`` is None for reply-level guards; ``phrase`` is the
    text of the reply that raised it (empty for guards and band gates)."""

    flag: str
    max: float
    criterion: str | None
    phrase: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return ``{flag, max, criterion, phrase}``."""
        return {"flag": self.flag, "max": self.max, "criterion": self.criterion, "phrase": self.phrase}


@dataclass(frozen=True)
class ReplyResult:
    """A graded reply: total 0-100, per-criterion results, flags and the caps they impose."""

    score: float
    criteria: list[CriterionResult]
    flags: list[str]
    caps: list[AppliedCap] = field(default_factory=list)
    question: str | None = None
    calibration: str | None = None  # the calibration that mapped the raw points (None: raw points are the score)
    calibrated: float | None = None  # the calibrated total before caps
    review: list[dict[str, Any]] = field(default_factory=list)  # why a person should judge it (rubric.review)

    @property
    def raw_score(self) -> float:
        """The criteria's points added up (before calibration and caps)."""
        return _round1(sum(c.points for c in self.criteria))

    def as_dict(self) -> dict[str, Any]:
        """Return the `exam grade reply` contract JSON (extra keys: flags, caps, raw_score, calibration,
        calibrated_score, review)."""
        return {
            "question": self.question,
            "score": self.score,
            "criteria": [c.as_dict() for c in self.criteria],
            "flags": list(self.flags),
            "caps": [c.as_dict() for c in self.caps],
            "raw_score": self.raw_score,
            "calibration": self.calibration,
            "calibrated_score": self.calibrated if self.calibrated is not None else self.raw_score,
            "review": list(self.review),
        }


def _round1(value: float) -> float:
    """Round half up to one decimal (stable for the .x5 cases floats misrepresent)."""
    return math.floor(value * 10 + 0.5 + 1e-9) / 10

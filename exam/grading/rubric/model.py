"""Rubric models: criteria, band gates and the rubric, with the default caps its flags impose."""

from __future__ import annotations

import math
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from exam.grading.rubric.detectors import Detector
from exam.grading.rubric.detectors.base import _ID
from exam.grading.rubric.scale import ScaleCalibration, load_calibration

# Default caps: when a flag is raised, the total score is at most this (0-100).
DEFAULT_CAPS: Final[dict[str, float]] = {
    # Scoring guide 0-2: empty, off-topic, rude, refuses to help, breaks a principle.
    "empty": 0,
    "wrong_language": 10,
    "rude": 10,
    # Contempt, sarcasm, blame of the customer, sending them away, arguing: near zero whatever else is there.
    "contempt": 10,
    "privacy_leak": 10,
    # Asking for a password, a verification code, a card or ID number: a security breach (0-1).
    "credential_request": 10,
    "forbidden_claim": 15,
    "off_topic": 10,
    "shirk_no_solution": 15,
    "wrong_facts": 15,
    # On the request but nothing of substance (polite, generic): 2-3 (the scored sets' median is 3).
    "no_substance": 25,
    "too_short": 20,
    # 3-4: one serious flaw (blame, shirking, an absolute guarantee, a wrong fact), heavy slang,
    # hardly answers the question, long filler.
    "slang": 40,
    "thin_answer": 40,
    # A reply under the minimum length that still states the scenario's point (不能给哦,顾客信息要保密): curt, 3-4.
    "brief": 40,
    "filler": 40,
    "blame": 40,
    "shirk": 40,
    "wrong_fact": 40,
    "absolute_promise": 40,
    # 5-6: one notable flaw (a taboo word). A sloppy, unpunctuated chat style is a mild deduction (the
    # rubric's points) that only keeps a reply out of 7+: a complete, correct reply typed without
    # punctuation is still a 6.
    "sloppy": 64,
    "taboo": 65,
    # Praise followed at once by 不过/但是 and a rule (not a refusal): a minor flaw, kept out of 9+.
    "praise_but": 84,
}


class Criterion(BaseModel):
    """One rubric criterion: its points are its detectors' sum, clamped to ``[0, max]``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    label: str
    max: float = Field(gt=0)
    detectors: list[Detector] = Field(min_length=1)


class BandGate(BaseModel):
    """A score band a reply reaches only when it meets every requirement (the guide's 7-8 "polite,
    empathetic and solves the problem"): a reply whose total reaches ``min`` without them raises
    ``flag`` with the gate's ``cap`` (default ``min - 1``), which keeps it just below the band."""

    model_config = ConfigDict(extra="forbid")

    min: float = Field(gt=0, le=100)
    flag: str = Field(default="generic", pattern=_ID)
    cap: float | None = Field(default=None, ge=0, le=100)
    criteria: dict[str, float] = Field(default_factory=dict, description="criterion id -> least share of its max")
    coverage: float | None = Field(
        default=None, ge=0, le=1, description="least share of the scenario facts' points (facts detectors)"
    )
    note: str | None = None

    @model_validator(mode="after")
    def _something(self) -> BandGate:
        """A gate asks for something, with shares in 0..1."""
        if not self.criteria and self.coverage is None:
            raise ValueError("a gate needs `criteria` shares or a `coverage`")
        for cid, share in self.criteria.items():
            if not 0 <= share <= 1:
                raise ValueError(f"share for {cid!r} must be within 0..1")
        if self.cap is not None and self.cap >= self.min:
            raise ValueError("a gate's cap must lie below its min")
        return self

    @property
    def bound(self) -> float:
        """The cap a failed gate imposes."""
        return self.cap if self.cap is not None else max(0.0, self.min - 1)


class ScalePoints(BaseModel):
    """A rubric's own calibration: ``(raw, scaled)`` points from raw 0 to raw 100, both rising."""

    model_config = ConfigDict(extra="forbid")

    points: list[tuple[float, float]] = Field(min_length=2)
    note: str = ""

    @model_validator(mode="after")
    def _rising(self) -> ScalePoints:
        """The points make a valid calibration."""
        self.as_calibration()
        return self

    def as_calibration(self) -> ScaleCalibration:
        """The points as a calibration."""
        return ScaleCalibration(name="rubric", points=tuple(self.points), method="points", note=self.note)


class Rubric(BaseModel):
    """A reply rubric: criteria whose ``max`` add up to 100, caps per flag, band gates and reply guards."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[Criterion] = Field(min_length=1)
    caps: dict[str, float] = Field(default_factory=dict)
    gates: list[BandGate] = Field(default_factory=list)
    min_chars: int = Field(default=12, ge=0)
    min_cjk_ratio: float = Field(default=0.5, ge=0, le=1)
    calibration: str | ScalePoints | None = Field(
        default=None,
        description="the map from raw points to the experts' 0-100 scale, applied before caps: the name of a "
        "shipped calibration (exam/data/calibration/scales/<name>.json) or the rubric's own `points`; "
        "none: the raw points are the score",
    )

    @field_validator("calibration")
    @classmethod
    def _known_calibration(cls, v: str | ScalePoints | None) -> str | ScalePoints | None:
        """A named calibration must be one the package ships."""
        if isinstance(v, str):
            load_calibration(v)
        return v

    def scale(self) -> ScaleCalibration | None:
        """The rubric's calibration, or None."""
        if self.calibration is None:
            return None
        if isinstance(self.calibration, str):
            return load_calibration(self.calibration)
        return self.calibration.as_calibration()

    @field_validator("caps")
    @classmethod
    def _cap_range(cls, v: dict[str, float]) -> dict[str, float]:
        """Caps lie in 0..100."""
        for flag, cap in v.items():
            if not 0 <= cap <= 100:
                raise ValueError(f"cap for {flag!r} must be within 0..100")
        return v

    @model_validator(mode="after")
    def _totals(self) -> Rubric:
        """Criterion ids are unique and the maxima add up to 100."""
        ids = [c.id for c in self.criteria]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion ids: {', '.join(dupes)}")
        total = sum(c.max for c in self.criteria)
        if not math.isclose(total, 100.0, abs_tol=1e-6):
            raise ValueError(f"criteria max must add up to 100, not {total:g}")
        for gate in self.gates:
            unknown = sorted(set(gate.criteria) - set(ids))
            if unknown:
                raise ValueError(f"gate {gate.flag!r} names unknown criteria: {', '.join(unknown)}")
        return self

    def cap_for(self, flag: str) -> float | None:
        """The cap a flag imposes (rubric override, else the default), or None."""
        if flag in self.caps:
            return self.caps[flag]
        return DEFAULT_CAPS.get(flag)

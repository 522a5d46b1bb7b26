"""The hiring score: a job profile's criteria, hard requirements and bands applied to section results.

Pure: a profile dict (the ``profile`` mapping of a profile file, as stored in
``JobProfileVersion.content``) and a mapping of inputs (``"typing.net_cpm": 72.0`` ...) in,
a :class:`HiringResult` out. Every figure the UI shows is in the result, so that the report
can explain each number in plain words: which input, which value, which scale, which weight.

Rules (see question_banks/README.md, "Job profiles"):

- A criterion turns its input into 0–100 points: linearly through ``scale: {zero, full}``
  (clamped to 0–100; ``zero > full`` is allowed for "lower is better"), or, without a scale,
  by taking the input as a percentage (clamped to 0–100).
- The hiring score is the weighted mean of the points: ``sum(points × weight) / sum(weight)``,
  rounded half up to one decimal. Each criterion's *contribution* is its share of that sum;
  the displayed contributions are rounded so that they add up exactly to the displayed score.
- A missing input (the section was not taken, or not graded) gives its criterion 0 points and
  fails any hard requirement on it (it cannot be shown to be met).
- Failing any hard requirement knocks the candidate out: ``hard_requirements_met`` is false and
  the band is the profile's lowest band whatever the score (``band_by_score`` keeps the other).
- The band is the first band (highest ``min`` first) whose ``min`` the score reaches.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from exam.numbers import round1
from exam.questions import registry

__all__ = [
    "CriterionScore",
    "HiringResult",
    "RequirementCheck",
    "attempt_fields",
    "compute_hiring",
    "input_kind",
    "round1",
]

EPS = 1e-9


def input_kind(name: str) -> str:
    """How an input is measured: the metric's kind from its question type (``cpm``, ``ratio``, ``seconds`` …);
    section rates and topics are ``percent``."""
    found = registry.metric(name)
    return found.kind if found is not None else "percent"


def _number(value: Any) -> float | None:
    """A finite float, or None for missing/invalid values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class CriterionScore:
    """One criterion: its input value, the points it earns and what they contribute to the score."""

    id: str
    label: str
    input: str
    value: float | None  # the input value (None when missing)
    points: float  # 0–100, rounded to one decimal
    points_exact: float
    weight: float
    share: float  # weight / total weight (0–1)
    contribution: float  # displayed share of the score (the displayed contributions add up to it)
    contribution_exact: float  # points_exact × share
    scale: dict[str, float] | None = None  # {"zero", "full"} or None for a percentage input
    missing: bool = False
    clamped: str | None = None  # "low" (below the 0-point value), "high" (above the 100-point value) or None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (flat fields; a regrade stores thousands: no recursive ``dataclasses.asdict``)."""
        out = {name: getattr(self, name) for name in _CRITERION_FIELDS}
        if self.scale is not None:
            out["scale"] = dict(self.scale)
        return out


_CRITERION_FIELDS = tuple(f.name for f in fields(CriterionScore))


@dataclass(frozen=True)
class RequirementCheck:
    """One hard requirement: the minimum, the candidate's value and whether it is met."""

    input: str
    label: str
    min: float
    value: float | None
    met: bool
    missing: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {name: getattr(self, name) for name in _REQUIREMENT_FIELDS}


_REQUIREMENT_FIELDS = tuple(f.name for f in fields(RequirementCheck))


@dataclass(frozen=True)
class HiringResult:
    """A candidate's hiring score against one job profile, with everything needed to explain it."""

    score: float
    hard_requirements_met: bool
    band: str
    band_by_score: str
    total_weight: float
    criteria: list[CriterionScore] = field(default_factory=list)
    requirements: list[RequirementCheck] = field(default_factory=list)
    bands: list[dict[str, Any]] = field(default_factory=list)
    missing_inputs: list[str] = field(default_factory=list)
    profile_id: str | None = None

    @property
    def knocked_out(self) -> bool:
        """Whether a hard requirement failed."""
        return not self.hard_requirements_met

    @property
    def failed_requirements(self) -> list[RequirementCheck]:
        """The hard requirements not met."""
        return [r for r in self.requirements if not r.met]

    def as_dict(self) -> dict[str, Any]:
        """JSON form (stored as ``Attempt.results["hiring"]``)."""
        return {
            "profile_id": self.profile_id,
            "score": self.score,
            "hard_requirements_met": self.hard_requirements_met,
            "knocked_out": self.knocked_out,
            "band": self.band,
            "band_by_score": self.band_by_score,
            "total_weight": self.total_weight,
            "criteria": [c.as_dict() for c in self.criteria],
            "hard_requirements": [r.as_dict() for r in self.requirements],
            "bands": [dict(b) for b in self.bands],
            "missing_inputs": list(self.missing_inputs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HiringResult:
        """Rebuild from :meth:`as_dict` output."""
        crit_fields = set(CriterionScore.__dataclass_fields__)
        req_fields = set(RequirementCheck.__dataclass_fields__)
        return cls(
            score=float(data.get("score") or 0.0),
            hard_requirements_met=bool(data.get("hard_requirements_met")),
            band=str(data.get("band") or ""),
            band_by_score=str(data.get("band_by_score") or data.get("band") or ""),
            total_weight=float(data.get("total_weight") or 0.0),
            criteria=[
                CriterionScore(**{k: v for k, v in c.items() if k in crit_fields}) for c in data.get("criteria") or []
            ],
            requirements=[
                RequirementCheck(**{k: v for k, v in r.items() if k in req_fields})
                for r in data.get("hard_requirements") or []
            ],
            bands=[dict(b) for b in data.get("bands") or []],
            missing_inputs=list(data.get("missing_inputs") or []),
            profile_id=data.get("profile_id"),
        )


def _points(value: float, scale: Mapping[str, Any] | None) -> tuple[float, str | None]:
    """Points 0–100 for ``value`` and whether they were clamped ("low"/"high")."""
    if scale is None:
        raw = value
    else:
        zero, full = float(scale["zero"]), float(scale["full"])
        if full == zero:
            raw = 100.0 if value >= full else 0.0
        else:
            raw = 100.0 * (value - zero) / (full - zero)
    if raw < 0:
        return 0.0, "low"
    if raw > 100:
        return 100.0, "high"
    return raw, None


def _apportion(exact: list[float], total_tenths: int) -> list[float]:
    """Round values to tenths so that they add up to ``total_tenths`` (largest remainder method)."""
    if not exact:
        return []
    scaled = [max(0.0, v) * 10 for v in exact]
    floors = [math.floor(s + EPS) for s in scaled]
    short = total_tenths - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for i in order[: max(0, short)]:
        floors[i] += 1
    return [f / 10 for f in floors]


def _band(bands: list[Mapping[str, Any]], score: float) -> str:
    """The first band whose min the score reaches (bands listed from the highest min)."""
    ordered = sorted(bands, key=lambda b: -float(b["min"]))
    for band in ordered:
        if score + EPS >= float(band["min"]):
            return str(band["label"])
    return str(ordered[-1]["label"]) if ordered else ""


def compute_hiring(profile: Mapping[str, Any], inputs: Mapping[str, Any]) -> HiringResult:
    """The hiring result of a candidate with these ``inputs`` against ``profile``.

    ``profile`` is the profile mapping (``criteria``, ``hard_requirements``, ``bands``; a mapping
    with a single ``profile`` key is unwrapped). ``inputs`` maps input names to numbers; missing,
    None or non-finite values count as missing.
    """
    if "profile" in profile and "criteria" not in profile:
        profile = profile["profile"]
    criteria = list(profile.get("criteria") or [])
    bands = [{"min": float(b["min"]), "label": str(b["label"])} for b in profile.get("bands") or []]
    total_weight = sum(max(0.0, float(c.get("weight", 0) or 0)) for c in criteria)
    missing: list[str] = []

    partial: list[dict[str, Any]] = []
    for c in criteria:
        name = str(c["input"])
        value = _number(inputs.get(name))
        weight = max(0.0, float(c.get("weight", 0) or 0))
        share = weight / total_weight if total_weight > 0 else 0.0
        scale = c.get("scale")
        scale_d = {"zero": float(scale["zero"]), "full": float(scale["full"])} if scale else None
        if value is None:
            points_exact, clamped = 0.0, None
            if name not in missing:
                missing.append(name)
        else:
            points_exact, clamped = _points(value, scale_d)
        partial.append(
            {
                "id": str(c["id"]),
                "label": str(c.get("label") or c["id"]),
                "input": name,
                "value": value,
                "points_exact": points_exact,
                "weight": weight,
                "share": share,
                "scale": scale_d,
                "missing": value is None,
                "clamped": clamped,
                "contribution_exact": points_exact * share,
            }
        )
    exact_total = sum(p["contribution_exact"] for p in partial)
    score = round1(min(100.0, max(0.0, exact_total)))
    shown = _apportion([p["contribution_exact"] for p in partial], round(score * 10))
    scored = [
        CriterionScore(points=round1(p["points_exact"]), contribution=shown[i], **p) for i, p in enumerate(partial)
    ]

    checks: list[RequirementCheck] = []
    for r in profile.get("hard_requirements") or []:
        name = str(r["input"])
        value = _number(inputs.get(name))
        minimum = float(r["min"])
        if value is None and name not in missing:
            missing.append(name)
        met = value is not None and value + EPS >= minimum
        checks.append(
            RequirementCheck(
                input=name, label=str(r.get("label") or name), min=minimum, value=value, met=met, missing=value is None
            )
        )
    met_all = all(c.met for c in checks)
    by_score = _band(bands, score)
    lowest = min(bands, key=lambda b: b["min"])["label"] if bands else ""
    return HiringResult(
        score=score,
        hard_requirements_met=met_all,
        band=by_score if met_all else lowest,
        band_by_score=by_score,
        total_weight=total_weight,
        criteria=scored,
        requirements=checks,
        bands=sorted(bands, key=lambda b: -b["min"]),
        missing_inputs=missing,
        profile_id=profile.get("id"),
    )


def attempt_fields(result: HiringResult) -> dict[str, Any]:
    """The Attempt columns a hiring result sets: ``hiring_score``, ``hard_requirements_met``, ``band``."""
    return {"hiring_score": result.score, "hard_requirements_met": result.hard_requirements_met, "band": result.band}

"""Monotone calibration of a rubric's raw points to the experts' 0-100 scale (isotonic regression, pure Python).

A rubric's criteria add up to 100 raw points, but raw points need not map evenly to the scale experts use
(a complete, warm reply may earn 80 raw points where experts give 9 of 10). A calibration is a monotone,
piecewise-linear map through fitted points ``(raw, scaled)``; it never reorders two replies and keeps 0 at 0
and 100 at 100. The caps of a reply's flags bound the calibrated total, not the raw one, so a cap means
the same on every rubric. Calibrations ship with the package as versioned JSON files
(``exam/data/calibration/scales/<name>.json``), and a rubric names the one it uses (``calibration:``).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ScaleCalibration", "calibration_names", "fit_isotonic", "load_calibration"]


def _folder() -> Path:
    """Where the shipped calibrations live."""
    return Path(str(resources.files("exam") / "data" / "calibration" / "scales"))


@dataclass(frozen=True)
class ScaleCalibration:
    """A monotone map from raw rubric points (0-100) to the calibrated score (0-100), with how it was fitted."""

    name: str
    points: tuple[tuple[float, float], ...]
    method: str = "isotonic"
    fitted_on: tuple[str, ...] = ()
    n: int = 0
    note: str = ""
    checks: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Points run from raw 0 to raw 100, raw strictly and scaled weakly increasing, all within 0..100."""
        pts = self.points
        if len(pts) < 2 or pts[0][0] != 0 or pts[-1][0] != 100:
            raise ValueError("a calibration runs from raw 0 to raw 100")
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if not x0 < x1 or y1 < y0:
                raise ValueError("calibration points must rise: raw strictly, scaled weakly")
        if any(not (0 <= x <= 100 and 0 <= y <= 100) for x, y in pts):
            raise ValueError("calibration points lie within 0..100")

    def apply(self, raw: float) -> float:
        """The calibrated score for ``raw`` points (linear between the fitted points)."""
        x = min(100.0, max(0.0, raw))
        xs = [p[0] for p in self.points]
        i = min(len(xs) - 1, max(1, bisect_right(xs, x)))
        (x0, y0), (x1, y1) = self.points[i - 1], self.points[i]
        return y0 + (y1 - y0) * (x - x0) / (x1 - x0)

    def table(self, step: int = 10) -> list[tuple[int, float]]:
        """Raw points every ``step`` and what they become, for people to read."""
        return [(raw, round(self.apply(raw), 1)) for raw in range(0, 101, step)]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored in the package."""
        return {
            "name": self.name,
            "method": self.method,
            "fitted_on": list(self.fitted_on),
            "n": self.n,
            "note": self.note,
            "points": [[x, y] for x, y in self.points],
            "checks": self.checks,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScaleCalibration:
        """Read the JSON form."""
        return cls(
            name=str(data["name"]),
            points=tuple((float(x), float(y)) for x, y in data["points"]),
            method=str(data.get("method", "isotonic")),
            fitted_on=tuple(data.get("fitted_on", ())),
            n=int(data.get("n", 0)),
            note=str(data.get("note", "")),
            checks=dict(data.get("checks") or {}),
        )


def fit_isotonic(pairs: Iterable[tuple[float, float]], *, min_block: int = 1) -> tuple[tuple[float, float], ...]:
    """Fit a non-decreasing map to ``(raw, target)`` pairs by pool-adjacent-violators: the points are each pooled
    block's mean raw and mean target (blocks of at least ``min_block`` pairs; smaller ones are pooled with a
    neighbour), anchored at (0, 0) and (100, 100)."""
    data = sorted((float(x), float(y)) for x, y in pairs)
    blocks: list[list[float]] = []  # [sum_x, sum_y, count]
    for x, y in data:
        blocks.append([x, y, 1.0])
        while len(blocks) > 1 and _mean_y(blocks[-2]) >= _mean_y(blocks[-1]):
            _pool(blocks)
    if min_block > 1:
        blocks = _merge_small(blocks, min_block)
    points: list[tuple[float, float]] = []
    for sx, sy, n in blocks:
        x, y = round(sx / n, 1), round(sy / n, 1)
        if 0 < x < 100 and (not points or x > points[-1][0]):
            points.append((x, max(y, points[-1][1]) if points else y))
    # from 0 at raw 0 (no points, no score) to 100 at raw 100 (full marks stay full marks)
    points.insert(0, (0.0, 0.0))
    top = max(100.0, points[-1][1])
    points.append((100.0, min(100.0, top)))
    return tuple(points)


def _mean_y(block: Sequence[float]) -> float:
    """A block's mean target."""
    return block[1] / block[2]


def _pool(blocks: list[list[float]]) -> None:
    """Pool the last two blocks."""
    last = blocks.pop()
    for k in range(3):
        blocks[-1][k] += last[k]


def _merge_small(blocks: list[list[float]], min_block: int) -> list[list[float]]:
    """Pool consecutive blocks until each holds at least ``min_block`` pairs (adjacent pools stay monotone)."""
    out: list[list[float]] = []
    pending: list[float] | None = None
    for block in blocks:
        pending = list(block) if pending is None else [a + b for a, b in zip(pending, block)]
        if pending[2] >= min_block:
            out.append(pending)
            pending = None
    if pending is not None:
        if out:
            out[-1] = [a + b for a, b in zip(out[-1], pending)]
        else:
            out.append(pending)
    return out


@cache
def load_calibration(name: str) -> ScaleCalibration:
    """A shipped calibration by name (``exam/data/calibration/scales/<name>.json``)."""
    if not name or any(ch in name for ch in "/\\") or name.startswith("."):
        raise ValueError(f"unknown calibration {name!r}")
    path = _folder() / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"unknown calibration {name!r}; known: {', '.join(calibration_names()) or 'none'}")
    calibration = ScaleCalibration.from_dict(json.loads(path.read_text(encoding="utf-8")))
    if calibration.name != name:
        raise ValueError(f"{path.name} names itself {calibration.name!r}")
    return calibration


def calibration_names() -> list[str]:
    """The names of the shipped calibrations."""
    folder = _folder()
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def is_identity(points: Sequence[tuple[float, float]]) -> bool:
    """Whether the points map every raw score to itself."""
    return all(math.isclose(x, y) for x, y in points)

"""What trainers read about a rubric besides its criteria: the caps its flags impose, its band gates and the
calibration that maps its raw points to the experts' scale (with how that calibration was checked)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from exam.grading.rubric.model import DEFAULT_CAPS, Rubric


def describe_rubric(rubric: Rubric | Mapping[str, Any]) -> dict[str, Any] | None:
    """Caps (lowest first; ``own`` when the rubric overrides the default), gates and calibration of a rubric, or
    None when ``rubric`` does not validate."""
    if not isinstance(rubric, Rubric):
        try:
            rubric = Rubric.model_validate(rubric)
        except (ValidationError, ValueError, TypeError):
            return None
    flags = sorted(set(DEFAULT_CAPS) | set(rubric.caps) | {g.flag for g in rubric.gates if g.flag in rubric.caps})
    caps = [
        {"flag": f, "max": rubric.cap_for(f), "own": f in rubric.caps} for f in flags if rubric.cap_for(f) is not None
    ]
    caps.sort(key=lambda c: (c["max"], c["flag"]))
    gates = [{"min": g.min, "bound": g.bound, "flag": g.flag, "note": g.note or ""} for g in rubric.gates]
    scale = rubric.scale()
    calibration = None
    if scale is not None:
        loso = (scale.checks.get("loso") or {}).get("overall") or {}
        calibration = {
            "name": scale.name,
            "method": scale.method,
            "fitted_on": list(scale.fitted_on),
            "n": scale.n,
            "note": scale.note,
            "table": scale.table(10),
            "loso_qwk": loso.get("qwk"),
            "loso_n": loso.get("n"),
            "files": dict(scale.checks.get("files") or {}),
        }
    return {"caps": caps, "gates": gates, "calibration": calibration}

"""The detector base class and the validation helpers all detectors share."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

_ID = r"^[a-z0-9_.-]+$"


class _Detector(BaseModel):
    """Fields shared by every detector."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    note: str | None = Field(default=None, description="shown with this detector's evidence")


def _check_set(name: str | None, known: Mapping[str, object], what: str) -> str | None:
    """Validate that a named library set exists."""
    if name is not None and name not in known:
        raise ValueError(f"unknown {what} set {name!r}; known: {', '.join(sorted(known))}")
    return name

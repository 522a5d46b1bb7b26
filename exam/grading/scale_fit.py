"""Fitting a reply calibration on scored replies and checking it by leave-one-scenario-out (pure functions).

The calibration maps a rubric's raw points to the experts' scale (``exam.grading.rubric.scale``). It is fitted
on the replies whose score no flag caps (a capped reply's score is the cap's, whatever its raw points), with
the raters' mean times ten as the target. Leave-one-scenario-out fits on every scenario but one, grades the
held-out scenario's replies with that fit (caps and band gates included) and pools the predictions: a figure
for how the calibration carries over to a scenario it has never seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from exam.grading.calibration import CalibrationReport, calibrate
from exam.grading.rubric import ReplyResult, Rubric, grade_reply
from exam.grading.rubric.model import ScalePoints
from exam.grading.rubric.scale import ScaleCalibration, fit_isotonic

__all__ = ["FitReport", "ReplyTaskLike", "fit_calibration", "grade_rows", "leave_one_scenario_out", "training_pairs"]


class ReplyTaskLike(Protocol):
    """What grading a reply needs from a reply task."""

    rubric: Rubric
    facts: str
    messages: list[str]
    model_answers: list[str]


def _with(rubric: Rubric, calibration: ScaleCalibration | None) -> Rubric:
    """The rubric with another calibration (None: raw points)."""
    value = None if calibration is None else ScalePoints(points=list(calibration.points))
    return rubric.model_copy(update={"calibration": value})


def grade_rows(
    tasks: Mapping[str, ReplyTaskLike], rows: Sequence[Mapping[str, Any]], calibration: ScaleCalibration | None
) -> list[ReplyResult]:
    """Grade scored replies (``scenario``, ``text``) with ``calibration`` in place of their rubrics' own."""
    rubrics = {sid: _with(task.rubric, calibration) for sid, task in tasks.items()}
    out = []
    for row in rows:
        task = tasks[row["scenario"]]
        out.append(
            grade_reply(
                rubrics[row["scenario"]],
                row["text"],
                facts=task.facts,
                messages=task.messages,
                model_answers=task.model_answers,
            )
        )
    return out


def training_pairs(
    tasks: Mapping[str, ReplyTaskLike], rows: Sequence[Mapping[str, Any]], raw: Sequence[ReplyResult]
) -> list[tuple[float, float]]:
    """``(raw points, raters' mean x 10)`` of the replies whose score no cap decides (no flag or band gate
    bounds it below its raw points)."""
    return [
        (result.raw_score, float(row["score"]) * 10)
        for row, result in zip(rows, raw)
        if not any(c.max < result.raw_score for c in result.caps)
    ]


def fit_calibration(
    name: str, pairs: Iterable[tuple[float, float]], *, min_block: int = 3, fitted_on: Sequence[str] = ()
) -> ScaleCalibration:
    """An isotonic calibration fitted on ``pairs``."""
    data = list(pairs)
    return ScaleCalibration(
        name=name,
        points=fit_isotonic(data, min_block=min_block),
        method="isotonic",
        fitted_on=tuple(fitted_on),
        n=len(data),
    )


@dataclass(frozen=True)
class FitReport:
    """Leave-one-scenario-out: the pooled agreement, and each held-out scenario's own fit."""

    report: CalibrationReport
    predictions: list[float]
    fits: dict[str, ScaleCalibration]

    def by_set(self, rows: Sequence[Mapping[str, Any]], key: str = "set") -> dict[str, CalibrationReport]:
        """The pooled predictions' agreement per value of ``key`` (for example the scored set)."""
        groups: dict[str, list[tuple[float, float, str]]] = {}
        for row, pred in zip(rows, self.predictions):
            groups.setdefault(str(row.get(key)), []).append((pred, float(row["score"]), row["scenario"]))
        return {k: calibrate(v) for k, v in sorted(groups.items())}


def leave_one_scenario_out(
    tasks: Mapping[str, ReplyTaskLike], rows: Sequence[Mapping[str, Any]], *, min_block: int = 3
) -> FitReport:
    """Fit on all scenarios but one, grade the held-out one, for every scenario; pool the predictions."""
    raw = grade_rows(tasks, rows, None)
    predictions: list[float] = [0.0] * len(rows)
    fits: dict[str, ScaleCalibration] = {}
    for scenario in sorted({r["scenario"] for r in rows}):
        train = [i for i, r in enumerate(rows) if r["scenario"] != scenario]
        held = [i for i, r in enumerate(rows) if r["scenario"] == scenario]
        pairs = training_pairs(tasks, [rows[i] for i in train], [raw[i] for i in train])
        fit = fit_calibration(f"loso-{scenario}", pairs, min_block=min_block)
        fits[scenario] = fit
        for i, result in zip(held, grade_rows(tasks, [rows[i] for i in held], fit)):
            predictions[i] = result.score
    report = calibrate((p, float(r["score"]), r["scenario"]) for p, r in zip(predictions, rows))
    return FitReport(report=report, predictions=predictions, fits=fits)

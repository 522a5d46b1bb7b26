"""Pure grading engines: typing, choice questions, reply rubrics and calibration metrics."""

from exam.grading.calibration import CalibrationReport, calibrate
from exam.grading.choice import ItemScore, SectionScore, aggregate, grade_multiple, grade_single, grade_true_false
from exam.grading.rubric import ReplyResult, Rubric, grade_reply, recompute_score
from exam.grading.typing import TypingResult, grade_typing

__all__ = [
    "CalibrationReport",
    "ItemScore",
    "ReplyResult",
    "Rubric",
    "SectionScore",
    "TypingResult",
    "aggregate",
    "calibrate",
    "grade_multiple",
    "grade_reply",
    "grade_single",
    "grade_true_false",
    "grade_typing",
    "recompute_score",
]

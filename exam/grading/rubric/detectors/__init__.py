"""Rubric detectors, one module per kind; ``Detector`` is the union a criterion's detectors validate as."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from exam.grading.rubric.detectors.contempt import ContemptDetector, ContemptEntry
from exam.grading.rubric.detectors.contradiction import ContradictionDetector, FactSlot
from exam.grading.rubric.detectors.facts import FactItem, FactsDetector
from exam.grading.rubric.detectors.forbidden import ClaimItem, ForbiddenDetector
from exam.grading.rubric.detectors.length import LengthDetector
from exam.grading.rubric.detectors.phrases import PhrasesDetector, PositionDetector
from exam.grading.rubric.detectors.privacy import PrivacyDetector
from exam.grading.rubric.detectors.relevance import RelevanceDetector
from exam.grading.rubric.detectors.similarity import SimilarityDetector
from exam.grading.rubric.detectors.taboo import TabooDetector, TabooEntry

__all__ = [
    "ClaimItem",
    "ContemptDetector",
    "ContemptEntry",
    "ContradictionDetector",
    "Detector",
    "FactItem",
    "FactSlot",
    "FactsDetector",
    "ForbiddenDetector",
    "LengthDetector",
    "PhrasesDetector",
    "PositionDetector",
    "PrivacyDetector",
    "RelevanceDetector",
    "SimilarityDetector",
    "TabooDetector",
    "TabooEntry",
]

Detector = Annotated[
    PhrasesDetector
    | PositionDetector
    | TabooDetector
    | FactsDetector
    | ForbiddenDetector
    | RelevanceDetector
    | SimilarityDetector
    | LengthDetector
    | ContradictionDetector
    | PrivacyDetector
    | ContemptDetector,
    Field(discriminator="kind"),
]

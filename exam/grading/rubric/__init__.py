"""Transparent rubric engine for free-text replies: criteria fed by detectors, evidence, caps."""

from exam.grading.rubric.context import Concept, Phrase
from exam.grading.rubric.context import _valid_phrase as _valid_phrase  # used by the lexicon test
from exam.grading.rubric.detectors import (
    ClaimItem,
    ContemptDetector,
    ContemptEntry,
    ContradictionDetector,
    Detector,
    FactItem,
    FactsDetector,
    FactSlot,
    ForbiddenDetector,
    LengthDetector,
    PhrasesDetector,
    PositionDetector,
    PrivacyDetector,
    RelevanceDetector,
    SimilarityDetector,
    TabooDetector,
    TabooEntry,
)
from exam.grading.rubric.evidence import (
    NEGATIVE_EVIDENCE,
    AppliedCap,
    CriterionResult,
    Evidence,
    ReplyResult,
    is_negative_evidence,
)
from exam.grading.rubric.model import DEFAULT_CAPS, BandGate, Criterion, Rubric
from exam.grading.rubric.scoring import DERIVED_FLAGS, ENGAGED_FLAGS, grade_reply, recompute_score

__all__ = [
    "DEFAULT_CAPS",
    "DERIVED_FLAGS",
    "ENGAGED_FLAGS",
    "NEGATIVE_EVIDENCE",
    "AppliedCap",
    "BandGate",
    "ClaimItem",
    "Concept",
    "ContemptDetector",
    "ContemptEntry",
    "ContradictionDetector",
    "Criterion",
    "CriterionResult",
    "Detector",
    "Evidence",
    "FactItem",
    "FactSlot",
    "FactsDetector",
    "ForbiddenDetector",
    "LengthDetector",
    "Phrase",
    "PhrasesDetector",
    "PositionDetector",
    "PrivacyDetector",
    "RelevanceDetector",
    "ReplyResult",
    "Rubric",
    "SimilarityDetector",
    "TabooDetector",
    "TabooEntry",
    "grade_reply",
    "is_negative_evidence",
    "recompute_score",
]

"""The registry of question types: one module per type registers a QuestionType here."""
from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from typing import Any

from exam.questions.base import QuestionBase, QuestionType

BUILTIN_MODULES = (
    "exam.questions.single_choice",
    "exam.questions.multiple_choice",
    "exam.questions.true_false",
    "exam.questions.typing",
    "exam.questions.reply",
)

_TYPES: dict[str, QuestionType] = {}
_loaded = False
_loading = False
_lock = threading.RLock()


def register(question_type: QuestionType) -> QuestionType:
    """Register ``question_type`` under its name (a later registration replaces an earlier one)."""
    _TYPES[question_type.name] = question_type
    return question_type


def _ensure_loaded() -> None:
    """Import the built-in type modules once (thread-safe: other threads wait until all are registered)."""
    global _loaded, _loading
    if _loaded:
        return
    with _lock:
        if _loaded or _loading:  # _loading: asked again by a type module while it is being imported
            return
        _loading = True
        try:
            for module in BUILTIN_MODULES:
                importlib.import_module(module)
            _loaded = True
        finally:
            _loading = False


def all_types() -> dict[str, QuestionType]:
    """Every registered type by name, built-ins first."""
    _ensure_loaded()
    return dict(_TYPES)


def type_names() -> list[str]:
    """The registered type names."""
    return list(all_types())


def get_type(name: str) -> QuestionType:
    """The type registered as ``name``; ValueError naming the known types otherwise."""
    types = all_types()
    if name not in types:
        raise ValueError(f"unknown question type {name!r}; known types: {', '.join(types)}")
    return types[name]


def type_of(question: QuestionBase) -> QuestionType:
    """The type object of a question model."""
    return get_type(question.type)


def parse_question(data: Mapping[str, Any]) -> QuestionBase:
    """Validate one question's bank data with the model of its ``type``."""
    if not isinstance(data, Mapping):
        raise ValueError("a question must be a mapping")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ValueError("a question needs a 'type'")
    return get_type(kind).parse(data)


def export_question(question: QuestionBase) -> dict[str, Any]:
    """The YAML-ready dict of a question."""
    return type_of(question).export(question)

"""The registry of question types: one line per type (adding a type: its module, its partials, one line here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exam.questions import chat_simulation, multiple_choice, reply, single_choice, true_false, typing
from exam.questions.base import Metric, QuestionBase, QuestionType

TYPES: dict[str, QuestionType] = {
    t.name: t
    for t in (
        single_choice.TYPE,
        multiple_choice.TYPE,
        true_false.TYPE,
        typing.TYPE,
        reply.TYPE,
        chat_simulation.TYPE,
    )
}


def all_types() -> dict[str, QuestionType]:
    """Every registered type by name, in registry order."""
    return dict(TYPES)


def type_names() -> list[str]:
    """The registered type names."""
    return list(TYPES)


def get_type(name: str) -> QuestionType:
    """The type registered as ``name``; ValueError naming the known types otherwise."""
    if name not in TYPES:
        raise ValueError(f"unknown question type {name!r}; known types: {', '.join(TYPES)}")
    return TYPES[name]


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


def metric_of(name: str) -> tuple[QuestionType, Metric] | None:
    """The type and metric a section input names (``typing.net_cpm`` → net_cpm, ``r.criterion.x`` → criterion.*)."""
    parts = name.split(".")
    if len(parts) < 2:
        return None
    suffix = ".".join(parts[1:])
    family = parts[1] + ".*" if len(parts) == 3 else None
    for question_type in TYPES.values():
        for m in question_type.metrics:
            if m.name == suffix or (m.pattern and m.name == family):
                return question_type, m
    return None


def metric(name: str) -> Metric | None:
    """The metric a section input names, if a question type provides it."""
    found = metric_of(name)
    return found[1] if found else None


def input_forms() -> str:
    """The documented input forms, for messages."""
    plain = [f"<section>.{m.name}" for t in TYPES.values() for m in t.metrics if not m.pattern]
    families = [f"<section>.{m.name[:-2]}.<{m.placeholder}>" for t in TYPES.values() for m in t.metrics if m.pattern]
    return ", ".join(["<section>.percent", *plain, "<section>.topic.<topic>", *families])

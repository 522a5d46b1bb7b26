"""Validation of bank documents and of the bank as a whole, as located, plain-English problems."""

from __future__ import annotations

import difflib
import functools
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import Node

from exam.banks.blueprint import profile_issues
from exam.banks.problems import Problem
from exam.banks.profile import Profile
from exam.banks.textlint import text_issues
from exam.banks.yamlio import Document, duplicate_keys, line_at
from exam.questions.base import DEFER_CHECKS, CheckedModel, Issue, QuestionBase
from exam.questions.registry import all_types

TOP_KEYS = ("questions", "profile")


@dataclass
class Entry:
    """A validated question or profile and where it was defined."""

    model: QuestionBase | Profile
    path: str
    line: int
    node: Node | None = None
    loc: tuple[str | int, ...] = ()

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The line of ``loc`` inside this entry (the entry's line without a node)."""
        if self.node is None:
            return self.line
        return line_at(self.node, tuple(self.loc) + tuple(loc))


@dataclass
class DocumentResult:
    """What one file holds: valid entries and the problems found."""

    questions: list[Entry] = field(default_factory=list)
    profiles: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    invalid_ids: set[str] = field(default_factory=set)


def _model_fields(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Field names of ``model`` and of the models nested in it."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    for info in model.model_fields.values():
        stack = [info.annotation]
        while stack:
            annotation = stack.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                names |= _model_fields(annotation, seen)
            stack.extend(typing.get_args(annotation))
    return names


@functools.cache
def known_fields() -> tuple[str, ...]:
    """Every field name of every bank model (for "did you mean" hints)."""
    names: set[str] = set(TOP_KEYS)
    for question_type in all_types().values():
        names |= _model_fields(question_type.model)
    names |= _model_fields(Profile)
    return tuple(sorted(names))


def _suggest(word: str, choices: Sequence[str]) -> str:
    """ " (did you mean 'x'?)" or ""."""
    close = difflib.get_close_matches(word, [c for c in choices if c != word], n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


def format_loc(loc: Sequence[str | int]) -> str:
    """``options[3].text`` (list positions are 1-based)."""
    text = ""
    for step in loc:
        if isinstance(step, int):
            text += f"[{step + 1}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _got(value: Any) -> str:
    """ " (got 7)" for short scalar inputs."""
    if isinstance(value, (bool, int, float)) or value is None:
        return f" (got {value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f" (got {shown!r})"
    if isinstance(value, list):
        return " (got a list)"
    if isinstance(value, dict):
        return " (got a mapping)"
    return ""


def describe(error: Mapping[str, Any], subject: str) -> str:
    """A plain-English message for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        parent = format_loc(loc[:-1])
        return f"{subject}{': ' + parent if parent else ''}: missing required field {loc[-1]!r}"
    if kind == "extra_forbidden":
        parent = format_loc(loc[:-1])
        return (
            f"{subject}{': ' + parent if parent else ''}: unknown field {loc[-1]!r}"
            f"{_suggest(str(loc[-1]), known_fields())}"
        )
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    else:
        message = message[:1].lower() + message[1:]
        value = error.get("input")
        if kind == "string_type" and isinstance(value, bool):
            message += f" (got {value!r}: YAML reads yes/no/true/false/on/off as booleans; quote the text)"
        elif kind == "string_type" and isinstance(value, (int, float)):
            message += f" (got the number {value!r}; quote it to make it text)"
        elif kind in ("bool_type", "int_type", "float_type", "int_parsing", "bool_parsing") and isinstance(value, str):
            message += f" (got the text {value!r}; write the value without quotes)"
        elif (
            kind.endswith("_type")
            or kind.startswith(("greater", "less"))
            or kind in ("literal_error", "string_pattern_mismatch", "enum")
        ):
            message += _got(value)
    where = format_loc(loc)
    return f"{subject}: {where}: {message}" if where else f"{subject}: {message}"


def _kind_of(value: Any) -> str:
    """ "a list", "a string", ... for messages."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def strip_tags(data: Any, loc: Sequence[str | int]) -> tuple[str | int, ...]:
    """``loc`` without the union tags pydantic inserts (e.g. a detector's kind), walking ``data``."""
    kept: list[str | int] = []
    for step in loc:
        if isinstance(data, dict) and isinstance(step, str) and step not in data and data.get("kind") == step:
            continue
        kept.append(step)
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            data = None
    return tuple(kept)


def _merge_typos(errors: list[Any]) -> list[Any]:
    """Drop "missing field x" when an unknown field next to it is a misspelling of x (reported once)."""
    extras = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}
    kept = []
    for error in errors:
        if error["type"] == "missing":
            parent, name = tuple(error["loc"][:-1]), str(error["loc"][-1])
            typos = [extra for where, extra in extras if where == parent]
            if difflib.get_close_matches(name, typos, n=1, cutoff=0.7):
                continue
        kept.append(error)
    return kept


def _validated(
    model: type[CheckedModel], data: Any, subject: str, path: str, node: Node | None, loc: tuple[str | int, ...]
) -> tuple[CheckedModel | None, list[Problem]]:
    """Validate ``data`` (checks deferred), then run the model's checks; problems are located in ``node``."""
    try:
        result = model.model_validate(data, context={DEFER_CHECKS: True})
    except ValidationError as exc:
        errors = [dict(e, loc=strip_tags(data, e["loc"])) for e in exc.errors(include_url=False)]
        errors = _merge_typos(errors)
        problems = [Problem(path, line_at(node, loc + tuple(err["loc"])), describe(err, subject)) for err in errors]
        return None, problems
    issues = result.check()
    problems = [Problem(path, line_at(node, loc + tuple(i.loc)), f"{subject} {i.message}") for i in issues]
    return (None if problems else result), problems


def validate_question(
    data: Any, index: int, path: str, node: Node | None, loc: tuple[str | int, ...] = ("questions",)
) -> tuple[QuestionBase | None, list[Problem]]:
    """Validate the ``index``-th question of a file."""
    item_loc = loc + (index,)
    where = f"question #{index + 1}"
    if not isinstance(data, dict):
        return None, [
            Problem(path, line_at(node, item_loc), f"{where} must be a mapping of fields, found {_kind_of(data)}")
        ]
    qid = data.get("id")
    named = f"{where} ({qid!r})" if isinstance(qid, str) else where
    kind = data.get("type")
    types = all_types()
    if kind is None:
        return None, [Problem(path, line_at(node, item_loc), f"{named} has no 'type'; use one of: {', '.join(types)}")]
    if not isinstance(kind, str) or kind not in types:
        return None, [
            Problem(
                path,
                line_at(node, item_loc + ("type",)),
                f"{named} has unknown type {kind!r}{_suggest(str(kind), list(types))}; known types: {', '.join(types)}",
            )
        ]
    subject = f"{kind} question {qid!r}" if isinstance(qid, str) else f"{kind} {where}"
    model, problems = _validated(types[kind].model, data, subject, path, node, item_loc)
    if model is not None:
        problems = [
            Problem(path, line_at(node, item_loc + tuple(i.loc)), f"{subject} {i.message}")
            for i in text_issues(types[kind], model)  # type: ignore[arg-type]
        ]
        if problems:
            return None, problems
    return model, problems  # type: ignore[return-value]


def validate_document(path: str, document: Document) -> DocumentResult:
    """Every question and profile of one parsed file, with the problems found."""
    result = DocumentResult()
    node, data = document.node, document.data
    for line, key, first in duplicate_keys(node):
        result.problems.append(
            Problem(path, line, f"duplicate key {key!r} (first at line {first}); YAML keeps only the last one")
        )
    if data is None:
        result.problems.append(
            Problem(path, 1, "file is empty; expected a mapping with the key 'questions' or 'profile'")
        )
        return result
    if not isinstance(data, dict):
        result.problems.append(
            Problem(
                path,
                line_at(node, ()),
                f"the top level must be a mapping with the key 'questions' or 'profile', found {_kind_of(data)}",
            )
        )
        return result
    for key in data:
        if key not in TOP_KEYS:
            result.problems.append(
                Problem(
                    path,
                    line_at(node, (key,)),
                    f"unknown top-level key {key!r}{_suggest(str(key), TOP_KEYS)}; "
                    "a bank file has one key, 'questions' or 'profile'",
                )
            )
    if "questions" in data and "profile" in data:
        result.problems.append(
            Problem(path, line_at(node, ("profile",)), "a file holds either 'questions' or 'profile', not both")
        )
    if "questions" in data:
        _questions(path, node, data["questions"], result)
    if "profile" in data:
        profile_data = data["profile"]
        if not isinstance(profile_data, dict):
            result.problems.append(
                Problem(
                    path,
                    line_at(node, ("profile",)),
                    f"'profile' must be a mapping of fields, found {_kind_of(profile_data)}",
                )
            )
        else:
            pid = profile_data.get("id")
            subject = f"profile {pid!r}" if isinstance(pid, str) else "profile"
            model, problems = _validated(Profile, profile_data, subject, path, node, ("profile",))
            result.problems += problems
            if model is not None:
                result.profiles.append(Entry(model, path, line_at(node, ("profile",)), node, ("profile",)))
    return result


def _questions(path: str, node: Node | None, items: Any, result: DocumentResult) -> None:
    """Validate the ``questions`` list of a file into ``result``."""
    if not isinstance(items, list):
        result.problems.append(
            Problem(path, line_at(node, ("questions",)), f"'questions' must be a list, found {_kind_of(items)}")
        )
        return
    if not items:
        result.problems.append(Problem(path, line_at(node, ("questions",)), "'questions' is empty"))
    for index, item in enumerate(items):
        model, problems = validate_question(item, index, path, node)
        result.problems += problems
        if model is not None:
            result.questions.append(Entry(model, path, line_at(node, ("questions", index)), node, ("questions", index)))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            result.invalid_ids.add(item["id"])


def check_entries(
    questions: Mapping[str, Entry], profiles: Mapping[str, Entry], invalid_ids: frozenset[str] = frozenset()
) -> list[Problem]:
    """Cross-file checks: every profile against the questions (``invalid_ids``: questions already reported)."""
    models = {qid: entry.model for qid, entry in questions.items()}
    problems: list[Problem] = []
    for entry in profiles.values():
        profile = entry.model
        assert isinstance(profile, Profile)
        for issue in profile_issues(profile, models, invalid_ids):  # type: ignore[arg-type]
            problems.append(Problem(entry.path, entry.line_of(issue.loc), f"{profile.subject()} {issue.message}"))
    return problems


__all__ = [
    "DocumentResult",
    "Entry",
    "Issue",
    "check_entries",
    "describe",
    "format_loc",
    "validate_document",
    "validate_question",
]

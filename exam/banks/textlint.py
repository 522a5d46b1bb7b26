"""Bank text rules: candidate-facing text stands on its own (no unseen sources) and uses full-width marks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from exam.questions.base import Issue, QuestionBase, QuestionType
from exam.zhtext import half_width_marks

# Citations of documents the candidate never sees: the item's `source` field names them for trainers.
UNSEEN_SOURCE: Final[re.Pattern[str]] = re.compile(
    r"岗位说明书|讲义|种子材料|原卷|课件|教材|本文|上文|下文|原文|阅读材料"
    r"|(?:这篇|该|本篇|那篇)?文章(?:认为|建议|推荐|指出|提出|中|里|的观点|所说|提到)"
    r"|(?:根据|按照|依据|按)(?:材料|资料)"
)
# Keys whose text HR or trainers read in reports (checked for punctuation, not for citations).
_READ_KEYS: Final[frozenset[str]] = frozenset({"explanation", "label", "note", "model_answers"})
# Keys under a rubric that hold patterns, not prose.
_PATTERN_KEYS: Final[frozenset[str]] = frozenset(
    {"any", "all", "phrases", "pattern", "patterns", "unless", "terms", "entries"}
)
# Keys inside candidate-facing structures that candidates never see (a simulation's rubrics and rule notes).
_HIDDEN_KEYS: Final[frozenset[str]] = frozenset({"rubric", "note", "when"})


def _strings(
    value: Any, loc: tuple[str | int, ...], skip: frozenset[str] = frozenset()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, sub in value.items():
            if key not in _PATTERN_KEYS and key not in skip and key not in ("id", "type", "set", "kind"):
                yield from _strings(sub, loc + (key,), skip)
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _strings(sub, loc + (index,), skip)


def candidate_text(qtype: QuestionType, model: QuestionBase) -> list[tuple[tuple[str | int, ...], str]]:
    """Every text a candidate reads, located in the bank file (the fields of the type's public view)."""
    try:
        shown = set(qtype.public_view(model, {}))
    except Exception:  # a type whose view needs a prepared item: fall back to the common fields
        shown = {"stem", "options", "title", "passage", "facts", "messages"}
    data = model.model_dump(mode="json")
    out: list[tuple[tuple[str | int, ...], str]] = []
    for key in sorted(shown - {"type", "id", "language", "stage", "customer_type"}):
        if key in data:
            out.extend(_strings(data[key], (key,), _HIDDEN_KEYS))
    return out


def _read_text(model: QuestionBase) -> list[tuple[tuple[str | int, ...], str]]:
    """Text HR and trainers read in reports: explanations, model answers, rubric labels and notes."""
    data = model.model_dump(mode="json")
    out: list[tuple[tuple[str | int, ...], str]] = []
    for key in ("explanation", "model_answers"):
        if key in data:
            out.extend(_strings(data[key], (key,)))
    for loc, text in _strings(data.get("rubric") or {}, ("rubric",)):
        if loc and loc[-1] in _READ_KEYS:
            out.append((loc, text))
    return out


def text_issues(qtype: QuestionType, model: QuestionBase) -> list[Issue]:
    """Citations of unseen sources in candidate-facing text; half-width marks in Chinese text."""
    issues: list[Issue] = []
    shown = candidate_text(qtype, model)
    for loc, text in shown:
        if loc and loc[0] == "passage":
            continue
        m = UNSEEN_SOURCE.search(text)
        if m:
            issues.append(
                Issue(
                    loc,
                    f"cites {m.group(0)!r}, a document candidates never see; make the text stand on its own "
                    "and name the document in 'source'",
                )
            )
    for loc, text in shown + _read_text(model):
        marks = half_width_marks(text)
        if marks:
            issues.append(
                Issue(loc, f"has half-width punctuation in Chinese text ({marks[0]!r}); use full-width marks")
            )
    return issues

"""libyaml's fast parser (used when available) reads every bank file exactly as PyYAML's own parser does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from exam.banks import yamlio

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*(ROOT / "question_banks").rglob("*.yaml"), *(ROOT / "tests" / "data").rglob("*.yaml")])


def _shape(node: Node | None) -> object:
    """A node tree as nested tuples of (tag, line, column, value)."""
    if node is None:
        return None
    mark = (node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, MappingNode):
        return (*mark, tuple((_shape(k), _shape(v)) for k, v in node.value))
    if isinstance(node, SequenceNode):
        return (*mark, tuple(_shape(v) for v in node.value))
    return (*mark, node.value)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML was built without libyaml")
def test_fast_and_pure_parsers_agree_on_every_bank_file() -> None:
    assert len(FILES) > 20
    compared = 0
    for path in FILES:
        try:
            text = yamlio.decode(path.read_bytes())
        except yamlio.DecodeFailed:
            continue  # not text: no parser sees it
        try:
            pure = yamlio._load(yaml.SafeLoader, text)
        except yaml.YAMLError:
            with pytest.raises(yaml.YAMLError):
                yamlio.parse(text)
            continue
        fast = yamlio.parse(text)
        assert fast.data == pure.data, path
        assert _shape(fast.node) == _shape(pure.node), path
        compared += 1
    assert compared > 20


def test_a_syntax_error_reads_as_pure_pyyaml_reports_it() -> None:
    text = "questions:\n  - id: a\n    stem: [unclosed\n"
    with pytest.raises(yaml.YAMLError) as fast:
        yamlio.parse(text)
    with pytest.raises(yaml.YAMLError) as pure:
        yamlio._load(yaml.SafeLoader, text)
    assert yamlio.error_message(fast.value) == yamlio.error_message(pure.value)
    assert yamlio.error_line(fast.value) == yamlio.error_line(pure.value)

"""YAML in with line numbers, YAML out that humans can review and that reads back identically."""

from __future__ import annotations

import pytest
import yaml

from exam.banks.yamlio import DecodeFailed, decode, dump_yaml, duplicate_keys, line_at, parse

TEXT = """\
questions:
  - id: a
    options:
      - {id: x, text: one}
      - id: y
        text: two
  - id: b
    messages:
      - 你好
"""


def test_line_at_walks_the_loc_to_the_nearest_node() -> None:
    node = parse(TEXT).node
    assert line_at(node, ("questions", 0)) == 2
    assert line_at(node, ("questions", 0, "options")) == 3  # a key points at its own line
    assert line_at(node, ("questions", 0, "options", 1, "text")) == 6
    assert line_at(node, ("questions", 0, "options", 0, "text")) == 4
    assert line_at(node, ("questions", 1, "stem")) == 7  # missing key: the mapping that lacks it
    assert line_at(node, ("questions", 5)) == 2  # out of range: the list itself
    assert line_at(None, ("x",)) == 1


def test_duplicate_keys_are_found_with_both_lines() -> None:
    node = parse("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n").node
    assert duplicate_keys(node) == [(4, "c", 3), (5, "a", 1)]


def test_decode_reports_the_line_of_the_first_bad_byte() -> None:
    assert decode("a: 你好\n".encode()) == "a: 你好\n"
    with pytest.raises(DecodeFailed) as info:
        decode("a: 1\nb: 2\nc: 你好\n".encode("gbk"))
    assert info.value.line == 3


@pytest.mark.parametrize(
    "value",
    [
        "yes",
        "no",
        "on",
        "null",
        "~",
        "1.0",
        "007",
        "2024-01-01",
        "a: b",
        "- x",
        "#hash",
        "  leading",
        "trailing ",
        "第一行\n第二行\n",
        "no trailing newline\nsecond",
        "'quoted'",
        '"dq"',
        "{not: flow}",
        "[x]",
        "",
        "tab\there",
        "亲，您好！欢迎光临",
        "很" * 300,
        "a \nb",
        " lead\nsecond",
        "x\n\n\n",
        "\n",
    ],
)
def test_dump_reads_back_identically(value: str) -> None:
    data = {"questions": [{"id": "q", "text": value, "list": [value, "x"], "leaf": {"a": value}}]}
    assert yaml.safe_load(dump_yaml(data)) == data


def test_dump_is_readable() -> None:
    data = {
        "questions": [
            {
                "id": "q1",
                "topics": ["principles", "language"],
                "source": {"seed": "000.txt", "section": "二、原则"},
                "passage": "第一行\n第二行\n",
                "messages": ["我觉得这个价钱太贵了，便宜点。"],
                "options": [{"id": "a", "text": "对", "correct": True}],
            }
        ]
    }
    assert dump_yaml(data) == (
        "questions:\n"
        "  - id: q1\n"
        "    topics: [principles, language]\n"
        "    source: {seed: 000.txt, section: 二、原则}\n"
        "    passage: |\n"
        "      第一行\n"
        "      第二行\n"
        "    messages:\n"
        "      - 我觉得这个价钱太贵了，便宜点。\n"
        "    options:\n"
        "      - {id: a, text: 对, correct: true}\n"
    )

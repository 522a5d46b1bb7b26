"""Bank problems read in Chinese on the trainers' pages; the CLI keeps the English `path:line: message`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exam.banks.loader import validate_paths
from exam.banks.messages import localize
from exam.i18n import set_locale

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = sorted((DATA / "bad_banks").glob("*"))
GOOD = [DATA / "good_bank" / d for d in ("choice", "typing", "replies")]
PROFILES = sorted((DATA / "bad_banks" / "profiles").glob("*.yaml"))
ENGLISH = re.compile(
    r"\b(should|must|missing|unknown|found|expected|error|got|duplicate|file is|has no|but|the|input|"
    r"mapping|list|while|characters?|which|names|asks|not|only|can)\b",
    re.I,
)
EXTRA = [
    "not a valid zip archive",
    "no bank files in the upload",
    "the upload is larger than 2 MB",
    "YAML syntax error: found unexpected end of stream",
    "YAML syntax error: mapping values are not allowed here",
    "not valid JSON: Expecting value",
    "'score' must be a number from 0 to 10 (got 12)",
]


def _messages() -> list[str]:
    problems = validate_paths(BAD) + [p for f in PROFILES for p in validate_paths([*GOOD, f])]
    return sorted({p.message for p in problems}) + EXTRA


def _words(text: str) -> str:
    """Text without quoted values, field paths, id lists and file paths (they stay as written)."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\{[^}]*\}", "", text)
    text = re.sub(r"[\w./<>\[\]-]*(?:\.yaml|\.yml|\.zip|\[\d+\]|_[a-z]+)[\w./<>\[\]-]*", "", text)
    text = re.sub(r"(：|: )[a-z_, ]+$", "", text)
    return text


@pytest.mark.parametrize("message", _messages())
def test_every_validator_and_upload_message_reads_in_chinese(message: str) -> None:
    set_locale("zh_CN")
    try:
        shown = localize(message)
    finally:
        set_locale("zh_CN")
    assert shown != message
    assert re.search(r"[\u4e00-\u9fff]", shown)
    leftover = ENGLISH.findall(_words(shown))
    assert not leftover, f"{shown!r} still has English: {leftover}"


def test_english_stays_english() -> None:
    set_locale("en")
    try:
        assert localize("not a valid zip archive") == "not a valid zip archive"
    finally:
        set_locale("zh_CN")


def test_the_cli_keeps_path_line_message_lines(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from exam.cli.bank import bank as bank_cli

    result = CliRunner().invoke(bank_cli, ["validate", str(DATA / "bad_banks" / "difficulty_range.yaml")])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert re.match(r"^.+difficulty_range\.yaml:5: .+$", first), first

"""Reading bank files from disk into a Bank (questions and profiles), or the problems found."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from exam.banks.problems import BankInvalid, Problem
from exam.banks.profile import Profile
from exam.banks.validate import DocumentResult, Entry, check_entries, validate_document
from exam.banks.yamlio import DecodeFailed, decode, error_line, error_message, parse
from exam.questions.base import QuestionBase

SUFFIXES = (".yaml", ".yml")


@dataclass
class Bank:
    """A valid bank: questions and profiles by id, the files read, and where each item was defined."""

    questions: dict[str, QuestionBase] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    question_entries: dict[str, Entry] = field(default_factory=dict, repr=False)
    profile_entries: dict[str, Entry] = field(default_factory=dict, repr=False)

    def location(self, item_id: str) -> tuple[str, int] | None:
        """(path, line) where a question (or else a profile) with this id is defined."""
        entry = self.question_entries.get(item_id) or self.profile_entries.get(item_id)
        return (entry.path, entry.line) if entry else None


def display_path(path: Path) -> str:
    """The path as given, or relative to the working directory when it is inside it."""
    if path.is_absolute():
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)
    return os.path.normpath(str(path))


def discover(paths: Sequence[Path | str]) -> tuple[list[Path], list[Problem]]:
    """The YAML files under ``paths`` (files as given, directories recursively, sorted), without repeats."""
    files: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                problems.append(Problem(display_path(path), 1, "no .yaml or .yml files in this directory"))
        elif path.is_file():
            found = [path]
        else:
            problems.append(Problem(display_path(path), 1, "no such file or directory"))
            continue
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files, problems


def read_file(path: Path) -> DocumentResult:
    """Read, decode, parse and validate one file."""
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return DocumentResult(problems=[Problem(shown, 1, f"cannot read the file: {exc.strerror or exc}")])
    if not raw.strip():
        return DocumentResult(
            problems=[Problem(shown, 1, "file is empty; expected a mapping with the key 'questions' or 'profile'")]
        )
    try:
        text = decode(raw)
    except DecodeFailed as exc:
        return DocumentResult(problems=[Problem(shown, exc.line, str(exc))])
    try:
        document = parse(text)
    except yaml.YAMLError as exc:
        return DocumentResult(problems=[Problem(shown, error_line(exc), error_message(exc))])
    return validate_document(shown, document)


def read_bank(paths: Sequence[Path | str]) -> tuple[Bank, list[Problem]]:
    """Read every file under ``paths``: the valid part of the bank and ALL problems found, in file order."""
    files, problems = discover(paths)
    bank = Bank(files=files)
    invalid_ids: set[str] = set()
    for file in files:
        result = read_file(file)
        problems += result.problems
        invalid_ids |= result.invalid_ids
        for entry in result.questions:
            _add(bank.question_entries, entry, "question", problems)
        for entry in result.profiles:
            _add(bank.profile_entries, entry, "profile", problems)
    bank.questions = {qid: e.model for qid, e in bank.question_entries.items()}  # type: ignore[misc]
    bank.profiles = {pid: e.model for pid, e in bank.profile_entries.items()}  # type: ignore[misc]
    problems += check_entries(bank.question_entries, bank.profile_entries, frozenset(invalid_ids))
    order = {display_path(file): index for index, file in enumerate(files)}
    problems.sort(key=lambda p: (order.get(p.path, -1), p.line))
    return bank, problems


def _add(entries: dict[str, Entry], entry: Entry, what: str, problems: list[Problem]) -> None:
    """Add ``entry`` unless its id is taken; a repeat is a problem pointing at the first."""
    item_id = entry.model.id
    first = entries.get(item_id)
    if first is None:
        entries[item_id] = entry
        return
    problems.append(
        Problem(
            entry.path,
            entry.line_of(("id",)),
            f"duplicate {what} id {item_id!r} (first defined at {first.path}:{first.line_of(('id',))})",
        )
    )


def load_bank(paths: Sequence[Path | str]) -> Bank:
    """The bank under ``paths``; BankInvalid carrying every problem if anything is wrong."""
    bank, problems = read_bank(paths)
    if problems:
        raise BankInvalid(problems)
    return bank


def validate_paths(paths: Sequence[Path | str]) -> list[Problem]:
    """All problems of the bank files under ``paths`` (empty when the bank is valid)."""
    return read_bank(paths)[1]


__all__ = ["Bank", "BankInvalid", "Problem", "discover", "load_bank", "read_bank", "read_file", "validate_paths"]

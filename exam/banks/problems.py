"""Problems found in bank files, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem: file path as given, 1-based line, plain-English message."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class BankInvalid(Exception):
    """The bank has problems; nothing was loaded or written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        first = f": {self.problems[0]}" if self.problems else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the bank{first}")

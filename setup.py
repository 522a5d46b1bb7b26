"""Build step: ship the top-level templates/ and question_banks/ inside the package.

The folders stay where the product card puts them (the repository's top level, reviewed as text);
a wheel or a non-editable install carries them as exam/templates and exam/question_banks, where
exam.resources finds them. An editable install reads them from the checkout instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "question_banks")


class BuildWithShippedFolders(build_py):
    """build_py that also copies templates/ and question_banks/ into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders from the checkout
        for name in SHIPPED:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"{source} is missing: the package cannot be built without it")
            shutil.copytree(
                source,
                Path(self.build_lib) / "exam" / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"),
            )


setup(cmdclass={"build_py": BuildWithShippedFolders})

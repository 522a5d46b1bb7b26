"""Where the files shipped with the app are: inside the installed package, never relative to the current folder.

A wheel (or a non-editable install) carries templates/ and question_banks/ as exam/templates and
exam/question_banks (setup.py copies them there); an editable install or a source checkout reads the
repository's top-level folders beside the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
LOCALE_DIR = PACKAGE_DIR / "locale"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
DATA_DIR = PACKAGE_DIR / "data"


def _shipped(name: str) -> Path:
    """A folder shipped in the package, or else the checkout's top-level folder of that name."""
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    checkout = PACKAGE_DIR.parent / name
    if checkout.is_dir() and (PACKAGE_DIR.parent / "pyproject.toml").is_file():
        return checkout
    return packaged  # missing: errors then name the place where an installed package keeps it


def template_dir() -> Path:
    """The Jinja2 templates (templates/ in the repository)."""
    return _shipped("templates")


def shipped_bank_dir() -> Path:
    """The question banks and job profiles shipped with the app (question_banks/ in the repository)."""
    return _shipped("question_banks")

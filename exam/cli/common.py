"""What the command groups share: settings, the engine, migrations and password input."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from exam.settings import Settings


def settings(database_url: str | None = None) -> Settings:
    """The settings from the environment (a clear message instead of a traceback when they are invalid)."""
    from exam.settings import Settings

    try:
        return Settings(database_url=database_url) if database_url else Settings()
    except Exception as exc:  # pydantic ValidationError: show the message, not a traceback
        raise click.ClickException(f"invalid settings: {exc}") from exc


def engine(config: Settings) -> Engine:
    """The engine of the configured database."""
    from exam.db import engine_for

    return engine_for(config)


def migrate(config: Settings) -> None:
    """Create or upgrade the database schema."""
    from exam.migrate import upgrade

    eng = engine(config)
    try:
        upgrade(eng)
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"cannot migrate the database at {config.database_label}: {exc}") from exc
    finally:
        eng.dispose()


@contextmanager
def database_session() -> Iterator[Session]:
    """A session on the (migrated) configured database that commits at the end or rolls everything back."""
    from exam.db import session_scope
    from exam.migrate import upgrade

    eng = engine(settings())
    try:
        upgrade(eng)
        with session_scope(eng) as session:
            yield session
    finally:
        eng.dispose()


def read_password(password: str | None, prompt: str = "Password") -> str:
    """The password given, else one line of standard input, else asked twice at the terminal."""
    if password is not None:
        return password
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise click.ClickException("no password given (use --password or type it on standard input)")
        return line
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass("Repeat: ") != first:
        raise click.ClickException("the two passwords differ")
    return first

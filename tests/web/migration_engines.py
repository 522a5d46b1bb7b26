"""The engines a migration test runs on: a SQLite file, and (when configured) a fresh PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from exam.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres


@contextmanager
def _sqlite(path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _postgres_schema(prefix: str) -> Iterator[Engine]:
    """An engine whose search path is a new schema, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migration_engines(tmp_path: Path, name: str) -> list[Callable[[], AbstractContextManager[Engine]]]:
    """One opener per engine to check: ``for open_engine in ...: with open_engine() as engine: ...``."""
    openers: list[Callable[[], AbstractContextManager[Engine]]] = [lambda: _sqlite(tmp_path / f"{name}.sqlite3")]
    if is_postgres():
        openers.append(lambda: _postgres_schema(name))
    return openers

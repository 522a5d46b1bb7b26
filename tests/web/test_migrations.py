"""Migrations: an empty database migrates to head on both engines and matches the models."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from exam import migrate
from exam.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres


def _engines(tmp_path):  # type: ignore[no-untyped-def]
    yield "sqlite", make_engine(f"sqlite:///{tmp_path}/mig.sqlite3"), None
    if is_postgres():
        schema = f"mig_{uuid.uuid4().hex[:8]}"
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        from sqlalchemy import create_engine

        eng = create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
        yield "postgresql", eng, (admin, schema)


def test_empty_database_to_head_matches_models(tmp_path) -> None:
    checked = []
    for name, engine, cleanup in _engines(tmp_path):
        try:
            assert migrate.current_revision(engine) is None
            migrate.upgrade(engine)
            assert migrate.current_revision(engine) == migrate.head_revision()
            tables = set(inspect(engine).get_table_names())
            assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables
            with engine.connect() as conn:
                diffs = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata
                )
            assert diffs == [], f"{name}: models and migrations differ: {diffs}"
            migrate.upgrade(engine)  # idempotent
            checked.append(name)
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    assert checked == (["sqlite", "postgresql"] if is_postgres() else ["sqlite"])


def test_sqlite_pragmas(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/p.sqlite3")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


@pytest.mark.skipif(is_postgres(), reason="SQLite locking behaviour")
def test_writer_takes_the_write_lock_up_front(tmp_path) -> None:
    """BEGIN IMMEDIATE: a second writer waits (busy) instead of failing after reading."""
    import sqlite3

    from exam.db import session_scope

    engine = make_engine(f"sqlite:///{tmp_path}/lock.sqlite3")
    SQLModel.metadata.create_all(engine)
    with session_scope(engine) as s:
        s.exec(text("SELECT 1"))  # type: ignore[call-overload]
        other = sqlite3.connect(f"{tmp_path}/lock.sqlite3", timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    engine.dispose()

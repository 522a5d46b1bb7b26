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


def test_migrating_keeps_the_rows_that_refer_to_a_rebuilt_table(tmp_path) -> None:
    """SQLite changes a table by copying it and dropping the old one; with foreign keys on, that drop would
    delete every invitation, attempt and answer of the openings (ON DELETE CASCADE). Nothing may be lost."""
    for name, engine, cleanup in _engines(tmp_path):
        try:
            migrate.upgrade(engine, "0002")
            t = "2026-01-01 00:00:00"
            with engine.begin() as conn:
                conn.execute(
                    text(
                        'INSERT INTO "user" (id, username, display_name, role, is_active, created_at) '
                        "VALUES (1, 'h', '', 'hr', true, :t), (2, 'c', '', 'candidate', true, :t)"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO jobprofile (id, title, status, current_version, updated_at) "
                        "VALUES ('p', 'P', 'active', 1, :t)"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO opening (id, title, profile_id, profile_version, opens_at, closes_at, "
                        "show_result, retention_days, status, created_at, created_by_id) "
                        "VALUES (1, 'O', 'p', 1, :t, :t, false, 180, 'open', :t, 1)"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO invitation (id, opening_id, token_hash, name, extra_time_factor, created_at, "
                        "expires_at, candidate_id) VALUES (1, 1, 'x', 'n', 1.0, :t, :t, 2)"
                    ),
                    {"t": t},
                )
                conn.execute(
                    text(
                        "INSERT INTO attempt (id, opening_id, candidate_id, invitation_id, status, paper, started_at, "
                        "deadline_at, current_section, results, signal_count, decision_note) "
                        "VALUES (1, 1, 2, 1, 'in_progress', '{}', :t, :t, 0, '{}', 0, '')"
                    ),
                    {"t": t},
                )
            migrate.upgrade(engine)
            with engine.connect() as conn:
                counts = [
                    conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("opening", "invitation", "attempt")
                ]
                owner = conn.execute(text("SELECT owner_id FROM opening")).scalar()
            assert counts == [1, 1, 1], name
            assert owner == 1, name  # existing openings belong to their creator
            migrate.downgrade(engine, "0002")
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM attempt")).scalar() == 1, name
                if name == "sqlite":
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # switched on again
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()

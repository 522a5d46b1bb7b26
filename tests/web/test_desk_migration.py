"""Migration 0005 (the desk clock) goes up and down on SQLite and PostgreSQL, keeping the other tables."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import create_engine, inspect, text

from exam import migrate
from exam.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres


def _engines(tmp_path):  # type: ignore[no-untyped-def]
    yield make_engine(f"sqlite:///{tmp_path}/desk.sqlite3"), None
    if is_postgres():
        schema = f"desk_{uuid.uuid4().hex[:8]}"
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"}), (admin, schema)


def _downgrade(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_the_desk_clock_migration_goes_up_and_down(tmp_path) -> None:
    for engine, cleanup in _engines(tmp_path):
        try:
            migrate.upgrade(engine, "0005")
            assert "deskclock" in inspect(engine).get_table_names()
            columns = {c["name"] for c in inspect(engine).get_columns("deskclock")}
            assert columns == {"answer_id", "seq", "due_at", "ends_at", "updated_at"}
            foreign = inspect(engine).get_foreign_keys("deskclock")
            assert foreign[0]["referred_table"] == "answer" and foreign[0]["options"].get("ondelete") == "CASCADE"
            _downgrade(engine, "0002")
            tables = set(inspect(engine).get_table_names())
            assert "deskclock" not in tables and {"answer", "attempt"} <= tables
            migrate.upgrade(engine)
            assert "deskclock" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()

"""Migration 0005 (the desk clock) goes up and down on SQLite and PostgreSQL, keeping the other tables."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from exam import migrate
from tests.web.migration_engines import migration_engines


def _downgrade(engine, revision: str) -> None:  # type: ignore[no-untyped-def]
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_the_desk_clock_migration_goes_up_and_down(tmp_path) -> None:
    for open_engine in migration_engines(tmp_path, "desk"):
        with open_engine() as engine:
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

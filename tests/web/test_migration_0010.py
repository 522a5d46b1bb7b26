"""Migration 0010 (rubric regrades in a background job): upgrade keeps earlier regrades as done, downgrade and
upgrade again, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines

NEW_COLUMNS = {"status", "done", "lease_until", "finished_at", "error"}


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("rubricregrade")}


def test_upgrade_and_downgrade_of_background_regrades(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m10"):
        with open_engine() as engine:
            migrate.upgrade(engine, "0008")
            assert not NEW_COLUMNS & _columns(engine)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO question (id, type, title, topics, difficulty, status, current_version, updated_at) "
                        "VALUES ('q.reply', 'reply', 'q', ' ', 1, 'active', 2, '2026-01-01 00:00:00')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO rubricregrade (id, question_id, from_version, to_version, at, answers, attempts, "
                        "skipped) VALUES (1, 'q.reply', 1, 2, '2026-01-01 00:00:00', 3, 3, 0)"
                    )
                )
            migrate.upgrade(engine, "0010")
            assert NEW_COLUMNS <= _columns(engine)
            with engine.connect() as conn:
                row = conn.execute(text("SELECT status, done, error, lease_until FROM rubricregrade")).one()
            assert tuple(row) == ("done", 0, "", None)  # a regrade made in its request finished there
            migrate.downgrade(engine, "0008")
            assert not NEW_COLUMNS & _columns(engine)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT answers FROM rubricregrade")).scalar() == 3
            migrate.upgrade(engine)
            assert NEW_COLUMNS <= _columns(engine)
            checked += 1
    assert checked == (2 if is_postgres() else 1)

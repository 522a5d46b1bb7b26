"""Migration 0009 (export jobs): upgrade keeps the data, downgrade removes the tables, upgrade again, on SQLite and
(when configured) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines

NEW_TABLES = {"exportjob", "exportchunk"}


def test_export_tables_come_and_go(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m9"):
        with open_engine() as engine:
            migrate.upgrade(engine, "0008")
            now = "2026-01-01 00:00:00"
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO jobprofile (id, title, status, current_version, updated_at) "
                        "VALUES ('p', 'P', 'active', 1, :t)"
                    ),
                    {"t": now},
                )
                conn.execute(
                    text(
                        "INSERT INTO opening (id, title, profile_id, profile_version, opens_at, closes_at, show_result, "
                        "retention_days, status, created_at) VALUES (1, 'O', 'p', 1, :t, :t, false, 180, 'open', :t)"
                    ),
                    {"t": now},
                )
            migrate.upgrade(engine, "0009")
            assert NEW_TABLES <= set(inspect(engine).get_table_names())
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO exportjob (id, opening_id, kind, params, locale, status, rows_done, tries, error, "
                        "size, created_at) VALUES (1, 1, 'csv', '{}', 'zh_CN', 'done', 3, 1, '', 4, :t)"
                    ),
                    {"t": now},
                )
                conn.execute(
                    text("INSERT INTO exportchunk (job_id, seq, data) VALUES (1, 0, :d)"), {"d": b"\xef\xbb\xbfa"}
                )
                assert conn.execute(text("SELECT data FROM exportchunk")).scalar() == b"\xef\xbb\xbfa"
            indexes = {i["name"] for i in inspect(engine).get_indexes("exportjob")}
            assert "ix_exportjob_due" in indexes
            migrate.downgrade(engine, "0008")
            assert not NEW_TABLES & set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM opening")).scalar() == 1
            migrate.upgrade(engine, "head")
            assert migrate.current_revision(engine) == migrate.head_revision()
            checked += 1
    assert checked == (2 if is_postgres() else 1)

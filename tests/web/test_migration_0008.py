"""Migration 0008 (webhooks): upgrade keeps the data, downgrade removes the tables, upgrade again, on SQLite and
(when configured) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines

NEW_TABLES = {"webhookendpoint", "webhookevent", "webhookdelivery", "webhooktry"}


def test_webhook_tables_come_and_go(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m8"):
        with open_engine() as engine:
            migrate.upgrade(engine, "0007")
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
            migrate.upgrade(engine, "0008")
            assert NEW_TABLES <= set(inspect(engine).get_table_names())
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO webhookendpoint (opening_id, kind, url, secret, events, active, created_at) "
                        "VALUES (1, 'generic', 'https://1.1.1.1/h', 's', '[]', true, :t)"
                    ),
                    {"t": now},
                )
            indexes = {i["name"] for i in inspect(engine).get_indexes("webhookdelivery")}
            assert "ix_webhookdelivery_due" in indexes
            migrate.downgrade(engine, "0007")
            assert not NEW_TABLES & set(inspect(engine).get_table_names())
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM opening")).scalar() == 1
            migrate.upgrade(engine, "head")
            assert migrate.current_revision(engine) == migrate.head_revision()
            checked += 1
    assert checked == (2 if is_postgres() else 1)

"""Migration 0008 (webhooks): upgrade keeps the data, downgrade removes the tables, upgrade again, on SQLite and
(when configured) PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, inspect, text

from exam import migrate
from exam.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres

NEW_TABLES = {"webhookendpoint", "webhookevent", "webhookdelivery", "webhooktry"}


def _engines(tmp_path):  # type: ignore[no-untyped-def]
    yield make_engine(f"sqlite:///{tmp_path}/m8.sqlite3"), None
    if is_postgres():
        schema = f"m8_{uuid.uuid4().hex[:8]}"
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"}), (admin, schema)


def test_webhook_tables_come_and_go(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for engine, cleanup in _engines(tmp_path):
        try:
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
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    assert checked == (2 if is_postgres() else 1)

"""Migration 0004 (invitation e-mails) upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, inspect, text

from exam import migrate
from exam.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres


def _engines(tmp_path):  # type: ignore[no-untyped-def]
    yield make_engine(f"sqlite:///{tmp_path}/m4.sqlite3"), None
    if is_postgres():
        schema = f"m4_{uuid.uuid4().hex[:8]}"
        admin = make_engine(TEST_DATABASE_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"}), (admin, schema)


def test_email_delivery_table_up_and_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for engine, cleanup in _engines(tmp_path):
        try:
            migrate.upgrade(engine, "0004")
            assert "emaildelivery" in inspect(engine).get_table_names()
            indexes = {ix["name"] for ix in inspect(engine).get_indexes("emaildelivery")}
            assert {"ix_emaildelivery_invitation_id", "ix_emaildelivery_status"} <= indexes
            migrate.downgrade(engine, "0003")
            assert "emaildelivery" not in inspect(engine).get_table_names()
            assert migrate.current_revision(engine) == "0003"
            migrate.upgrade(engine)
            assert "emaildelivery" in inspect(engine).get_table_names()
            checked += 1
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    assert checked == (2 if is_postgres() else 1)

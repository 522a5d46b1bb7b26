"""Migration 0004 (invitation e-mails) upgrades and downgrades on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines


def test_email_delivery_table_up_and_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m4"):
        with open_engine() as engine:
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
    assert checked == (2 if is_postgres() else 1)

"""Migration 0007 (API tokens and their use log): upgrade, a token row written and read, downgrade and upgrade
again, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines

NEW_TABLES = {"apitoken", "apitokenuse"}


def test_upgrade_and_downgrade_of_api_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m7"):
        with open_engine() as engine:
            migrate.upgrade(engine, "0006")
            assert not NEW_TABLES & set(inspect(engine).get_table_names())
            migrate.upgrade(engine, "0007")
            assert NEW_TABLES <= set(inspect(engine).get_table_names())
            with engine.begin() as conn:
                conn.execute(
                    text(
                        'INSERT INTO "user" (id, username, display_name, role, is_active, created_at) '
                        "VALUES (1, 'hr', '', 'hr', true, '2026-01-01 00:00:00')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO apitoken (id, user_id, name, token_hash, prefix, scopes, created_at) "
                        "VALUES (1, 1, 'ATS', :h, 'exk_abcd', '[\"results:read\"]', '2026-01-01 00:00:00')"
                    ),
                    {"h": "0" * 64},
                )
                conn.execute(
                    text(
                        "INSERT INTO apitokenuse (token_id, at, method, path, ip) "
                        "VALUES (1, '2026-01-01 00:00:01', 'GET', '/api/v1/openings', '127.0.0.1')"
                    )
                )
                assert conn.execute(text("SELECT count(*) FROM apitokenuse WHERE token_id = 1")).scalar() == 1
            migrate.downgrade(engine, "0006")
            assert not NEW_TABLES & set(inspect(engine).get_table_names())
            migrate.upgrade(engine)
            assert NEW_TABLES <= set(inspect(engine).get_table_names())
            checked += 1
    assert checked == (2 if is_postgres() else 1)

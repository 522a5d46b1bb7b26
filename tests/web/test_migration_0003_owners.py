"""Migration 0003 (openings belong to people): existing openings go to their creator; upgrade and downgrade
on SQLite and PostgreSQL, with data."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.web.test_migrations import _engines

NOW = "2026-12-01 08:00:00"


def test_upgrade_gives_openings_to_their_creators_and_downgrade_removes_the_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = []
    for name, engine, cleanup in _engines(tmp_path):
        try:
            migrate.upgrade(engine, "0002")
            with engine.begin() as conn:
                conn.execute(
                    text(
                        'INSERT INTO "user" (id, username, display_name, role, is_active, created_at) VALUES '
                        "(1, 'hr', 'hr', 'hr', true, :now), (2, 'hr2', 'hr2', 'hr', true, :now)"
                    ),
                    {"now": NOW},
                )
                conn.execute(
                    text(
                        "INSERT INTO jobprofile (id, title, status, current_version, updated_at) "
                        "VALUES ('p', 'p', 'active', 1, :now)"
                    ),
                    {"now": NOW},
                )
                for opening_id, creator in ((1, 1), (2, 2), (3, None)):
                    conn.execute(
                        text(
                            "INSERT INTO opening (id, title, profile_id, profile_version, opens_at, closes_at, "
                            "show_result, retention_days, status, created_by_id, created_at) VALUES "
                            "(:id, 't', 'p', 1, :now, :now, false, 180, 'open', :creator, :now)"
                        ),
                        {"id": opening_id, "creator": creator, "now": NOW},
                    )
            migrate.upgrade(engine)
            with engine.connect() as conn:
                owners = dict(conn.execute(text("SELECT id, owner_id FROM opening ORDER BY id")).all())
            assert owners == {1: 1, 2: 2, 3: None}, name
            assert "openingshare" in inspect(engine).get_table_names()
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO openingshare (opening_id, user_id, created_at) VALUES (1, 2, :now)"), {"now": NOW}
                )
            migrate.downgrade(engine, "0002")
            assert "openingshare" not in inspect(engine).get_table_names()
            assert "owner_id" not in {c["name"] for c in inspect(engine).get_columns("opening")}
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM opening")).scalar() == 3
            migrate.upgrade(engine)  # and up again
            with engine.connect() as conn:
                assert dict(conn.execute(text("SELECT id, owner_id FROM opening ORDER BY id")).all())[2] == 2
            checked.append(name)
        finally:
            engine.dispose()
            if cleanup:
                admin, schema = cleanup
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    assert "sqlite" in checked

"""Migration 0006 (statistics, blind scores, outcomes, regrades, time per item): upgrade with the exposure
backfill, downgrade and upgrade again, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from exam import migrate
from tests.conftest import is_postgres
from tests.web.migration_engines import migration_engines

NEW_TABLES = {"questionexposure", "statssnapshot", "blindscore", "hireoutcome", "rubricregrade", "rankchange"}


def _run(engine, revision: str, down: bool = False) -> None:  # type: ignore[no-untyped-def]
    (migrate.downgrade if down else migrate.upgrade)(engine, revision)


def _seed_0002(engine) -> None:  # type: ignore[no-untyped-def]
    """Two papers at revision 0002: q1 on both, q2 on one (raw SQL: the models are newer)."""
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO \"user\" (id, username, display_name, role, is_active, created_at) VALUES (1, 'c', '', 'candidate', true, :t), (2, 'd', '', 'candidate', true, :t)"
            ),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO jobprofile (id, title, status, current_version, updated_at) VALUES ('p', 'P', 'active', 1, :t)"
            ),
            {"t": now},
        )
        conn.execute(
            text(
                "INSERT INTO opening (id, title, profile_id, profile_version, opens_at, closes_at, show_result, retention_days, status, created_at) VALUES (1, 'O', 'p', 1, :t, :t, false, 180, 'open', :t)"
            ),
            {"t": now},
        )
        for q in ("q1", "q2"):
            conn.execute(
                text(
                    "INSERT INTO question (id, type, status, current_version, title, topics, difficulty, updated_at) VALUES (:q, 'single_choice', 'active', 1, '', '', 1, :t)"
                ),
                {"q": q, "t": now},
            )
        conn.execute(
            text(
                "INSERT INTO questionversion (id, question_id, version, content, content_hash, created_at, note) VALUES (1, 'q1', 1, '{}', 'h', :t, ''), (2, 'q2', 1, '{}', 'h', :t, '')"
            ),
            {"t": now},
        )
        for a, cand in ((1, 1), (2, 2)):
            conn.execute(
                text(
                    "INSERT INTO attempt (id, opening_id, candidate_id, status, paper, started_at, deadline_at, current_section, results, signal_count, decision_note) VALUES (:a, 1, :c, 'graded', '{}', :t, :t, 0, '{}', 0, '')"
                ),
                {"a": a, "c": cand, "t": now},
            )
        rows = [(1, "q1", 1), (2, "q1", 1), (1, "q2", 2)]
        for attempt, q, v in rows:
            conn.execute(
                text(
                    "INSERT INTO answer (attempt_id, question_id, question_version_id, section_id, position, response, version, flagged, updated_at, max_score, result, overrides) VALUES (:a, :q, :v, 's', 0, '{}', 0, false, :t, 1, '{}', '{}')"
                ),
                {"a": attempt, "q": q, "v": v, "t": now},
            )


def test_upgrade_backfills_exposure_and_downgrade_removes_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for open_engine in migration_engines(tmp_path, "m6"):
        with open_engine() as engine:
            _run(engine, "0002")
            _seed_0002(engine)
            _run(engine, "0006")
            tables = set(inspect(engine).get_table_names())
            assert NEW_TABLES <= tables
            assert "seconds" in {c["name"] for c in inspect(engine).get_columns("answer")}
            with engine.connect() as conn:
                seen = dict(conn.execute(text("SELECT question_id, seen FROM questionexposure")).all())
            assert seen == {"q1": 2, "q2": 1}
            _run(engine, "0002", down=True)
            inspector = inspect(engine)
            assert not NEW_TABLES & set(inspector.get_table_names())
            assert "seconds" not in {c["name"] for c in inspector.get_columns("answer")}
            _run(engine, "head")
            assert migrate.current_revision(engine) == migrate.head_revision()
            checked += 1
    assert checked == (2 if is_postgres() else 1)

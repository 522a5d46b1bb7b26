"""Backups: every row survives a backup and a restore (SQLite and PostgreSQL, both ways), an older backup is
migrated on restore, and a refused restore changes nothing."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from exam import migrate
from exam.cli import main
from exam.db import make_engine
from exam.models import LoginAttempt, ScoredReply, User
from exam.services import accounts, backup, demo
from exam.settings import Settings
from tests.conftest import TEST_DATABASE_URL, is_postgres

ROOT = Path(__file__).resolve().parents[2]
SECRET = "backup-test-secret-0123456789abcdef"


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test", data_dir=data_dir, database_url=url, secret_key=SECRET, bank_dir=ROOT / "question_banks"
    )


def every_row(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app, in primary-key order, as the models read them."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """A SQLite file with the demo and rows in the tables the demo leaves empty."""
    folder = tmp_path_factory.mktemp("demo")
    settings = _settings(f"sqlite:///{folder}/demo.sqlite3", folder)
    demo.create_demo(settings, echo=lambda _line: None)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        hr = accounts.get_user(session, "hr")
        assert hr is not None
        accounts.start_session(session, settings, hr, ip="127.0.0.1", user_agent="pytest")
        session.add(LoginAttempt(username="hr", ip="127.0.0.1", success=True))
        session.add(ScoredReply(question_id="reply.logistics.delay", text="亲，您好！", human_score=7.5))
        session.commit()
    engine.dispose()
    return folder / "demo.sqlite3"


def test_a_backup_restores_into_an_empty_database_with_every_row_equal(demo_db: Path, tmp_path: Path) -> None:
    source = _settings(f"sqlite:///{demo_db}", demo_db.parent)
    report = backup.backup(source, tmp_path / "b" / "exam-backup.sqlite3")
    assert report.revision == migrate.head_revision()
    assert report.rows["attempt"] >= 30 and report.rows["usersession"] == 1 and report.rows["scoredreply"] == 1
    assert not list((tmp_path / "b").glob(".*")), "no partial file is left behind"

    target = _settings(f"sqlite:///{tmp_path}/restored/exam.sqlite3", tmp_path / "restored")
    restored = backup.restore(target, report.path)
    assert restored.rows == report.rows
    before, after = make_engine(source.database_url), make_engine(target.database_url)
    try:
        rows_before, rows_after = every_row(before), every_row(after)
        assert sum(len(r) for r in rows_before.values()) > 1000
        for table, rows in rows_before.items():
            assert rows_after[table] == rows, table
        assert migrate.current_revision(after) == migrate.head_revision()
    finally:
        before.dispose()
        after.dispose()
    assert sorted(p.name for p in (tmp_path / "restored").iterdir() if p.name.startswith(".")) == []


def test_an_older_backup_is_migrated_on_restore(tmp_path: Path) -> None:
    old = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    migrate.upgrade(old, "0001")
    with old.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user (username, display_name, role, is_active, created_at) VALUES ('kept', '', 'hr', 1, '2026-01-02 03:04:05')"
            )
        )
    old.dispose()
    report = backup.backup(_settings(f"sqlite:///{tmp_path}/old.sqlite3", tmp_path), tmp_path / "old-backup.sqlite3")
    assert report.revision == "0001"

    target = _settings(f"sqlite:///{tmp_path}/new/exam.sqlite3", tmp_path / "new")
    restored = backup.restore(target, report.path)
    assert restored.revision == migrate.head_revision() != "0001"
    engine = make_engine(target.database_url)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "kept")).scalar_one()  # type: ignore[call-overload]
        assert user.role == "hr" and user.created_at.tzinfo is not None
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("attempt")}
    assert "ix_attempt_opening_rank" in indexes  # added by 0002, after the backup's revision
    engine.dispose()


def test_refused_restores_change_nothing(demo_db: Path, tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    shutil.copyfile(demo_db, live)
    settings = _settings(f"sqlite:///{live}", tmp_path)
    engine = make_engine(settings.database_url)
    rows = every_row(engine)
    report = backup.backup(settings, tmp_path / "good.sqlite3")

    with pytest.raises(backup.BackupError, match="already has data; use --force"):
        backup.restore(settings, report.path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(backup.BackupError, match="not a backup made by this app"):
        backup.restore(settings, junk, force=True)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    with pytest.raises(backup.BackupError, match="no schema revision"):
        backup.restore(settings, foreign, force=True)
    newer = tmp_path / "newer.sqlite3"
    shutil.copyfile(report.path, newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(backup.BackupError, match="newer version of the app"):
        backup.restore(settings, newer, force=True)
    assert every_row(engine) == rows
    engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_commands_round_trip(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("EXAM_DATABASE_URL", f"sqlite:///{demo_db}")
    made = runner.invoke(main, ["backup", str(tmp_path / "cli.sqlite3")])
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.output and "schema revision" in made.output
    monkeypatch.setenv("EXAM_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.sqlite3")
    done = runner.invoke(main, ["restore", str(tmp_path / "cli.sqlite3")])
    assert done.exit_code == 0, done.output
    again = runner.invoke(main, ["restore", str(tmp_path / "cli.sqlite3")])
    assert again.exit_code == 1 and "--force" in again.output
    missing = runner.invoke(main, ["restore", str(tmp_path / "nothing.sqlite3")])
    assert missing.exit_code == 1 and "there is no file" in missing.output


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema of the test database (dropped afterwards)."""
    if not is_postgres():
        pytest.skip("set EXAM_TEST_DATABASE_URL to a PostgreSQL database")
    schema = f"bk_{uuid.uuid4().hex[:8]}"
    admin = make_engine(TEST_DATABASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    yield f"{TEST_DATABASE_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_postgresql_restores_a_sqlite_backup_and_backs_up_every_row(
    demo_db: Path, pg_schema_url: str, tmp_path: Path
) -> None:
    sqlite_settings = _settings(f"sqlite:///{demo_db}", demo_db.parent)
    first = backup.backup(sqlite_settings, tmp_path / "from-sqlite.sqlite3")
    pg_settings = _settings(pg_schema_url, tmp_path)
    restored = backup.restore(pg_settings, first.path)
    assert restored.rows == first.rows

    pg = make_engine(pg_schema_url)
    original = make_engine(sqlite_settings.database_url)
    try:
        rows_original = every_row(original)
        assert every_row(pg) == rows_original
        with pg.begin() as conn:  # the id sequences continue after the copied ids
            next_id = conn.execute(
                text(
                    "INSERT INTO loginattempt (username, ip, at, success) VALUES ('x', 'y', now(), false) RETURNING id"
                )
            ).scalar_one()
            conn.execute(text("DELETE FROM loginattempt WHERE id = :id"), {"id": next_id})
        assert next_id > max(row[0] for row in rows_original["loginattempt"])

        second = backup.backup(pg_settings, tmp_path / "from-postgres.sqlite3")
        assert second.rows == first.rows and second.revision == migrate.head_revision()
        again = _settings(f"sqlite:///{tmp_path}/again/exam.sqlite3", tmp_path / "again")
        backup.restore(again, second.path)
        back = make_engine(again.database_url)
        assert every_row(back) == rows_original
        back.dispose()
    finally:
        pg.dispose()
        original.dispose()

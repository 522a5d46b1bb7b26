"""Backups and restores of the whole database, and databases built aside and swapped in when complete.

A backup is one SQLite file, whatever the engine: SQLite is copied with its online backup API (a
consistent snapshot while the app runs); PostgreSQL is exported table by table in one repeatable-read
snapshot into a SQLite file migrated to the same schema revision. Such a file is portable: it restores
onto SQLite or PostgreSQL, and onto a newer version of the app (it is migrated after loading).

Restores and the demo are all or nothing: the new database is built aside (a SQLite file beside the
configured one, or a PostgreSQL schema beside the configured one), checked, and swapped in only when
complete; until then the configured database is untouched, and a failure leaves it as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import SQLModel

import exam.models  # noqa: F401  (registers the tables)
from exam import migrate
from exam.db import SQLITE_BUSY_TIMEOUT_MS, engine_for, make_engine
from exam.settings import Settings

VERSION_TABLE = "alembic_version"
BATCH_ROWS = 1000
Echo = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (the message says why; nothing was changed)."""


@dataclass
class BackupReport:
    """What a backup or restore copied: the schema revision and the rows per table."""

    path: Path
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: tables, rows and revision."""
        return f"{len(self.rows)} tables, {sum(self.rows.values())} rows, schema revision {self.revision}"


# --- helpers ---------------------------------------------------------------------------------


def sqlite_path(engine_or_url: Engine | str) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL and in-memory SQLite)."""
    url = make_url(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().resolve()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", "-writer"):  # -writer: the writers' lock file (exam.db)
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def _sqlite_copy(source: Path | sqlite3.Connection, target: Path) -> None:
    """Copy a SQLite database into ``target`` with the online backup API (one step: atomic for readers)."""
    src = source if isinstance(source, sqlite3.Connection) else sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        src.backup(dst)
    finally:
        dst.close()
        if src is not source:
            src.close()


def _read_only(path: Path) -> Engine:
    """An engine that reads a SQLite file and cannot change it."""
    uri = f"file:{quote(str(path))}?mode=ro"
    return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))


def _row_counts(conn: Connection, metadata: MetaData) -> dict[str, int]:
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    if VERSION_TABLE in metadata.tables:
        metadata.remove(metadata.tables[VERSION_TABLE])
    return metadata


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _known_revision(revision: str | None, what: str) -> str:
    """The revision if this version of the app knows it, else a BackupError."""
    from alembic.script import ScriptDirectory

    if revision is None:
        raise BackupError(f"{what} has no schema revision: it is not a (migrated) database of this app")
    try:
        ScriptDirectory.from_config(migrate.alembic_config()).get_revision(revision)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
        raise BackupError(
            f"{what} was made by a newer version of the app (schema revision {revision}): upgrade the app first"
        ) from None
    return revision


def has_data(settings: Settings) -> bool:
    """Whether the configured database has any account (a new or empty database has none; nothing is created)."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        return False
    engine = engine_for(settings)
    try:
        return _has_accounts(engine)
    finally:
        engine.dispose()


def _has_accounts(engine: Engine) -> bool:
    with engine.connect() as conn:
        tables = set(_reflect(conn).tables)
        if "user" not in tables:
            return False
        return conn.execute(text('SELECT 1 FROM "user" LIMIT 1')).first() is not None


def _copy_rows(source: Connection, target: Connection, echo: Echo | None = None) -> dict[str, int]:
    """Copy every row of every table (dependencies first) from one database to another of the same schema."""
    src_meta, dst_meta = _reflect(source), _reflect(target)
    to_sqlite = target.dialect.name == "sqlite"
    counts: dict[str, int] = {}
    for table in dst_meta.sorted_tables:
        src_table = src_meta.tables.get(table.name)
        if src_table is None:
            counts[table.name] = 0
            continue
        columns = [c.name for c in table.columns if c.name in src_table.columns]
        query = select(*(src_table.c[name] for name in columns)).order_by(*src_table.primary_key.columns)
        copied = 0
        result = source.execution_options(yield_per=BATCH_ROWS).execute(query)
        for batch in result.partitions(BATCH_ROWS):
            rows = [{name: _portable(value, to_sqlite) for name, value in zip(columns, row)} for row in batch]
            target.execute(table.insert(), rows)
            copied += len(batch)
        counts[table.name] = copied
        if echo and copied:
            echo(f"  {table.name}: {copied} rows")
    if target.dialect.name == "postgresql":
        _reset_sequences(target, dst_meta)
    return counts


def _portable(value: Any, to_sqlite: bool) -> Any:
    """Times are stored in UTC: naive UTC in SQLite, with the zone in PostgreSQL (whatever the session's zone)."""
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is None:
        return value if to_sqlite else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(tzinfo=None) if to_sqlite else value


def _reset_sequences(conn: Connection, metadata: MetaData) -> None:
    """Move PostgreSQL's id sequences past the copied ids."""
    for table in metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": f'"{table.name}"', "c": column.name}
            ).scalar()
            if sequence:
                conn.execute(
                    text(
                        f'SELECT setval(:s, COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                        f'FROM "{table.name}"'
                    ),
                    {"s": sequence},
                )


# --- building a database aside --------------------------------------------------------------


@contextlib.contextmanager
def staging_database(settings: Settings) -> Iterator[Engine]:
    """An empty database beside the configured one; swapped in when the block completes, dropped if it raises."""
    target = sqlite_path(settings.database_url)
    if settings.database_url.startswith("sqlite") and target is None:
        raise BackupError("an in-memory database cannot be replaced; use a SQLite file or PostgreSQL")
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.staging-{secrets.token_hex(4)}")
        engine = make_engine(f"sqlite:///{staged}")
        try:
            yield engine
            engine.dispose()
            with contextlib.closing(sqlite3.connect(staged)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _sqlite_copy(staged, target)
        finally:
            engine.dispose()
            _remove_sqlite(staged)
        return
    main = engine_for(settings)
    schema = f"exam_staging_{secrets.token_hex(4)}"
    with main.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        live_schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    engine = create_engine(
        settings.database_url, pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        yield engine
        engine.dispose()
        _swap_schema(main, schema, live_schema)
    finally:
        engine.dispose()
        with main.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        main.dispose()


def _swap_schema(engine: Engine, staged: str, live: str) -> None:
    """In one transaction: drop the app's tables in the live schema and move the staged tables there."""
    with engine.begin() as conn:
        staged_tables = (
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": staged}).scalars().all()
        )
        ours = set(staged_tables) | {t.name for t in SQLModel.metadata.sorted_tables} | {VERSION_TABLE}
        for name in sorted(ours):
            conn.execute(text(f'DROP TABLE IF EXISTS "{live}"."{name}" CASCADE'))
        for name in staged_tables:
            conn.execute(text(f'ALTER TABLE "{staged}"."{name}" SET SCHEMA "{live}"'))


# --- backup and restore ---------------------------------------------------------------------


def backup(settings: Settings, path: Path, echo: Echo | None = None) -> BackupReport:
    """Write a consistent copy of the configured database to ``path`` (a SQLite file; replaced only when complete)."""
    path = path.expanduser().resolve()
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
    engine = engine_for(settings)
    try:
        with engine.connect() as conn:
            revision = _known_revision(_revision(conn), str(settings.database_url))
        source_file = sqlite_path(engine)
        if source_file is not None:
            raw = engine.raw_connection()
            try:
                _sqlite_copy(raw.driver_connection, partial)
            finally:
                raw.close()
            with contextlib.closing(sqlite3.connect(partial)) as conn:
                conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        else:
            _export_postgres(engine, partial, revision, echo)
        report = inspect_backup(partial)
        os.replace(partial, path)
        report.path = path
        return report
    finally:
        engine.dispose()
        _remove_sqlite(partial)


def _export_postgres(engine: Engine, path: Path, revision: str, echo: Echo | None) -> None:
    """Every table of a PostgreSQL database, in one snapshot, into a SQLite file at the same revision."""
    target = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(target, revision)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as source:
            source.execute(text("SET TRANSACTION READ ONLY"))
            with target.begin() as dst:
                _copy_rows(source, dst, echo)
            source.rollback()
    finally:
        target.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")


def inspect_backup(path: Path) -> BackupReport:
    """The revision and row counts of a backup file; BackupError when it is not a readable backup of this app."""
    shown = str(path)
    if not path.is_file():
        raise BackupError(f"there is no file {shown}")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{shown} is not a backup made by this app (not a SQLite file)")
    engine = _read_only(path)
    try:
        with engine.connect() as conn:
            check = conn.exec_driver_sql("PRAGMA quick_check").scalar()
            if check != "ok":
                raise BackupError(f"{shown} is damaged: {str(check)[:200]}")
            revision = _known_revision(_revision(conn), shown)
            return BackupReport(path, revision, _row_counts(conn, _reflect(conn)))
    finally:
        engine.dispose()


def restore(settings: Settings, path: Path, *, force: bool = False, echo: Echo | None = None) -> BackupReport:
    """Replace the configured database with a backup, migrated to this version's schema (all or nothing)."""
    path = path.expanduser().resolve()
    report = inspect_backup(path)
    if not force and has_data(settings):
        raise BackupError(f"the database at {settings.database_label} already has data; use --force to replace it")
    with staging_database(settings) as staged:
        staged_file = sqlite_path(staged)
        if staged_file is not None:
            staged.dispose()
            _remove_sqlite(staged_file)
            shutil.copyfile(path, staged_file)
        else:
            migrate.upgrade(staged, report.revision or "head")
            source = _read_only(path)
            try:
                with source.connect() as src, staged.begin() as dst:
                    _copy_rows(src, dst, echo)
            finally:
                source.dispose()
        migrate.upgrade(staged)
        with staged.connect() as conn:
            restored = BackupReport(path, _revision(conn), _row_counts(conn, _reflect(conn)))
    return restored

"""`exam backup FILE` and `exam restore FILE`: the whole database to one portable file and back."""

from __future__ import annotations

from pathlib import Path

import click

from exam.cli.common import settings


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Write a consistent copy of the database (SQLite or PostgreSQL) to FILE, while the app may run."""
    from exam.services import backup as service

    try:
        report = service.backup(settings(), file, echo=click.echo)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {report.path}: {report.summary()}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has data.")
def restore(file: Path, force: bool) -> None:
    """Replace the database with the backup in FILE, migrated to this version (all or nothing)."""
    from exam.services import backup as service

    config = settings()
    try:
        report = service.restore(config, file, force=force, echo=click.echo)
    except service.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {file} into {config.database_label}: {report.summary()}")

"""`exam bank ...` commands: validate, import, export, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from exam.cli.common import database_session

if TYPE_CHECKING:
    from exam.banks.problems import Problem


def _default_paths() -> tuple[Path, ...]:
    """The configured bank folder (EXAM_BANK_DIR; by default the banks shipped with the app)."""
    from exam.cli.common import settings

    return (settings().bank_dir,)


def _echo_problems(problems: list[Problem]) -> None:
    """One ``path:line: message`` line per problem, then a count on stderr."""
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found", err=True)


@click.group(name="bank")
def bank() -> None:
    """Question banks and job profiles."""


@bank.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check bank files (default: EXAM_BANK_DIR); print every problem as path:line: message."""
    from exam.banks.loader import read_bank

    loaded, problems = read_bank(paths or _default_paths())
    if problems:
        _echo_problems(problems)
        raise SystemExit(1)
    click.echo(f"ok: {len(loaded.questions)} questions, {len(loaded.profiles)} profiles in {len(loaded.files)} files")


@bank.command("import")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--note", default="import", show_default=True, help="Note stored with new versions.")
def import_command(paths: tuple[Path, ...], note: str) -> None:
    """Validate, then load the bank (default: EXAM_BANK_DIR) into the database in one transaction (all or nothing)."""
    from exam.banks.loader import read_bank
    from exam.banks.problems import BankInvalid
    from exam.services.bank_store import import_bank

    loaded, problems = read_bank(paths or _default_paths())
    try:
        if problems:
            raise BankInvalid(problems)
        with database_session() as session:
            report = import_bank(session, loaded, note=note)
    except BankInvalid as exc:
        _echo_problems(exc.problems)
        click.echo("nothing imported", err=True)
        raise SystemExit(1) from None
    click.echo(report.summary())


@bank.command("export")
@click.option(
    "--out",
    "out",
    default="question_banks_export",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into.",
)
def export_command(out: Path) -> None:
    """Write the database's current questions and profiles as YAML files under --out."""
    from exam.services.bank_store import export_bank

    with database_session() as session:
        files = export_bank(session)
    written = set()
    for relpath, text in files.items():
        target = out / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.add(target.resolve())
    click.echo(f"wrote {len(files)} files to {out}")
    others = [p for p in out.rglob("*") if p.suffix in (".yaml", ".yml") and p.resolve() not in written]
    if others:
        click.echo(
            f"note: {len(others)} other YAML files in {out} were left as they are; they may repeat "
            "exported ids (export into an empty directory to avoid that)",
            err=True,
        )


@bank.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of question files and profile files."""
    from exam.banks.schema import json_schemas

    click.echo(json.dumps(json_schemas(), ensure_ascii=False, indent=2))

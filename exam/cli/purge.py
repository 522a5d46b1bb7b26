"""`exam purge`: delete candidate data whose retention period is over (the background job does the same)."""

from __future__ import annotations

import click

from exam.cli.common import engine, settings


@click.command()
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete candidates' data of openings closed more than their retention_days ago (audited)."""
    from exam.services.data_rights import purge as run_purge

    report = run_purge(engine(settings()), dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb}: {report.attempts} attempts, {report.invitations} invitations, {report.candidates} "
        f"candidate accounts from {len(report.openings)} openings {report.openings}"
    )

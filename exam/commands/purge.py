"""`exam purge`: delete candidate data whose retention period is over (the background job does the same)."""
from __future__ import annotations

import click


@click.command()
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
def purge(dry_run: bool) -> None:
    """Delete candidates' data of openings closed more than their retention_days ago (audited)."""
    from sqlmodel import Session

    from exam.cli import _engine, _settings
    from exam.db import writer
    from exam.hiring.data_rights import purge_expired

    engine = _engine(_settings())
    with Session(writer(engine), expire_on_commit=False) as session:
        report = purge_expired(session, dry_run=dry_run)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb}: {report.attempts} attempts, {report.invitations} invitations, {report.candidates} "
               f"candidate accounts from {len(report.openings)} openings {report.openings}")

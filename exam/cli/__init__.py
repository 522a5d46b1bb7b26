"""The `exam` command: one group per concern; heavy modules are imported inside the commands that use them."""

from __future__ import annotations

import logging

import click

from exam.cli.backup import backup, restore
from exam.cli.bank import bank
from exam.cli.grade import calibrate, fit_scale, grade
from exam.cli.purge import purge
from exam.cli.server import demo, init, serve
from exam.cli.simulate import simulate
from exam.cli.stats import stats
from exam.cli.tokens import token
from exam.cli.users import user
from exam.cli.webhooks import webhooks


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="More log output.")
def main(verbose: bool) -> None:
    """Recruitment and skill-assessment exams for online-shop customer service (网店客服)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


for _command in (
    init,
    serve,
    demo,
    user,
    bank,
    grade,
    calibrate,
    fit_scale,
    simulate,
    purge,
    stats,
    backup,
    restore,
    webhooks,
    token,
):
    main.add_command(_command)

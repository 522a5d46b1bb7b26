"""`exam webhooks deliver`: send the webhook and group-robot deliveries that are due, once (the app does it too)."""

from __future__ import annotations

import click

from exam.cli.common import engine, settings


@click.group()
def webhooks() -> None:
    """Webhooks and group-chat robots (企业微信, 钉钉, 飞书)."""


@webhooks.command()
def deliver() -> None:
    """Send every delivery that is due now, with retries scheduled for the ones that fail."""
    from exam.services.webhook_delivery import deliver_due

    config = settings()
    report = deliver_due(engine(config), config)
    click.echo(f"delivered: {report.delivered}, will retry: {report.retrying}, failed: {report.failed}")

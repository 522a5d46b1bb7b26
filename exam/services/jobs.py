"""Background jobs started by the app: one explicit list; each job is safe to run in several processes at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from exam.services import api_tokens, data_rights, exports, mail, regrade, stats, sweep, webhook_delivery, webhooks
from exam.settings import Settings

log = logging.getLogger("exam.jobs")


@dataclass(frozen=True)
class Job:
    """A periodic job: what it runs and the setting that gives its interval in seconds."""

    name: str
    interval_setting: str
    run: Callable[[Engine, Settings], Any]
    # registers a callback for "there is work now" (returns its remover): the job then runs at once, not only
    # every interval
    woken_by: Callable[[Callable[[], None]], Callable[[], None]] | None = None


JOBS: tuple[Job, ...] = (
    Job("close_abandoned_attempts", "sweep_interval_seconds", lambda engine, settings: sweep.sweep(engine, settings)),
    Job("retention_purge", "sweep_interval_seconds", lambda engine, settings: data_rights.purge(engine)),
    Job("prune_api_token_uses", "sweep_interval_seconds", lambda engine, settings: api_tokens.prune_uses(engine)),
    Job("refresh_statistics", "stats_interval_seconds", stats.refresh),
    Job("send_invitation_emails", "smtp_interval_seconds", lambda engine, settings: mail.send_due(engine, settings)),
    Job(
        "deliver_webhooks",
        "webhook_interval_seconds",
        lambda engine, settings: webhook_delivery.deliver_due(engine, settings),
        woken_by=webhooks.on_new_deliveries,
    ),
    Job(
        "run_exports",
        "export_interval_seconds",
        exports.run_due_isolated,  # in a child process: the export's CPU work never holds this worker's GIL
        woken_by=exports.on_new_exports,
    ),
    Job("regrade_replies", "regrade_interval_seconds", regrade.run_due, woken_by=regrade.on_queued),
)


async def _loop(job: Job, engine: Engine, settings: Settings) -> None:
    interval = getattr(settings, job.interval_setting)
    wake = asyncio.Event()
    remove = None
    if job.woken_by is not None:
        loop = asyncio.get_running_loop()
        remove = job.woken_by(lambda: loop.call_soon_threadsafe(wake.set))
    try:
        while True:
            wake.clear()
            try:
                await asyncio.to_thread(job.run, engine, settings)
            except Exception:  # noqa: BLE001 - a failing job must not stop the loop
                log.exception("background job %s failed", job.name)
            try:
                await asyncio.wait_for(wake.wait(), timeout=interval)
            except TimeoutError:
                pass
    finally:
        if remove is not None:
            remove()


def start(engine: Engine, settings: Settings) -> list[asyncio.Task[None]]:
    """Start every job on the running event loop; cancel the tasks to stop them."""
    return [asyncio.create_task(_loop(job, engine, settings), name=job.name) for job in JOBS]

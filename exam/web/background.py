"""Background jobs started with the app (each one safe to run in several processes at once)."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from fastapi import FastAPI

log = logging.getLogger("exam.background")

# Jobs: (name, interval in seconds from settings attribute, function(app) -> None, run in a thread)
JOBS: list[tuple[str, str, Callable[[FastAPI], None]]] = []


def register(name: str, interval_setting: str) -> Callable[[Callable[[FastAPI], None]], Callable[[FastAPI], None]]:
    """Register a periodic job."""

    def deco(fn: Callable[[FastAPI], None]) -> Callable[[FastAPI], None]:
        JOBS.append((name, interval_setting, fn))
        return fn

    return deco


async def _loop(app: FastAPI, name: str, interval_setting: str, fn: Callable[[FastAPI], None]) -> None:
    interval = getattr(app.state.settings, interval_setting)
    while True:
        try:
            await asyncio.to_thread(fn, app)
        except Exception:  # noqa: BLE001 - a failing job must not stop the loop
            log.exception("background job %s failed", name)
        await asyncio.sleep(interval)


def start(app: FastAPI) -> list[asyncio.Task[None]]:
    """Start every registered job."""
    return [asyncio.create_task(_loop(app, *job)) for job in JOBS]



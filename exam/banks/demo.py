"""The demo's bank step: import the real question banks (settings.bank_dir) into the demo database."""
from __future__ import annotations

from typing import Any, Callable

from sqlmodel import Session

from exam.banks.loader import load_bank
from exam.banks.problems import BankInvalid
from exam.banks.store import import_bank
from exam.demo import DEMO_STEPS, DemoError
from exam.settings import Settings


def step(session: Session, settings: Settings, logins: Any, echo: Callable[[str], None]) -> None:
    """Load and import every question and job profile under settings.bank_dir (all or nothing)."""
    try:
        bank = load_bank([settings.bank_dir])
        report = import_bank(session, bank, None, "demo import")
    except BankInvalid as exc:
        shown = "\n".join(str(p) for p in exc.problems[:20])
        raise DemoError(f"the question bank in {settings.bank_dir} has problems; nothing was imported:\n{shown}") from None
    echo(f"question bank imported from {settings.bank_dir}: {report.summary()}")


if step not in DEMO_STEPS:
    DEMO_STEPS.append(step)

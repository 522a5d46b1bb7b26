"""`exam demo`: a fresh database with demo accounts, the shipped question banks and a graded demo opening.

The steps run in the order of ``STEPS``, each in its own transaction: fn(session, settings, logins, echo).
The demo is built aside (services.backup.staging_database) and replaces the configured database only
when every step has succeeded: a failure leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session

from exam.banks.loader import load_bank
from exam.banks.problems import BankInvalid
from exam.db import session_scope, transactional
from exam.migrate import upgrade
from exam.models import Role
from exam.services import accounts, backup, demo_candidates, demo_history, stats
from exam.services.bank_store import import_bank
from exam.settings import Settings

DEMO_ACCOUNTS = [
    ("admin", "admin", "Admin-demo-2026", "系统管理员"),
    ("hr", "hr", "Hr-demo-2026!", "王招聘"),
    ("trainer", "trainer", "Trainer-demo-2026", "李培训"),
    ("candidate", "candidate", "Candidate-demo-2026", "张应聘"),
    ("hr", "hr2", "Hr2-demo-2026!", "赵招聘"),  # a colleague: sees the demo opening only once hr shares it
]


class DemoError(RuntimeError):
    """The demo cannot be created (the message says why)."""


@dataclass
class DemoLogins:
    """What `exam demo` prints."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


Echo = Callable[[str], None]


@transactional
def accounts_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """One account of each role, with the printed passwords."""
    for role, username, password, name in DEMO_ACCOUNTS:
        accounts.create_user(session, username, Role(role), password, display_name=name)
        logins.accounts.append((role, username, password))
    logins.extra.append("  hr2 sees no opening until hr shares one (the opening's page, 岗位成员): try it")
    echo(f"  {len(DEMO_ACCOUNTS)} demo accounts created")


@transactional
def bank_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """Import every question and job profile under settings.bank_dir (all or nothing)."""
    try:
        bank = load_bank([settings.bank_dir])
        report = import_bank(session, bank, None, "demo import")
    except BankInvalid as exc:
        shown = "\n".join(str(p) for p in exc.problems[:20])
        raise DemoError(
            f"the question bank in {settings.bank_dir} has problems; nothing was imported:\n{shown}"
        ) from None
    echo(f"  question bank imported from {settings.bank_dir}: {report.summary()}")


@transactional
def opening_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """The demo opening with graded candidates and unused invitation links."""
    if not demo_candidates.ready(session):
        raise DemoError(f"the question bank in {settings.bank_dir} has no {demo_candidates.PROFILE_ID!r} profile")
    demo_candidates.create_opening(session, settings, logins, echo)


@transactional
def history_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """Last autumn's closed opening: a few hundred graded attempts, hires with outcomes, blind scores."""
    if not demo_history.ready(session):
        raise DemoError(f"the question bank in {settings.bank_dir} has no {demo_candidates.PROFILE_ID!r} profile")
    demo_history.create_history(session, settings, logins, echo)


def stats_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """Item statistics and reliability computed once, so that the first page loads are quick."""
    session.commit()  # the snapshots are written in a transaction of their own
    stored = stats.refresh(session.get_bind())  # type: ignore[arg-type]
    echo(f"statistics computed: {stored} snapshots")


STEPS: tuple[Callable[[Session, Settings, DemoLogins, Echo], None], ...] = (
    accounts_step,
    bank_step,
    history_step,
    opening_step,
    stats_step,
)
STEP_LABELS = {
    accounts_step: "accounts",
    bank_step: "question bank",
    history_step: "last autumn's closed opening with hires and their outcomes",
    opening_step: f"demo opening with {demo_candidates.FINISHED} graded candidates",
    stats_step: "item statistics and reliability",
}


def create_demo(settings: Settings, *, force: bool = False, echo: Echo = print) -> DemoLogins:
    """Build the demo aside and swap it in when complete; refuse to overwrite existing data unless forced."""
    if not force and backup.has_data(settings):
        raise DemoError(f"the database at {settings.database_label} already has data; use --force to replace it")
    logins = DemoLogins()
    try:
        with backup.staging_database(settings) as staging:
            upgrade(staging)
            for number, step in enumerate(STEPS, start=1):
                echo(f"[{number}/{len(STEPS)}] {STEP_LABELS.get(step, step.__name__)}")
                with session_scope(staging) as session:
                    step(session, settings, logins, echo)
            echo(f"replacing the database at {settings.database_label} with the demo")
    except backup.BackupError as exc:
        raise DemoError(str(exc)) from exc
    return logins

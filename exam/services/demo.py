"""`exam demo`: a fresh database with demo accounts, the shipped question banks and a graded demo opening.

The steps run in the order of ``STEPS``, each in its own transaction: fn(session, settings, logins, echo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, SQLModel

from exam.banks.loader import load_bank
from exam.banks.problems import BankInvalid
from exam.db import engine_for, session_scope, transactional
from exam.migrate import upgrade
from exam.models import Role
from exam.services import accounts, demo_candidates
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
    echo(f"demo accounts created in {settings.database_url}")


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
    echo(f"question bank imported from {settings.bank_dir}: {report.summary()}")


@transactional
def opening_step(session: Session, settings: Settings, logins: DemoLogins, echo: Echo) -> None:
    """The demo opening with graded candidates and unused invitation links."""
    if not demo_candidates.ready(session):
        raise DemoError(f"the question bank in {settings.bank_dir} has no {demo_candidates.PROFILE_ID!r} profile")
    demo_candidates.create_opening(session, settings, logins, echo)


STEPS: tuple[Callable[[Session, Settings, DemoLogins, Echo], None], ...] = (accounts_step, bank_step, opening_step)


def create_demo(settings: Settings, *, force: bool = False, echo: Echo = print) -> DemoLogins:
    """Build the demo database; refuse to overwrite existing data unless forced."""
    engine = engine_for(settings)
    upgrade(engine)
    with session_scope(engine, write=False) as session:
        has_data = accounts.list_users(session, limit=1) != []
    if has_data:
        if not force:
            raise DemoError(f"the database at {settings.database_url} already has data; use --force to replace it")
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
    logins = DemoLogins()
    for step in STEPS:
        with session_scope(engine) as session:
            step(session, settings, logins, echo)
    engine.dispose()
    return logins

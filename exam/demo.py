"""`exam demo`: a fresh database with demo accounts (and, as they exist, banks and exam data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlmodel import Session, SQLModel, select

from exam import accounts
from exam.db import engine_for, session_scope
from exam.migrate import upgrade
from exam.models import Role, User
from exam.settings import Settings

DEMO_ACCOUNTS = [
    ("admin", "admin", "Admin-demo-2026", "系统管理员"),
    ("hr", "hr", "Hr-demo-2026!", "王招聘"),
    ("trainer", "trainer", "Trainer-demo-2026", "李培训"),
    ("candidate", "candidate", "Candidate-demo-2026", "张应聘"),
]


class DemoError(RuntimeError):
    """The demo cannot be created (the message says why)."""


@dataclass
class DemoLogins:
    """What `exam demo` prints."""

    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


# Later parts (banks, openings, attempts) add themselves here: fn(session, settings, logins, echo).
DEMO_STEPS: list[Callable[..., None]] = []


def create_demo(settings: Settings, *, force: bool = False, echo: Callable[[str], None] = print) -> DemoLogins:
    """Build the demo database; refuse to overwrite existing data unless forced."""
    engine = engine_for(settings)
    upgrade(engine)
    with Session(engine) as session:
        existing = session.exec(select(User)).first()
    if existing is not None:
        if not force:
            raise DemoError(f"the database at {settings.database_url} already has data; use --force to replace it")
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(engine)
    logins = DemoLogins()
    with session_scope(engine) as session:
        for role, username, password, name in DEMO_ACCOUNTS:
            accounts.create_user(session, username, Role(role), password, display_name=name)
            logins.accounts.append((role, username, password))
    echo(f"demo accounts created in {settings.database_url}")
    _load_steps()
    for step in DEMO_STEPS:
        with session_scope(engine) as session:
            step(session, settings, logins, echo)
    engine.dispose()
    return logins


def _load_steps() -> None:
    """Import the modules that register demo steps."""
    import importlib

    for name in ("exam.banks.demo", "exam.exam_engine.demo"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):
                raise

"""Shared fixtures: an engine per test (in-memory SQLite, or PostgreSQL via EXAM_TEST_DATABASE_URL),
the app with its dependencies bound to that engine, a TestClient, users and a login helper."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import exam.models  # noqa: F401  (registers the tables)
from exam.app import create_app
from exam.db import make_engine
from exam.models import Role, User
from exam.services import accounts
from exam.settings import Settings

TEST_DATABASE_URL = os.environ.get("EXAM_TEST_DATABASE_URL", "")
PASSWORDS = {
    "admin": "Admin-test-pass-1",
    "hr": "Hr-test-pass-1",
    "trainer": "Trainer-test-pass-1",
    "candidate": "Candidate-test-pass-1",
}


def is_postgres() -> bool:
    """Whether the suite runs against PostgreSQL."""
    return TEST_DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine | None]:
    if not is_postgres():
        yield None
        return
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    """An empty SQLite database file with the schema, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    eng = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(eng)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return str(path)


@pytest.fixture
def engine(_pg_engine: Engine | None, _sqlite_template: str, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A clean database for one test: a SQLite file in WAL mode, or the PostgreSQL test database."""
    if _pg_engine is not None:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with _pg_engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        yield _pg_engine
        return
    db = tmp_path / "test.sqlite3"
    shutil.copyfile(_sqlite_template, db)
    eng = make_engine(f"sqlite:///{db}")
    yield eng
    eng.dispose()


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """Test settings (the database comes from the engine fixture)."""
    return Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=TEST_DATABASE_URL or "sqlite://",
        secret_key="test-secret-key-0123456789abcdef",
        bank_dir="question_banks",
    )


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def app(settings: Settings, engine: Engine):  # type: ignore[no-untyped-def]
    """The app bound to the test database, without background jobs."""
    return create_app(settings, engine=engine, run_background=False)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A browser-like client (cookies kept, redirects not followed)."""
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user: make_user("hr") or make_user("trainer", "t2", password="...")."""

    def _make(role: str, username: str | None = None, password: str | None = None, **kw) -> User:  # type: ignore[no-untyped-def]
        pw = (
            password
            if password is not None
            else (None if role == "candidate" and kw.pop("no_password", False) else PASSWORDS[role])
        )
        user = accounts.create_user(session, username or role, Role(role), pw, **kw)
        session.commit()
        return user

    return _make


CSRF_RE = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of a page (and so of the client's CSRF cookie)."""
    response = client.get(path)
    if response.status_code in (302, 303):
        response = client.get(response.headers["location"])
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def login(client: TestClient, username: str, password: str) -> object:
    """Sign in through the login form; returns the response."""
    token = csrf_of(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client: TestClient, make_user, session) -> Callable[[str], User]:  # type: ignore[no-untyped-def]
    """Create a user of a role (unless it exists) and sign the client in as that user."""

    def _login(role: str, username: str | None = None) -> User:
        user = accounts.get_user(session, username or role)
        session.commit()  # end this read: the app writes next (SQLite WAL snapshots)
        user = user or make_user(role, username or role)
        response = login(client, user.username, PASSWORDS[role])
        assert response.status_code == 303, response.text
        return user

    return _login

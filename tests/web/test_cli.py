"""The `exam` command: init, user management, demo; clear errors and exit codes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from exam.cli import main
from exam.db import make_engine
from exam.models import User


@pytest.fixture
def cli(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("EXAM_DATABASE_URL", url)
    monkeypatch.setenv("EXAM_DATA_DIR", str(tmp_path))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    run.url = url  # type: ignore[attr-defined]
    return run


def _users(url: str) -> dict[str, User]:
    engine = make_engine(url)
    with Session(engine) as s:
        users = {u.username: u for u in s.exec(select(User)).all()}
    engine.dispose()
    return users


def test_init_creates_admin_and_user_commands(cli) -> None:
    r = cli("init", "--admin", "boss", "--password", "Boss-pass-2026")
    assert r.exit_code == 0, r.output
    assert "admin 'boss' created" in r.output
    users = _users(cli.url)
    assert users["boss"].role == "admin" and users["boss"].password_hash.startswith("$argon2id$")
    assert cli("init").exit_code == 0  # idempotent migration

    assert cli("user", "add", "amy", "--role", "hr", "--password", "Amy-hr-pass-1").exit_code == 0
    dup = cli("user", "add", "amy", "--role", "hr", "--password", "Amy-hr-pass-1")
    assert dup.exit_code == 1 and "is taken" in dup.output
    weak = cli("user", "add", "bob", "--role", "trainer", "--password", "password")
    assert weak.exit_code == 1 and "password" in weak.output.lower()
    bad_role = cli("user", "add", "eve", "--role", "root", "--password", "Eve-pass-2026")
    assert bad_role.exit_code == 2

    old = _users(cli.url)["amy"].password_hash
    assert cli("user", "passwd", "amy", input="Amy-new-pass-2\n").exit_code == 0
    assert _users(cli.url)["amy"].password_hash != old
    assert cli("user", "disable", "amy").exit_code == 0
    assert _users(cli.url)["amy"].is_active is False
    assert cli("user", "enable", "amy").exit_code == 0
    missing = cli("user", "disable", "nobody")
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output
    listing = cli("user", "list")
    assert "boss" in listing.output and "amy" in listing.output


def test_demo_prints_logins_and_refuses_to_overwrite(cli) -> None:
    r = cli("demo")
    assert r.exit_code == 0, r.output
    from exam.services.demo import DEMO_ACCOUNTS

    for _role, username, password, _name in DEMO_ACCOUNTS:
        assert username in r.output and password in r.output
    again = cli("demo")
    assert again.exit_code == 1 and "--force" in again.output
    assert cli("demo", "--force").exit_code == 0
    assert set(_users(cli.url)) >= {"admin", "hr", "trainer", "candidate"}


def test_bad_settings_are_reported(monkeypatch) -> None:
    monkeypatch.setenv("EXAM_ENVIRONMENT", "production")
    monkeypatch.setenv("EXAM_SECRET_KEY", "changeme")
    r = CliRunner().invoke(main, ["user", "list"])
    assert r.exit_code == 1 and "EXAM_SECRET_KEY" in r.output

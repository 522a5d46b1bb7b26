"""`exam user ...`: create, change, disable, enable and list accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from exam.cli.common import engine, read_password, settings


@click.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "hr", "trainer", "candidate"]), required=True)
@click.option("--password", help="Prompted (or read from standard input) when omitted.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--email", default=None)
def user_add(username: str, role: str, password: str | None, display_name: str, email: str | None) -> None:
    """Create an account."""
    from exam.db import session_scope
    from exam.services import accounts

    pw = None if role == "candidate" and password is None else read_password(password)
    try:
        with session_scope(engine(settings())) as session:
            accounts.create_user(session, username, role, pw, display_name=display_name, email=email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{role} {username!r} created")


def _with_user(username: str, action: Callable[[Any, Any], None]) -> None:
    from exam.db import session_scope
    from exam.services import accounts

    try:
        with session_scope(engine(settings())) as session:
            target = accounts.get_user(session, username)
            if target is None:
                raise click.ClickException(f"no user {username!r}")
            action(session, target)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


@user.command("passwd")
@click.argument("username")
@click.option("--password", help="Prompted (or read from standard input) when omitted.")
def user_passwd(username: str, password: str | None) -> None:
    """Set a new password (ends the user's sessions)."""
    from exam.services import accounts

    pw = read_password(password, "New password")
    _with_user(username, lambda s, u: accounts.set_password(s, u, pw))
    click.echo(f"password of {username!r} changed")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable an account and end its sessions."""
    from exam.services import accounts

    _with_user(username, lambda s, u: accounts.set_active(s, u, False))
    click.echo(f"{username!r} disabled")


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Re-enable an account."""
    from exam.services import accounts

    _with_user(username, lambda s, u: accounts.set_active(s, u, True))
    click.echo(f"{username!r} enabled")


@user.command("list")
def user_list() -> None:
    """List accounts."""
    from exam.db import session_scope
    from exam.services import accounts

    with session_scope(engine(settings()), write=False) as session:
        for u in accounts.list_users(session):
            click.echo(f"{u.role:<10} {u.username:<20} {'active' if u.is_active else 'disabled'}")

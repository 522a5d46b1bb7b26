"""The `exam` command: init, serve, demo, user management, banks, grading."""
from __future__ import annotations

import getpass
import logging
import sys

import click
from sqlmodel import Session, select

from exam.settings import Settings


def _settings(database_url: str | None = None) -> Settings:
    kwargs = {"database_url": database_url} if database_url else {}
    try:
        return Settings(**kwargs)
    except Exception as exc:  # pydantic ValidationError: show the message, not a traceback
        raise click.ClickException(f"invalid settings: {exc}") from exc


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from exam.db import engine_for

    return engine_for(settings)


def _migrate(settings: Settings) -> None:
    from exam.migrate import upgrade

    engine = _engine(settings)
    try:
        upgrade(engine)
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"cannot migrate the database at {settings.database_url}: {exc}") from exc
    finally:
        engine.dispose()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="More log output.")
def main(verbose: bool) -> None:
    """Recruitment and skill-assessment exams for online-shop customer service (网店客服)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


def _read_password(password: str | None, prompt: str = "Password") -> str:
    if password is not None:
        return password
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\n")
        if not line:
            raise click.ClickException("no password given (use --password or type it on standard input)")
        return line
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass("Repeat: ") != first:
        raise click.ClickException("the two passwords differ")
    return first


@main.command()
@click.option("--database-url", help="Overrides EXAM_DATABASE_URL.")
@click.option("--admin", "admin_name", help="Create this first admin account.")
@click.option("--password", help="The admin's password (prompted when omitted).")
def init(database_url: str | None, admin_name: str | None, password: str | None) -> None:
    """Create or migrate the database; optionally create the first admin."""
    from exam import accounts
    from exam.db import session_scope
    from exam.models import Role, User

    settings = _settings(database_url)
    _migrate(settings)
    click.echo(f"database ready: {settings.database_url}")
    engine = _engine(settings)
    with Session(engine) as session:
        has_admin = session.exec(select(User).where(User.role == Role.admin)).first() is not None
    if admin_name is None and not has_admin and sys.stdin.isatty():
        admin_name = click.prompt("First admin user name", default="admin")
    if admin_name:
        pw = _read_password(password, f"Password for {admin_name}")
        try:
            with session_scope(engine) as session:
                accounts.create_user(session, admin_name, Role.admin, pw)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"admin {admin_name!r} created")
    elif not has_admin:
        click.echo("no admin account yet: run `exam init --admin NAME` or `exam user add NAME --role admin`")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--reload", is_flag=True, help="Reload on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Migrate the database, then serve the web app."""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.is_sqlite:
        click.echo("note: several workers on SQLite work, but PostgreSQL is the path for scale", err=True)
    settings.resolved_secret_key()  # generate once, before several workers race for it
    _migrate(settings)
    click.echo(f"serving on http://{host}:{port}/ (database: {settings.database_url})")
    uvicorn.run("exam.app:create_app", factory=True, host=host, port=port, workers=workers, reload=reload,
                proxy_headers=settings.trusted_proxies, log_level="info")


@main.command()
@click.option("--force", is_flag=True, help="Replace an existing database with the demo.")
@click.option("--serve", "then_serve", is_flag=True, help="Serve the app afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(force: bool, then_serve: bool, host: str, port: int) -> None:
    """Create a ready-to-try demo database and print how to log in."""
    from exam import demo as demo_mod

    settings = _settings()
    try:
        logins = demo_mod.create_demo(settings, force=force, echo=click.echo)
    except demo_mod.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("")
    click.echo(f"Demo ready. Open http://{host}:{port}/ and sign in:")
    for role, username, password in logins.accounts:
        click.echo(f"  {role:<10} {username:<12} {password}")
    for line in logins.extra:
        click.echo(line.format(base=f"http://{host}:{port}"))
    if then_serve:
        ctx = click.get_current_context()
        ctx.invoke(serve, host=host, port=port, workers=1, reload=False)


@main.group()
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
    from exam import accounts
    from exam.db import session_scope

    settings = _settings()
    pw = None if role == "candidate" and password is None else _read_password(password)
    try:
        with session_scope(_engine(settings)) as session:
            accounts.create_user(session, username, role, pw, display_name=display_name, email=email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{role} {username!r} created")


def _with_user(username: str, action) -> None:  # type: ignore[no-untyped-def]
    from exam import accounts
    from exam.db import session_scope

    try:
        with session_scope(_engine(_settings())) as session:
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
    from exam import accounts

    pw = _read_password(password, "New password")
    _with_user(username, lambda s, u: accounts.set_password(s, u, pw))
    click.echo(f"password of {username!r} changed")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable an account and end its sessions."""
    from exam import accounts

    _with_user(username, lambda s, u: accounts.set_active(s, u, False))
    click.echo(f"{username!r} disabled")


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Re-enable an account."""
    from exam import accounts

    _with_user(username, lambda s, u: accounts.set_active(s, u, True))
    click.echo(f"{username!r} enabled")


@user.command("list")
def user_list() -> None:
    """List accounts."""
    from exam.models import User

    with Session(_engine(_settings())) as session:
        for u in session.exec(select(User).order_by(User.role, User.username)).all():
            click.echo(f"{u.role:<10} {u.username:<20} {'active' if u.is_active else 'disabled'}")


def _register_subcommands() -> None:
    """Attach the bank and grading command groups."""
    from exam.commands.bank import bank
    from exam.commands.grade import grade

    main.add_command(bank)
    main.add_command(grade)
    from exam.commands.purge import purge  # issue 6: retention

    main.add_command(purge)
    try:
        from exam.commands.grade import calibrate
    except ImportError:
        return
    main.add_command(calibrate)


_register_subcommands()

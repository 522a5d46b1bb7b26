"""`exam init`, `exam serve` and `exam demo`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from exam.cli.common import engine, migrate, read_password, settings

if TYPE_CHECKING:
    from exam.settings import Settings


def public_base_url(config: Settings, host: str, port: int) -> str:
    """Where people reach the app: EXAM_BASE_URL, else the address served (a wildcard host as 127.0.0.1)."""
    if config.base_url:
        return config.base_url
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}"


@click.command()
@click.option("--database-url", help="Overrides EXAM_DATABASE_URL.")
@click.option("--admin", "admin_name", help="Create this first admin account.")
@click.option("--password", help="The admin's password (prompted when omitted).")
def init(database_url: str | None, admin_name: str | None, password: str | None) -> None:
    """Create or migrate the database; optionally create the first admin."""
    from exam.db import session_scope
    from exam.services import accounts

    config = settings(database_url)
    migrate(config)
    click.echo(f"database ready: {config.database_label}")
    eng = engine(config)
    with session_scope(eng, write=False) as session:
        has_admin = accounts.has_admin(session)
    if admin_name is None and not has_admin and sys.stdin.isatty():
        admin_name = click.prompt("First admin user name", default="admin")
    if admin_name:
        pw = read_password(password, f"Password for {admin_name}")
        try:
            with session_scope(eng) as session:
                accounts.create_user(session, admin_name, "admin", pw)
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"admin {admin_name!r} created")
    elif not has_admin:
        click.echo("no admin account yet: run `exam init --admin NAME` or `exam user add NAME --role admin`")


def default_workers() -> int:
    """One worker per core, at most 4 (EXAM_WORKERS overrides): each worker is one Python process on one core."""
    import os

    given = os.environ.get("EXAM_WORKERS", "").strip()
    if given.isdigit() and 1 <= int(given) <= 64:
        return int(given)
    return max(1, min(4, os.cpu_count() or 1))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes (default: one per core, at most 4; EXAM_WORKERS sets it too).",
)
@click.option("--reload", is_flag=True, help="Reload on code changes (development).")
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="A log line per request (default: EXAM_ACCESS_LOG, off; each line costs CPU under load).",
)
def serve(host: str, port: int, workers: int | None, reload: bool, access_log: bool | None) -> None:
    """Migrate the database, then serve the web app."""
    import uvicorn

    config = settings()
    explicit = workers is not None
    workers = 1 if reload else (workers or default_workers())
    if workers > 1 and config.is_sqlite and explicit:
        click.echo("note: several workers on SQLite work, but PostgreSQL is the path for scale", err=True)
    config.resolved_secret_key()  # generate once, before several workers race for it
    migrate(config)
    public = f", public address {config.base_url}/" if config.base_url else ""
    click.echo(f"serving on http://{host}:{port}/{public} (database: {config.database_label})")
    uvicorn.run(
        "exam.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=config.trusted_proxies,
        log_level="info",
        access_log=config.access_log if access_log is None else access_log,
        loop="auto",  # uvloop and httptools (uvicorn[standard]) when installed
        http="auto",
        timeout_keep_alive=75,  # longer than the exam page's pauses: no reconnect (or close race) per autosave
    )


@click.command()
@click.option("--force", is_flag=True, help="Replace an existing database with the demo.")
@click.option("--serve", "then_serve", is_flag=True, help="Serve the app afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(force: bool, then_serve: bool, host: str, port: int) -> None:
    """Create a ready-to-try demo database and print how to log in."""
    from exam.services import demo as demo_service

    config = settings()
    try:
        logins = demo_service.create_demo(config, force=force, echo=click.echo)
    except demo_service.DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    base = public_base_url(config, host, port)
    click.echo("")
    click.echo(f"Demo ready in {config.database_label}. Open {base}/ and sign in:")
    for role, username, password in logins.accounts:
        click.echo(f"  {role:<10} {username:<12} {password}")
    for line in logins.extra:
        click.echo(line.format(base=base))
    if not then_serve:
        options = "".join(
            f" --{name} {value}"
            for name, value, default in (("host", host, "127.0.0.1"), ("port", port, 8000))
            if value != default
        )
        click.echo(f"Start the app with: exam serve{options}")
    if then_serve:
        click.get_current_context().invoke(serve, host=host, port=port, workers=1, reload=False)

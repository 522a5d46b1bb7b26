"""`exam init`, `exam serve` and `exam demo`."""

from __future__ import annotations

import sys

import click

from exam.cli.common import engine, migrate, read_password, settings


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
    click.echo(f"database ready: {config.database_url}")
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


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--reload", is_flag=True, help="Reload on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Migrate the database, then serve the web app."""
    import uvicorn

    config = settings()
    if workers > 1 and config.is_sqlite:
        click.echo("note: several workers on SQLite work, but PostgreSQL is the path for scale", err=True)
    config.resolved_secret_key()  # generate once, before several workers race for it
    migrate(config)
    click.echo(f"serving on http://{host}:{port}/ (database: {config.database_url})")
    uvicorn.run(
        "exam.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=config.trusted_proxies,
        log_level="info",
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
    base = (config.base_url or f"http://{host}:{port}").rstrip("/")  # EXAM_BASE_URL for every printed link
    click.echo("")
    click.echo(f"Demo ready. Open {base}/ and sign in:")
    for role, username, password in logins.accounts:
        click.echo(f"  {role:<10} {username:<12} {password}")
    for line in logins.extra:
        click.echo(line.format(base=base))
    if then_serve:
        click.get_current_context().invoke(serve, host=host, port=port, workers=1, reload=False)

"""`exam token ...`: API tokens for scripts and deployments (create prints the token once; list; revoke)."""

from __future__ import annotations

import click

from exam.cli.common import engine, settings

SCOPE_CHOICES = ("invitations:write", "results:read", "decisions:write")


@click.group()
def token() -> None:
    """Manage API tokens (they act as their HR user on /api/v1/)."""


@token.command("create")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPE_CHOICES), help="Repeat.")
@click.option(
    "--expires-days", type=click.IntRange(1, 3650), default=None, help="Days until it expires (default never)."
)
@click.option("--name", default="command line", show_default=True, help="What uses the token.")
def token_create(username: str, scopes: tuple[str, ...], expires_days: int | None, name: str) -> None:
    """Create a token for an HR user and print it (it is shown only this once)."""
    from exam.db import session_scope
    from exam.services import api_tokens

    try:
        with session_scope(engine(settings())) as session:
            row, raw = api_tokens.create_token_for(session, username, name, scopes, expires_days)
    except api_tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"token {row.id} for {username!r} ({', '.join(row.scopes)}), shown once:", err=True)
    click.echo(raw)


@token.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    """List an HR user's tokens (never the tokens themselves)."""
    from exam.db import session_scope
    from exam.services import accounts, api_tokens

    with session_scope(engine(settings()), write=False) as session:
        user = accounts.get_user(session, username)
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        rows = [(t, api_tokens.token_state(t)) for t in api_tokens.tokens_of(session, user)]
    for row, state in rows:
        expires = row.expires_at.strftime("%Y-%m-%d") if row.expires_at else "never"
        used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
        click.echo(
            f"{row.id}\t{state}\t{row.prefix}…\t{row.name}\t{' '.join(row.scopes)}\texpires {expires}\tused {used}"
        )


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (from `exam token list`)."""
    from exam.db import session_scope
    from exam.services import api_tokens

    try:
        with session_scope(engine(settings())) as session:
            api_tokens.revoke_token(session, token_id)
    except api_tokens.TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"token {token_id} revoked")

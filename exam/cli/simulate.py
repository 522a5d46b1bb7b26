"""`exam simulate`: replay a scripted candidate against a reception simulation, without a browser."""

from __future__ import annotations

import json
from pathlib import Path

import click

from exam.cli.grade import BANK_DIR_HELP, default_bank_dir


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:d}:{whole % 60:02d}"


@click.command(name="simulate")
@click.argument("simulation_id")
@click.option(
    "--replies-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help='JSON list of {"at": seconds since the start, "customer": id, "text": "..."}.',
)
@click.option("--bank-dir", default=None, help=BANK_DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the replay as JSON (the contract other tools use).")
def simulate(simulation_id: str, replies_file: str, bank_dir: str | None, as_json: bool) -> None:
    """Play the replies against SIMULATION_ID: every customer's outcome, response times and messages, the figures."""
    from exam.banks.loader import read_bank
    from exam.simulation.replay import parse_replies, replay

    bank_dir = bank_dir or default_bank_dir()
    bank, problems = read_bank([bank_dir])
    sim = bank.questions.get(simulation_id)
    if sim is None or sim.type != "chat_simulation":
        known = sorted(q for q, m in bank.questions.items() if m.type == "chat_simulation")
        detail = "".join(f"\n  {p.path}:{p.line}: {p.message}" for p in problems[:20])
        raise click.ClickException(
            f"no valid reception simulation {simulation_id!r} in {bank_dir}"
            f" (simulations: {', '.join(known) or 'none'}){detail}"
        )
    try:
        data = json.loads(Path(replies_file).read_text(encoding="utf-8-sig"))
        replies = parse_replies(data)
        out = replay(sim, replies)  # type: ignore[arg-type]
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {replies_file}: {exc}") from exc
    except ValueError as exc:  # JSON syntax, the file's format, or a reply the desk refuses
        raise click.ClickException(f"{replies_file}: {exc}") from exc
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    metrics = out["metrics"]
    click.echo(f"{sim.id}: {len(replies)} replies, {len(out['customers'])} customers")
    for customer in out["customers"]:
        first = customer["first_response_s"]
        click.echo(
            f"\n{customer['id']} ({customer['name']}): {customer['outcome']}, order value {customer['order_value']:g}, "
            f"first response {'-' if first is None else f'{first:g} s'}"
        )
        for message in customer["messages"]:
            who = "customer " if message["from"] == "customer" else "candidate"
            click.echo(f"  {_clock(message['at'])} {who} {message['text']}")

    def shown(value: float | None, unit: str = "") -> str:
        return "-" if value is None else f"{value:g}{unit}"

    click.echo(
        f"\nreply rate {shown(metrics['reply_rate'])}, mean response {shown(metrics['mean_response_s'], ' s')}, "
        f"p90 {shown(metrics['p90_response_s'], ' s')}, conversion {shown(metrics['conversion_rate'])}, "
        f"order value {shown(metrics['order_value'])}, quality {shown(metrics['quality'])}"
    )

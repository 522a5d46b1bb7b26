"""`exam stats`: item statistics and paper reliability from the finished attempts in the database."""

from __future__ import annotations

import json
from typing import Any

import click

from exam.cli.common import database_session


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _text(report: dict[str, Any]) -> str:
    """The report as plain-text tables."""
    lines = [f"items ({report['attempts']} finished attempts; flags from {report['min_responses']} responses)"]
    width = max([len("question")] + [len(f"{i['question']} v{i['version']}") for i in report["items"]])
    lines.append(f"{'question':<{width}}  {'n':>4}  {'facility':>8}  {'discrim.':>8}  {'upper-lower':>11}  flags")
    for i in report["items"]:
        name = f"{i['question']} v{i['version']}"
        flags = ", ".join(f["code"] for f in i["flags"])
        lines.append(
            f"{name:<{width}}  {i['responses']:>4}  {_num(i['facility']):>8}  {_num(i['discrimination']):>8}  "
            f"{_num(i['upper_lower']):>11}  {flags}"
        )
    for paper in report["papers"]:
        lines.append("")
        lines.append(f"paper: opening {paper['opening']} {paper['title']!r} ({paper['attempts']} finished attempts)")
        rows = [(s["title"], s) for s in paper["sections"]] + [("whole exam", paper)]
        for name, fig in rows:
            method = fig.get("method") or "alpha"
            lines.append(
                f"  {name}: {method} {_num(fig.get(method))}, sem {_num(fig.get('sem'))} "
                f"({_num(fig.get('sem_percent'), 1)} points of 100), {fig.get('items')} items, n {fig.get('n')}"
                + (f" — {fig['reason']}" if fig.get("reason") else "")
            )
        hiring = paper["hiring"]
        lines.append(
            f"  hiring score: split-half alpha {_num(hiring.get('alpha'))}, sem {_num(hiring.get('sem'), 1)} points"
            + (f" — {hiring['reason']}" if hiring.get("reason") else "")
        )
    return "\n".join(lines)


@click.command()
@click.option("--opening", "opening_id", type=int, default=None, help="Only this opening's attempts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--min-responses", type=click.IntRange(2, 10_000), default=30, show_default=True, help="Responses before flagging."
)
def stats(opening_id: int | None, as_json: bool, min_responses: int) -> None:
    """Item statistics (facility, discrimination, responses, flags) and paper reliability (alpha or KR-20, SEM)."""
    from exam.services.stats import report as build

    with database_session() as session:
        try:
            report = build(session, opening_id, min_responses=min_responses)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else _text(report))

"""`exam grade ...` and `exam calibrate` commands (owned by the grading engine)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

BANK_DIR_HELP = "Bank directory (default: EXAM_BANK_DIR from the environment, else the banks shipped with the app)."


def default_bank_dir() -> str:
    """EXAM_BANK_DIR from the environment, else the shipped banks (these pure commands skip the full settings)."""
    from exam.resources import shipped_bank_dir

    return os.environ.get("EXAM_BANK_DIR") or str(shipped_bank_dir())


def _echo_json(data: Any) -> None:
    """Print ``data`` as one line of UTF-8 JSON."""
    click.echo(json.dumps(data, ensure_ascii=False))


def _read_text(path: str) -> str:
    """Read a UTF-8 text file (a BOM is allowed)."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc


@click.group(name="grade")
def grade() -> None:
    """Grade an answer with the pure grading engines."""


@grade.command("typing")
@click.option("--reference-file", required=True, type=click.Path(exists=True, dir_okay=False), help="The passage.")
@click.option("--typed-file", required=True, type=click.Path(exists=True, dir_okay=False), help="What was typed.")
@click.option("--seconds", required=True, type=float, help="Time taken, in seconds (> 0).")
def grade_typing_cmd(reference_file: str, typed_file: str, seconds: float) -> None:
    """Print typed, attempted, errors, net_chars, net_cpm, gross_cpm and accuracy as JSON."""
    from exam.grading.typing import grade_typing

    if seconds <= 0:
        raise click.BadParameter("must be positive", param_hint="--seconds")
    result = grade_typing(_read_text(reference_file), _read_text(typed_file), seconds)
    _echo_json(result.as_dict())


@dataclass(frozen=True)
class ReplyTask:
    """What grading a reply needs from a bank's reply question."""

    id: str
    rubric: Any
    facts: str
    messages: list[str]
    model_answers: list[str]


def _task(question: Any) -> ReplyTask:
    return ReplyTask(
        question.id,
        question.rubric,
        question.facts,
        list(question.messages),
        list(getattr(question, "model_answers", []) or []),
    )


def _one_reply_task(bank_dir: str, qid: str) -> ReplyTask | None:
    """The reply question ``qid`` validated on its own, from the one bank file that defines it (None if unsure).

    Grading one reply need not parse and validate the whole bank; the whole bank is read only when this
    finds nothing, so that the bank's problems can be reported.
    """
    from yaml.nodes import MappingNode, SequenceNode

    from exam.banks.loader import discover, display_path
    from exam.banks.validate import validate_document
    from exam.banks.yamlio import Document, decode, parse

    files, problems = discover([bank_dir])
    pattern = re.compile(rf"^\s*(?:-\s*)?id:\s*['\"]?{re.escape(qid)}['\"]?\s*(?:#.*)?$", re.M)
    defining = [f for f in files if pattern.search(f.read_text(encoding="utf-8-sig", errors="replace"))]
    if problems or len(defining) != 1:
        return None
    document = parse(decode(defining[0].read_bytes()))
    root, data = document.node, document.data
    if not isinstance(root, MappingNode) or not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return None
    for key, value in root.value:
        if key.value != "questions" or not isinstance(value, SequenceNode):
            continue
        for item_node, item in zip(value.value, data["questions"]):
            if isinstance(item, dict) and str(item.get("id")) == qid:
                alone = SequenceNode(value.tag, [item_node], value.start_mark, value.end_mark)
                node = MappingNode(root.tag, [(key, alone)], root.start_mark, root.end_mark)
                result = validate_document(display_path(defining[0]), Document(node, {"questions": [item]}))
                valid = [
                    e.model for e in result.questions if e.model.id == qid and getattr(e.model, "type", "") == "reply"
                ]
                return _task(valid[0]) if valid and not result.problems else None
    return None


def _load_reply_tasks(bank_dir: str, wanted: list[str] | None = None) -> tuple[dict[str, ReplyTask], list[str]]:
    """The valid reply questions of a bank directory by id, and the problems as text (only ``wanted`` if given)."""
    from exam.banks.loader import read_bank

    if wanted and len(wanted) == 1 and (task := _one_reply_task(bank_dir, wanted[0])) is not None:
        return {task.id: task}, []
    bank, problems = read_bank([bank_dir])
    tasks = {qid: _task(q) for qid, q in bank.questions.items() if getattr(q, "type", None) == "reply"}
    return tasks, [f"{p.path}:{p.line}: {p.message}" for p in problems]


def _require(tasks: dict[str, ReplyTask], problems: list[str], wanted: list[str], bank_dir: str) -> None:
    """Fail with the bank's problems when a wanted reply question is missing or invalid."""
    missing = [qid for qid in wanted if qid not in tasks]
    if missing:
        detail = "".join(f"\n  {p}" for p in problems[:20])
        raise click.ClickException(f"no valid reply question in {bank_dir} for: {', '.join(missing)}{detail}")


@grade.command("reply")
@click.argument("question_id")
@click.option("--text-file", required=True, type=click.Path(exists=True, dir_okay=False), help="The reply.")
@click.option("--bank-dir", default=None, help=BANK_DIR_HELP)
def grade_reply_cmd(question_id: str, text_file: str, bank_dir: str | None) -> None:
    """Print the rubric score (0-100) with per-criterion points and evidence as JSON."""
    from exam.grading.rubric import grade_reply

    bank_dir = bank_dir or default_bank_dir()
    tasks, problems = _load_reply_tasks(bank_dir, [question_id])
    _require(tasks, problems, [question_id], bank_dir)
    task = tasks[question_id]
    result = grade_reply(
        task.rubric,
        _read_text(text_file),
        facts=task.facts,
        messages=task.messages,
        model_answers=task.model_answers,
        question=question_id,
    )
    _echo_json(result.as_dict())


def default_calibration_file() -> Path:
    """The public scored replies shipped inside the package."""
    from exam.resources import DATA_DIR

    return DATA_DIR / "calibration" / "replies.public.jsonl"


@click.command(name="calibrate")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--bank-dir", default=None, help=BANK_DIR_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--details", is_flag=True, help="Also list every reply with both scores.")
def calibrate(file: str | None, bank_dir: str | None, as_json: bool, details: bool) -> None:
    """Grade scored replies (default: the public set); print QWK, Spearman and MAE against the raters."""
    from exam.grading.calibration import calibrate as calibrate_pairs
    from exam.grading.calibration import load_scored_replies, to_scale10
    from exam.grading.rubric import grade_reply

    bank_dir = bank_dir or default_bank_dir()
    path = Path(file) if file else default_calibration_file()
    try:
        rows = load_scored_replies(path)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    tasks, problems = _load_reply_tasks(bank_dir)
    _require(tasks, problems, sorted({r["scenario"] for r in rows}), bank_dir)
    pairs: list[tuple[float, float, str]] = []
    lines: list[dict[str, Any]] = []
    for row in rows:
        task = tasks[row["scenario"]]
        result = grade_reply(
            task.rubric, row["text"], facts=task.facts, messages=task.messages, model_answers=task.model_answers
        )
        pairs.append((result.score, float(row["score"]), row["scenario"]))
        lines.append(
            {
                "id": row.get("id"),
                "scenario": row["scenario"],
                "score": result.score,
                "predicted": to_scale10(result.score),
                "human": row["score"],
                "flags": result.flags,
            }
        )
    report = calibrate_pairs(pairs)
    if as_json:
        out = {"file": str(path), **report.as_dict()}
        if details:
            out["replies"] = lines
        _echo_json(out)
        return
    click.echo(f"{len(rows)} scored replies from {path}")
    click.echo(report.table())
    if details:
        click.echo("")
        for line in lines:
            flags = ",".join(line["flags"])
            click.echo(
                f"{line['id']!s:<8} {line['scenario']:<28} {line['score']:5.1f} -> {line['predicted']:>2}"
                f"  human {line['human']:>4}  {flags}"
            )


@click.command(name="fit-scale")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--name", required=True, help="Name of the calibration (the file is <name>.json).")
@click.option(
    "--holdout",
    "holdouts",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Scored replies not fitted on, measured and used in leave-one-scenario-out (repeatable).",
)
@click.option(
    "--min-block",
    default=8,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Fewest replies behind each fitted point.",
)
@click.option("--bank-dir", default=None, help=BANK_DIR_HELP)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the calibration JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def fit_scale(
    files: tuple[str, ...],
    name: str,
    holdouts: tuple[str, ...],
    min_block: int,
    bank_dir: str | None,
    out: str | None,
    as_json: bool,
) -> None:
    """Fit a monotone calibration of the rubrics' raw points on scored replies; check it on the holdouts and by
    leave-one-scenario-out (fit on every scenario but one, measure the one left out)."""
    from exam.grading.calibration import calibrate as calibrate_pairs
    from exam.grading.calibration import load_scored_replies
    from exam.grading.scale_fit import fit_calibration, grade_rows, leave_one_scenario_out, training_pairs

    def read(path: str) -> list[dict[str, Any]]:
        """Scored replies of one file, each tagged with its file's name."""
        try:
            rows = load_scored_replies(path)
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"cannot read {path}: {exc}") from exc
        return [dict(r, set=Path(path).name) for r in rows]

    fit_rows = [r for f in files for r in read(f)]
    held_rows = [r for f in holdouts for r in read(f)]
    bank_dir = bank_dir or default_bank_dir()
    tasks, problems = _load_reply_tasks(bank_dir)
    _require(tasks, problems, sorted({r["scenario"] for r in fit_rows + held_rows}), bank_dir)
    raw = grade_rows(tasks, fit_rows, None)
    pairs = training_pairs(tasks, fit_rows, raw)
    fitted = fit_calibration(name, pairs, min_block=min_block, fitted_on=[Path(f).name for f in files])
    figures: dict[str, Any] = {}
    for path in (*files, *holdouts):
        rows = [r for r in fit_rows + held_rows if r["set"] == Path(path).name]
        before = calibrate_pairs(
            (g.score, r["score"], r["scenario"]) for g, r in zip(grade_rows(tasks, rows, None), rows)
        )
        after = calibrate_pairs(
            (g.score, r["score"], r["scenario"]) for g, r in zip(grade_rows(tasks, rows, fitted), rows)
        )
        figures[Path(path).name] = {"raw": before.overall.as_dict(), "calibrated": after.overall.as_dict()}
    all_rows = fit_rows + held_rows
    loso = leave_one_scenario_out(tasks, all_rows, min_block=min_block)
    checks = {
        "files": figures,
        "loso": {
            "overall": loso.report.overall.as_dict(),
            "scenarios": {s: m.as_dict() for s, m in loso.report.groups.items()},
            "files": {k: v.overall.as_dict() for k, v in loso.by_set(all_rows).items()},
        },
    }
    result = replace(fitted, checks=checks)
    if out:
        Path(out).write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        _echo_json(result.as_dict())
        return
    click.echo(f"{name}: isotonic on {len(pairs)} uncapped of {len(fit_rows)} replies ({', '.join(result.fitted_on)})")
    click.echo("raw -> calibrated: " + ", ".join(f"{x:g}->{y:g}" for x, y in result.points))
    for file, fig in figures.items():
        b, a = fig["raw"], fig["calibrated"]
        click.echo(f"{file:<28} QWK {b['qwk']:.4f} -> {a['qwk']:.4f}   MAE {b['mae']:.3f} -> {a['mae']:.3f}")
    click.echo(f"leave-one-scenario-out over {len(all_rows)} replies:")
    click.echo(loso.report.table())

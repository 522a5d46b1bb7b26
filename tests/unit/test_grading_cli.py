"""`exam grade typing` and `exam grade reply` through the click commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from exam.cli.grade import grade

ROOT = Path(__file__).parents[2]


def test_grade_typing_prints_the_contract(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("您好,欢迎光临", "utf-8")
    (tmp_path / "t.txt").write_text("您好，欢 迎光临本店\n", "utf-8")
    result = CliRunner().invoke(
        grade,
        [
            "typing",
            "--reference-file",
            str(tmp_path / "r.txt"),
            "--typed-file",
            str(tmp_path / "t.txt"),
            "--seconds",
            "60",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "typed": 9,
        "attempted": 7,
        "errors": 2,
        "net_chars": 7,
        "net_cpm": 7.0,
        "gross_cpm": 9.0,
        "accuracy": 0.7778,
    }


def test_grade_typing_rejects_zero_seconds(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("a", "utf-8")
    result = CliRunner().invoke(
        grade,
        [
            "typing",
            "--reference-file",
            str(tmp_path / "r.txt"),
            "--typed-file",
            str(tmp_path / "r.txt"),
            "--seconds",
            "0",
        ],
    )
    assert result.exit_code != 0


def test_grade_reply_prints_the_contract(tmp_path: Path) -> None:
    f = tmp_path / "reply.txt"
    f.write_text(
        "亲,理解您着急的心情。包裹5天前已交给中通,在中转站滞留了2天,我马上联系中通催件,有进展第一时间告诉您。", "utf-8"
    )
    result = CliRunner().invoke(
        grade, ["reply", "reply.logistics.delay", "--text-file", str(f), "--bank-dir", str(ROOT / "question_banks")]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["question"] == "reply.logistics.delay"
    assert 0 <= out["score"] <= 100 and out["score"] >= 70
    assert [c["id"] for c in out["criteria"]] == ["courtesy", "empathy", "solve", "taboo", "honesty", "fit"]
    for c in out["criteria"]:
        assert set(c) >= {"id", "label", "points", "max", "evidence"}
        for e in c["evidence"]:
            if e["start"] is not None:
                assert f.read_text("utf-8")[e["start"] : e["end"]] == e["text"]


def test_grade_reply_unknown_question(tmp_path: Path) -> None:
    f = tmp_path / "reply.txt"
    f.write_text("您好", "utf-8")
    result = CliRunner().invoke(
        grade, ["reply", "reply.nope", "--text-file", str(f), "--bank-dir", str(ROOT / "question_banks")]
    )
    assert result.exit_code != 0 and "reply.nope" in result.output


def test_commands_are_wired_into_the_main_group() -> None:
    from exam.cli import main

    assert "grade" in main.commands and "calibrate" in main.commands

"""The fast paths of quick commands give the same answers as the slow ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from exam.banks.loader import read_bank
from exam.cli.grade import _load_reply_tasks, _one_reply_task, grade

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "question_banks"


def test_one_reply_question_read_alone_equals_the_whole_bank_read() -> None:
    bank, _problems = read_bank([BANK])
    reply_ids = sorted(qid for qid, q in bank.questions.items() if q.type == "reply")
    assert len(reply_ids) >= 15
    everything, _ = _load_reply_tasks(str(BANK))
    for qid in reply_ids:
        alone = _one_reply_task(str(BANK), qid)
        assert alone == everything[qid], qid


def test_a_broken_question_is_reported_with_its_place(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(BANK / "replies", bank / "replies")
    target = bank / "replies" / "aftersale.yaml"
    text = target.read_text("utf-8")
    start = text.index("- id: reply.logistics.delay")
    broken = text[:start] + text[start:].replace("  max_chars: 500", "  max_chars: lots", 1)
    target.write_text(broken, "utf-8")
    assert _one_reply_task(str(bank), "reply.logistics.delay") is None
    reply = tmp_path / "reply.txt"
    reply.write_text("亲，您好！", "utf-8")
    result = CliRunner().invoke(
        grade, ["reply", "reply.logistics.delay", "--text-file", str(reply), "--bank-dir", str(bank)]
    )
    assert result.exit_code == 1
    assert "no valid reply question" in result.output and "aftersale.yaml:" in result.output


@pytest.mark.parametrize("qid", ["reply.logistics.delay"])
def test_grade_reply_from_any_folder_uses_the_shipped_bank(qid: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXAM_BANK_DIR", raising=False)
    reply = tmp_path / "reply.txt"
    reply.write_text("亲，您好！非常抱歉让您久等了，包裹因暴雨滞留，预计明天发出，我会一直帮您跟进。", "utf-8")
    result = CliRunner().invoke(grade, ["reply", qid, "--text-file", str(reply)])
    assert result.exit_code == 0, result.output
    assert f'"question": "{qid}"' in result.output

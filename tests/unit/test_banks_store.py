"""Bank <-> database: all-or-nothing import, versions, retiring, history, diffs, export round trip, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exam.banks.loader import load_bank, validate_paths
from exam.banks.problems import BankInvalid
from exam.cli.bank import bank as bank_cli
from exam.db import session_scope
from exam.models import AuditLog, JobProfile, JobProfileVersion, Question, QuestionVersion
from exam.questions.registry import export_question
from exam.services import bank_store as store
from tests.unit.test_banks_validate import BAD, BAD_FILES, BAD_PROFILES, GOOD, GOOD_QUESTIONS

TABLES = (Question, QuestionVersion, JobProfile, JobProfileVersion, AuditLog)


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of the bank tables (and the audit log), for before/after comparisons."""
    with Session(engine) as session:
        return {
            table.__name__: sorted((row.model_dump() for row in session.exec(select(table)).all()), key=repr)
            for table in TABLES
        }


def import_good(engine: Engine, paths: list[Path] | None = None) -> store.ImportReport:
    """Import the good bank in one committed transaction."""
    with session_scope(engine) as session:
        return store.import_paths(session, paths or [GOOD])


def edited_copy(tmp_path: Path) -> Path:
    """A copy of the good bank in which t.sc.duty's stem was edited."""
    target = tmp_path / "bank"
    shutil.copytree(GOOD, target)
    basics = target / "choice" / "basics.yaml"
    basics.write_text(
        basics.read_text(encoding="utf-8").replace("售前客服的主要职责是什么？", "售前客服最主要的职责是什么？"),
        encoding="utf-8",
    )
    return target


def test_import_creates_questions_versions_and_profiles(engine: Engine) -> None:
    report = import_good(engine)
    assert len(report.created) == 12 and report.updated == [] and report.unchanged == []
    assert report.profiles_created == ["t.presale"]
    assert report.summary() == (
        "questions: 12 created, 0 updated, 0 unchanged; profiles: 1 created, 0 updated, 0 unchanged"
    )
    with Session(engine) as session:
        duty = session.get(Question, "t.sc.duty")
        assert (duty.type, duty.status, duty.current_version, duty.difficulty) == ("single_choice", "active", 1, 1)
        assert duty.topics == " presale_flow " and duty.title == "售前客服的主要职责是什么？"
        assert session.get(Question, "t.tf.retired").status == "retired"
        assert session.get(Question, "t.reply.delay").stage == "aftersale"
        [version] = store.question_history(session, "t.sc.duty")
        assert version.content == export_question(load_bank([GOOD]).questions["t.sc.duty"])
        assert version.content_hash == store.content_hash(version.content)
        assert session.get(JobProfile, "t.presale").title == "售前客服（测试）"
        audit = session.exec(select(AuditLog).where(AuditLog.target_id == "t.sc.duty")).all()
        assert [a.action for a in audit] == ["question.create"]


def test_reimport_of_unchanged_content_creates_nothing(engine: Engine) -> None:
    import_good(engine)
    before = snapshot(engine)
    report = import_good(engine)
    assert len(report.unchanged) == 12 and report.profiles_unchanged == ["t.presale"]
    assert report.created == report.updated == []
    assert snapshot(engine) == before


def test_edit_makes_version_two_and_history_and_diff_show_it(engine: Engine, tmp_path: Path) -> None:
    import_good(engine)
    report = import_good(engine, [edited_copy(tmp_path)])
    assert report.updated == ["t.sc.duty"] and len(report.unchanged) == 11
    with Session(engine) as session:
        row = session.get(Question, "t.sc.duty")
        assert row.current_version == 2 and row.title == "售前客服最主要的职责是什么？"
        v1, v2 = store.question_history(session, "t.sc.duty")
        assert (v1.version, v2.version) == (1, 2) and v1.content_hash != v2.content_hash
        assert store.load_question(session, "t.sc.duty", 1).stem == "售前客服的主要职责是什么？"
        assert store.load_question(session, "t.sc.duty").stem == "售前客服最主要的职责是什么？"
        diff = store.diff_versions(v1, v2)
    assert diff[:2] == ["--- t.sc.duty v1", "+++ t.sc.duty v2"]
    assert "-stem: 售前客服的主要职责是什么？" in diff and "+stem: 售前客服最主要的职责是什么？" in diff
    assert sum(line.startswith(("-", "+")) for line in diff[2:] if not line.startswith(("---", "+++"))) == 2


def test_save_question_versions_only_real_changes(engine: Engine) -> None:
    import_good(engine)
    with session_scope(engine) as session:
        data = export_question(store.load_question(session, "t.tf.privacy"))
        same = store.save_question(session, dict(data), actor_id=None)
        assert same.version == 1
        changed = store.save_question(session, data | {"difficulty": 2}, actor_id=None, note="harder")
        assert (changed.version, changed.note) == (2, "harder")
        new = store.save_question(session, data | {"id": "t.tf.new"})
        assert new.version == 1 and session.get(Question, "t.tf.new") is not None
    with Session(engine) as session:
        assert session.get(Question, "t.tf.privacy").current_version == 2
        assert session.get(Question, "t.tf.privacy").difficulty == 2


def test_save_question_rejects_invalid_data_and_type_changes(engine: Engine) -> None:
    import_good(engine)
    before = snapshot(engine)
    with session_scope(engine) as session:
        data = export_question(store.load_question(session, "t.sc.duty"))
        data["options"][0]["correct"] = True
        with pytest.raises(BankInvalid) as info:
            store.save_question(session, data)
        assert info.value.problems[0].message == (
            "single_choice question 't.sc.duty' has 2 correct options (a, d); exactly one is required"
        )
        tf = export_question(store.load_question(session, "t.tf.privacy")) | {"id": "t.sc.duty"}
        with pytest.raises(BankInvalid, match="stored as a single_choice question; its type cannot change"):
            store.save_question(session, tf)
    assert snapshot(engine) == before


def test_retire_keeps_history_and_hides_from_papers(engine: Engine) -> None:
    import_good(engine)
    with session_scope(engine) as session:
        assert store.bank_warnings(session) == []
        version = store.retire_question(session, "t.tf.privacy", note="outdated")
        assert version.version == 2 and version.content["status"] == "retired"
        again = store.retire_question(session, "t.tf.privacy")
        assert again.version == 2  # already retired: nothing new
    with Session(engine) as session:
        assert session.get(Question, "t.tf.privacy").status == "retired"
        assert [v.version for v in store.question_history(session, "t.tf.privacy")] == [1, 2]
        assert store.load_question(session, "t.tf.privacy", 1).status == "active"
        bank = store.current_bank(session)
        assert bank.questions["t.tf.privacy"].status == "retired"
        # the profile draws 2 true_false questions; only one active one is left
        [warning] = store.bank_warnings(session)
        assert "asks for 2 questions (true_false) but the bank holds only 1 active ones" in warning
        audit = session.exec(select(AuditLog).where(AuditLog.target_id == "t.tf.privacy")).all()
        assert [a.action for a in audit] == ["question.create", "question.update"]
        assert audit[1].comment == "outdated"
    with session_scope(engine) as session:
        store.set_status(session, "t.tf.privacy", "active")
    with Session(engine) as session:
        assert session.get(Question, "t.tf.privacy").current_version == 3


def test_export_then_import_is_identical(engine: Engine, tmp_path: Path) -> None:
    import_good(engine, [edited_copy(tmp_path)])
    with Session(engine) as session:
        files = store.export_bank(session)
    assert sorted(files) == [
        "choice/insale.yaml",
        "choice/kpi.yaml",
        "choice/presale_flow.yaml",
        "choice/principles.yaml",
        "choice/privacy.yaml",
        "profiles/t.presale.yaml",
        "replies/aftersale.yaml",
        "replies/bargaining.yaml",
        "typing/standard_phrases.yaml",
    ]
    out = tmp_path / "export"
    for relpath, text in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_text(text, encoding="utf-8")
    assert validate_paths([out]) == []
    principles = files["choice/principles.yaml"]
    assert "  - id: t.sc.empathy\n    type: single_choice\n    topics: [principles]\n" in principles
    assert "      - {id: a, text: 站在顾客的角度去想问题, correct: true}\n" in principles
    assert "passage: |\n" in files["typing/standard_phrases.yaml"]
    before = snapshot(engine)
    report = import_good(engine, [out])
    assert len(report.unchanged) == 12 and report.profiles_unchanged == ["t.presale"]
    assert snapshot(engine) == before
    with Session(engine) as session:
        assert store.export_bank(session) == files


def test_export_reproduces_the_source_content(engine: Engine, tmp_path: Path) -> None:
    import_good(engine)
    with Session(engine) as session:
        files = store.export_bank(session)
    out = tmp_path / "export"
    for relpath, text in files.items():
        (out / relpath).parent.mkdir(parents=True, exist_ok=True)
        (out / relpath).write_text(text, encoding="utf-8")
    assert load_bank([out]).questions == load_bank([GOOD]).questions
    assert load_bank([out]).profiles == load_bank([GOOD]).profiles


BAD_IMPORTS = (
    [[BAD / name] for name, _, _ in BAD_FILES]
    + [[BAD / "several_problems.yaml"]]
    + [[*GOOD_QUESTIONS, BAD / "profiles" / name] for name, _, _ in BAD_PROFILES]
)


@pytest.mark.parametrize("paths", BAD_IMPORTS, ids=[p[-1].name for p in BAD_IMPORTS])
def test_importing_a_malformed_bank_changes_nothing(engine: Engine, tmp_path: Path, paths: list[Path]) -> None:
    import_good(engine)
    before = snapshot(engine)
    edited = edited_copy(tmp_path) / "choice"  # a valid change that must not be written either
    with pytest.raises(BankInvalid) as info:
        with session_scope(engine) as session:
            store.import_paths(session, [edited, *paths])
    assert info.value.problems
    assert snapshot(engine) == before


def test_a_failure_halfway_through_rolls_everything_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_good(engine)
    before = snapshot(engine)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "store_profile", boom)
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            store.import_paths(session, [edited_copy(tmp_path)])  # t.sc.duty v2 is written before the profile
    assert snapshot(engine) == before


def test_a_type_change_is_refused_before_anything_is_written(engine: Engine, tmp_path: Path) -> None:
    import_good(engine)
    before = snapshot(engine)
    target = edited_copy(tmp_path)
    basics = target / "choice" / "basics.yaml"
    basics.write_text(
        basics.read_text(encoding="utf-8").replace("id: t.sc.empathy\n", "id: t.sc.empathy.renamed\n"), encoding="utf-8"
    )
    (target / "choice" / "zz.yaml").write_text(
        "questions:\n"
        "  - id: t.sc.empathy\n"
        "    type: true_false\n"
        "    topics: [principles]\n"
        "    difficulty: 1\n"
        "    source: {seed: 000_e5723416190840f8.txt, section: 换位思考}\n"
        "    stem: 换位思考就是站在顾客的角度想问题。\n"
        "    answer: true\n"
        "    explanation: 同一个 id 不能换成另一种题型。\n",
        encoding="utf-8",
    )
    bank = load_bank([target])
    with pytest.raises(BankInvalid) as info:
        with session_scope(engine) as session:
            store.import_bank(session, bank)
    [problem] = info.value.problems
    assert (Path(problem.path).name, problem.line) == ("zz.yaml", 3)
    assert problem.message == (
        "question 't.sc.empathy' is stored as a single_choice question; its type cannot "
        "change to true_false (give the new question a new id)"
    )
    assert snapshot(engine) == before


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_import_export_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAM_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("EXAM_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(bank_cli, ["import", str(GOOD)])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith(
        "questions: 12 created, 0 updated, 0 unchanged; profiles: 1 created, 0 updated, 0 unchanged"
    )
    bad = runner.invoke(bank_cli, ["import", str(edited_copy(tmp_path)), str(BAD / "single_two_correct.yaml")])
    assert bad.exit_code == 1
    assert "single_two_correct.yaml:8: single_choice question 'bad.two_correct' has 2 correct options" in bad.stdout
    assert "nothing imported" in bad.stderr
    out = tmp_path / "out"
    exported = runner.invoke(bank_cli, ["export", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout.strip().endswith(f"wrote 9 files to {out}")
    again = runner.invoke(bank_cli, ["import", str(out)])
    assert again.exit_code == 0
    assert again.stdout.strip().endswith(
        "questions: 0 created, 0 updated, 12 unchanged; profiles: 0 created, 0 updated, 1 unchanged"
    )


def test_cli_export_notes_other_yaml_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXAM_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(bank_cli, ["import", str(GOOD / "typing")]).exit_code == 0
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "old" / "stale.yaml").write_text("questions: []\n", encoding="utf-8")
    result = runner.invoke(bank_cli, ["export", "--out", str(out)])
    assert result.exit_code == 0
    assert (out / "typing" / "standard_phrases.yaml").is_file()
    assert "note: 1 other YAML files" in result.stderr

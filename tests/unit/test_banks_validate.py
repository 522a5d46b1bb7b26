"""The bank validator: every malformed fixture gives its exact line and message; the CLI contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from exam.banks.loader import load_bank, read_bank, validate_paths
from exam.banks.problems import BankInvalid
from exam.cli.bank import bank as bank_cli

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good_bank"
BAD = DATA / "bad_banks"
GOOD_QUESTIONS = [GOOD / "choice", GOOD / "typing", GOOD / "replies"]

# (fixture file under bad_banks/, expected 1-based line, expected message fragment)
BAD_FILES = [
    (
        "yaml_syntax.yaml",
        7,
        "YAML syntax error: expected ',' or '}', but got ':' (while parsing a flow mapping at line 6)",
    ),
    ("not_utf8.yaml", 7, "file is not valid UTF-8"),
    ("empty.yaml", 1, "file is empty"),
    ("top_level_key.yaml", 2, "unknown top-level key 'question' (did you mean 'questions'?)"),
    ("top_level_list.yaml", 1, "the top level must be a mapping with the key 'questions' or 'profile', found a list"),
    ("questions_not_list.yaml", 1, "'questions' must be a list, found a mapping"),
    ("unknown_field.yaml", 7, "true_false question 'bad.unknown_field': unknown field 'stme' (did you mean 'stem'?)"),
    ("missing_field.yaml", 11, "true_false question 'bad.missing_field': missing required field 'explanation'"),
    ("unknown_type.yaml", 3, "question #1 ('bad.unknown_type') has unknown type 'essay'; known types: single_choice"),
    ("missing_type.yaml", 2, "question #1 ('bad.missing_type') has no 'type'"),
    ("difficulty_range.yaml", 5, "difficulty: input should be less than or equal to 5 (got 7)"),
    ("difficulty_type.yaml", 5, "difficulty: input should be a valid integer (got the text 'easy'"),
    ("unknown_topic.yaml", 6, "topics[2]: unknown topic 'shipping'"),
    (
        "single_two_correct.yaml",
        8,
        "single_choice question 'bad.two_correct' has 2 correct options (a, c); exactly one is required",
    ),
    (
        "single_no_correct.yaml",
        8,
        "single_choice question 'bad.no_correct' has no correct option; exactly one is required",
    ),
    ("multiple_no_correct.yaml", 9, "multiple_choice question 'bad.multi_no_correct' has no correct option"),
    ("duplicate_option_id.yaml", 11, "has duplicate option id 'b' (options 2 and 3)"),
    ("duplicate_option_text.yaml", 12, "has duplicate option text '转化率' (options 1 and 4)"),
    ("too_few_options.yaml", 8, "options: list should have at least 2 items"),
    ("bad_id.yaml", 2, "id: string should match pattern"),
    ("rubric_total.yaml", 11, "reply question 'bad.rubric_total': rubric: criteria max must add up to 100, not 90"),
    ("rubric_unknown_set.yaml", 19, "rubric.criteria[1].detectors[2].set: unknown phrase set 'politeness'"),
    ("reply_stage.yaml", 7, "stage: input should be 'presale', 'insale' or 'aftersale' (got 'during_sale')"),
    ("model_answer_too_long.yaml", 20, "has model answer 1 of 42 characters, more than max_chars 20"),
    ("bool_option_text.yaml", 9, "options[1].text: input should be a valid string (got True: YAML reads yes/no"),
    ("duplicate_key.yaml", 9, "duplicate key 'stem' (first at line 7)"),
    ("unseen_source.yaml", 7, "cites '讲义', a document candidates never see"),
    ("half_width.yaml", 7, "has half-width punctuation in Chinese text ('位思考,体谅顾'); use full-width marks"),
    (
        "tf_answer_string.yaml",
        8,
        "answer: input should be a valid boolean (got the text 'false'; write the value without quotes)",
    ),
    ("typing_time_limit.yaml", 8, "time_limit: input should be greater than 0 (got 0)"),
    ("tab_indent.yaml", 4, "YAML syntax error: found character '\\t' that cannot start any token"),
    ("two_documents.yaml", 10, "expected a single document"),
    ("duplicate_ids", 12, "duplicate question id 'bad.same_id' (first defined at "),
]

# Profiles are checked against the good bank's questions.
BAD_PROFILES = [
    (
        "unknown_question.yaml",
        15,
        "section 'knowledge' draw rule 1 names question 't.tf.nope', which is not in the bank",
    ),
    ("retired_question.yaml", 15, "names question 't.tf.retired', which is retired"),
    ("wrong_type_question.yaml", 15, "names question 't.sc.duty', which is a single_choice question, not true_false"),
    (
        "too_many.yaml",
        15,
        "draw rule 1 asks for 5 questions (true_false) but the bank holds only 2 active ones that match",
    ),
    ("overlap.yaml", 14, "section 'knowledge' asks for 3 questions, but its draw rules overlap and only 2 distinct"),
    ("empty_topic.yaml", 15, "names topic 'qualities', but no active single_choice question has it"),
    ("unknown_topic.yaml", 15, "sections[2].draw[1].topics[1]: unknown topic 'manners'"),
    (
        "stages_not_reply.yaml",
        15,
        "filters by stages, which only these types have: reply, chat_simulation (type is true_false)",
    ),
    ("difficulty_reversed.yaml", 15, "has difficulty [3, 1]; the low end must come first"),
    ("count_zero.yaml", 15, "sections[2].draw[1].count: input should be greater than or equal to 1 (got 0)"),
    ("unknown_draw_type.yaml", 15, "sections[2].draw[1].type: unknown question type 'essay'"),
    ("bands_unsorted.yaml", 33, "has bands out of order: band 2 min 90 is not below band 1 min 80"),
    ("last_band_not_zero.yaml", 34, "has a last band with min 10; the last band must have min 0"),
    ("weight_zero.yaml", 27, "criteria[2].weight: input should be greater than 0 (got 0)"),
    ("bad_input.yaml", 27, "criterion 'knowledge': input 'knowledge.score' is not one of the documented forms"),
    (
        "input_unknown_section.yaml",
        28,
        "input 'replies.percent' names section 'replies', which this profile does not have",
    ),
    (
        "needs_scale.yaml",
        24,
        "criterion 'typing_speed' takes typing.net_cpm, which is not a percentage; give it a scale",
    ),
    ("duplicate_section.yaml", 16, "has two sections with id 'knowledge'"),
    (
        "unknown_criterion_input.yaml",
        28,
        "names rubric criterion 'humour', which no active reply question's rubric has",
    ),
    ("profile_unknown_field.yaml", 4, "profile 'bad.profile': unknown field 'owner'"),
]


def rel(path: Path) -> str:
    """A fixture path as the validator prints it (relative to the working directory when inside it)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@pytest.mark.parametrize(("name", "line", "fragment"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_reports_its_one_problem_at_the_exact_line(name: str, line: int, fragment: str) -> None:
    path = BAD / name
    problems = validate_paths([path])
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.line == line, str(problem)
    assert fragment in problem.message, str(problem)
    shown = rel(path / "b.yaml") if path.is_dir() else rel(path)
    assert problem.path == shown
    assert str(problem) == f"{shown}:{line}: {problem.message}"


@pytest.mark.parametrize(("name", "line", "fragment"), BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES])
def test_each_bad_profile_reports_its_one_problem_at_the_exact_line(name: str, line: int, fragment: str) -> None:
    path = BAD / "profiles" / name
    problems = validate_paths([*GOOD_QUESTIONS, path])
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].path == rel(path)
    assert problems[0].line == line, str(problems[0])
    assert fragment in problems[0].message, str(problems[0])
    assert problems[0].message.startswith("profile 'bad.profile'")


def test_there_are_at_least_twenty_bad_fixtures_and_all_are_covered() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.suffix == ".yaml" or p.is_dir() and p.name != "profiles"}
    assert on_disk == {name for name, _, _ in BAD_FILES} | {"several_problems.yaml"}
    assert {p.name for p in (BAD / "profiles").iterdir()} == {name for name, _, _ in BAD_PROFILES}
    assert len(BAD_FILES) + len(BAD_PROFILES) >= 20


def test_a_file_with_several_problems_reports_all_of_them_in_line_order() -> None:
    problems = validate_paths([BAD / "several_problems.yaml"])
    assert [(p.line, p.message) for p in problems] == [
        (6, "single_choice question 'bad.several.one': difficulty: input should be less than or equal to 5 (got 9)"),
        (18, "true_false question 'bad.several.two': source: missing required field 'section'"),
        (22, "true_false question 'bad.several.two': unknown field 'hint'"),
        (24, "typing question 'bad.several.three': missing required field 'explanation'"),
        (30, "typing question 'bad.several.three': language: input should be 'zh', 'en' or 'mixed' (got 'fr')"),
    ]


def test_cross_checks_run_only_after_fields_are_valid() -> None:
    # the two correct options of bad.several.one only show once its difficulty is fixed
    text = (BAD / "several_problems.yaml").read_text(encoding="utf-8").replace("difficulty: 9", "difficulty: 2")
    problems = validate_paths_text(text)
    assert (9, "single_choice question 'bad.several.one' has 2 correct options (a, b); exactly one is required") in [
        (p.line, p.message) for p in problems
    ]


def validate_paths_text(text: str) -> list:
    """Validate YAML text written to a temporary file."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.yaml"
        path.write_text(text, encoding="utf-8")
        return validate_paths([path])


def test_all_bad_files_at_once_collect_every_problem_in_one_run() -> None:
    problems = validate_paths([BAD])
    files = {p.path for p in problems}
    # every top-level fixture contributes; the profiles fail too (no questions of their own... plus their defect)
    for name, line, _ in BAD_FILES:
        shown = rel(BAD / name / "b.yaml") if (BAD / name).is_dir() else rel(BAD / name)
        assert shown in files
        assert any(p.path == shown and p.line == line for p in problems)
    assert sum(p.path.endswith("several_problems.yaml") for p in problems) == 5


def test_good_bank_is_valid_and_loads() -> None:
    bank = load_bank([GOOD])
    assert validate_paths([GOOD]) == []
    assert len(bank.questions) == 12
    assert set(bank.profiles) == {"t.presale"}
    assert len(bank.files) == 4
    assert {q.type for q in bank.questions.values()} == {
        "single_choice",
        "multiple_choice",
        "true_false",
        "typing",
        "reply",
    }
    path, line = bank.location("t.sc.fixed")
    assert path.endswith("choice/basics.yaml") and line == 28


def test_load_bank_raises_with_every_problem() -> None:
    with pytest.raises(BankInvalid) as info:
        load_bank([BAD / "several_problems.yaml", BAD / "empty.yaml"])
    assert len(info.value.problems) == 6
    assert "6 problems in the bank" in str(info.value)


def test_missing_path_and_empty_directory_are_problems(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# not a bank file\n", encoding="utf-8")
    problems = validate_paths([tmp_path / "nope", tmp_path])
    assert [p.message for p in problems] == ["no such file or directory", "no .yaml or .yml files in this directory"]


def test_readme_and_hidden_files_are_ignored_and_yml_is_read(tmp_path: Path) -> None:
    source = (GOOD / "choice" / "basics.yaml").read_text(encoding="utf-8")
    (tmp_path / "README.md").write_text("not: [yaml", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("broken: [", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "basics.yml").write_text(source, encoding="utf-8")
    bank, problems = read_bank([tmp_path])
    assert problems == []
    assert len(bank.questions) == 8


def test_utf8_bom_is_accepted_and_utf16_is_not(tmp_path: Path) -> None:
    source = (GOOD / "choice" / "basics.yaml").read_text(encoding="utf-8")
    (tmp_path / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    assert validate_paths([tmp_path / "bom.yaml"]) == []
    (tmp_path / "utf16.yaml").write_bytes(source.encode("utf-16"))
    [problem] = validate_paths([tmp_path / "utf16.yaml"])
    assert problem.line == 1 and "UTF-16" in problem.message


def test_a_question_failing_validation_is_not_reported_again_by_a_profile(tmp_path: Path) -> None:
    bad_question = (BAD / "tf_answer_string.yaml").read_text(encoding="utf-8")
    (tmp_path / "q.yaml").write_text(bad_question, encoding="utf-8")
    profile = (BAD / "profiles" / "unknown_question.yaml").read_text(encoding="utf-8")
    (tmp_path / "p.yaml").write_text(profile.replace("t.tf.nope", "bad.tf_string"), encoding="utf-8")
    problems = validate_paths([*GOOD_QUESTIONS, tmp_path])
    assert [p.message.split(":")[0] for p in problems] == ["true_false question 'bad.tf_string'"]


# --- CLI ------------------------------------------------------------------------------------


def test_cli_validate_ok_prints_a_summary() -> None:
    result = CliRunner().invoke(bank_cli, ["validate", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 12 questions, 1 profiles in 4 files"


def test_cli_validate_prints_one_line_per_problem_and_exits_1() -> None:
    result = CliRunner().invoke(bank_cli, ["validate", str(BAD / "several_problems.yaml"), str(BAD / "empty.yaml")])
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 6
    pattern = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<message>.+)$")
    assert all(pattern.match(line) for line in lines), lines
    assert lines[0].endswith(
        "several_problems.yaml:6: single_choice question 'bad.several.one': difficulty: "
        "input should be less than or equal to 5 (got 9)"
    )
    assert lines[-1].endswith("empty.yaml:1: file is empty; expected a mapping with the key 'questions' or 'profile'")


def test_cli_validate_uses_paths_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    result = CliRunner().invoke(bank_cli, ["validate", "bad_banks/empty.yaml"])
    assert result.stdout.splitlines()[0].startswith("bad_banks/empty.yaml:1: ")


def test_cli_validate_defaults_to_the_configured_bank(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my_bank").mkdir()
    (tmp_path / "my_bank" / "a.yaml").write_bytes((GOOD / "typing" / "phrases.yaml").read_bytes())
    monkeypatch.setenv("EXAM_BANK_DIR", str(tmp_path / "my_bank"))
    result = CliRunner().invoke(bank_cli, ["validate"])
    assert result.exit_code == 0
    assert result.output.strip() == "ok: 2 questions, 0 profiles in 1 files"


def test_cli_validate_defaults_to_the_shipped_bank_from_any_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: nothing is read from the current folder
    monkeypatch.delenv("EXAM_BANK_DIR", raising=False)
    result = CliRunner().invoke(bank_cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ") and " 0 profiles" not in result.output


def test_cli_schema_prints_both_schemas() -> None:
    result = CliRunner().invoke(bank_cli, ["schema"])
    assert result.exit_code == 0
    schemas = json.loads(result.output)
    assert set(schemas) >= {"question_file", "profile_file"}
    question_file = schemas["question_file"]
    assert question_file["required"] == ["questions"]
    assert question_file["additionalProperties"] is False
    defs = question_file["$defs"]
    assert {
        "SingleChoiceQuestion",
        "MultipleChoiceQuestion",
        "TrueFalseQuestion",
        "TypingQuestion",
        "ReplyQuestion",
    } <= set(defs)
    assert "principles" in json.dumps(defs["TrueFalseQuestion"]["properties"]["topics"])
    assert "Profile" in schemas["profile_file"]["$defs"]

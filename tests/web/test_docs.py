"""The docs stay true: README's commands, the CI script and the configuration table."""

import re
from pathlib import Path

from exam.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(b.strip() for b in _bash_blocks() if "pytest" in b)
    ci = (ROOT / ".ci" / "run").read_text()
    assert f'TEST_COMMAND="{test_command}"' in ci


def test_readme_demo_command_uses_real_subcommands() -> None:
    demo = next(b.strip() for b in _bash_blocks() if "exam demo" in b)
    assert "--serve" in demo and "pip install" in demo


def test_configuration_table_lists_every_setting() -> None:
    documented = set(re.findall(r"`(EXAM_[A-Z_]+)`", README))
    fields = {f"EXAM_{name.upper()}" for name in Settings.model_fields}
    assert fields <= documented, fields - documented


def test_cli_commands_in_readme_exist() -> None:
    from click.testing import CliRunner

    from exam.cli import main

    for cmd in sorted(set(re.findall(r"^\| `exam (\w+)", README, re.M))):
        result = CliRunner().invoke(main, [cmd, "--help"])
        assert result.exit_code == 0, (cmd, result.output)


def test_architecture_names_real_places() -> None:
    """Every file and folder ARCHITECTURE.md names exists, and every service module is listed there."""
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    named = set(re.findall(r"`((?:exam|templates|tests)/[\w./]+)`", text))
    assert named, "ARCHITECTURE.md names no paths"
    missing = sorted(p for p in named if "_x" not in p and not (ROOT / p.rstrip("/")).exists())
    assert not missing, missing
    services = sorted(p.stem for p in (ROOT / "exam" / "services").glob("*.py") if p.stem != "__init__")
    assert [s for s in services if s not in text] == []

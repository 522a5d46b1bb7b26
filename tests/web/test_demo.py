"""`exam demo`: all or nothing, progress while it builds, and links for the address it will be served on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlmodel import Session

from exam.cli import main
from exam.db import make_engine
from exam.models import Attempt, User
from exam.services import demo_candidates, demo_history

ROOT = Path(__file__).resolve().parents[2]
BAD_BANK = ROOT / "tests" / "data" / "bad_banks"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EXAM_SECRET_KEY", "demo-test-secret-0123456789abcdef")
    for name in ("EXAM_DATABASE_URL", "EXAM_BANK_DIR", "EXAM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    def _run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, list(args))

    return _run


def _counts(db: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as session:
        counts = (
            session.exec(select(func.count()).select_from(User)).one()[0],  # type: ignore[call-overload]
            session.exec(select(func.count()).select_from(Attempt)).one()[0],  # type: ignore[call-overload]
        )
    engine.dispose()
    return counts


def test_a_failed_demo_leaves_the_database_as_it_was(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    made = run("demo", "--port", "8123")
    assert made.exit_code == 0, made.output
    assert "[5/5]" in made.output and "candidates graded: 30/30" in made.output
    link = re.search(r"try the exam: (\S+)", made.output)
    assert link and link.group(1).startswith("http://127.0.0.1:8123/i/")
    assert "Open http://127.0.0.1:8123/" in made.output and "exam serve --port 8123" in made.output
    db = tmp_path / "data" / "exam.sqlite3"
    before = _counts(db)
    assert before[1] == demo_candidates.FINISHED + demo_history.PAST

    monkeypatch.setenv("EXAM_BANK_DIR", str(BAD_BANK))
    failed = run("demo", "--force")
    assert failed.exit_code == 1
    assert "has problems; nothing was imported" in failed.output
    assert _counts(db) == before
    assert [p.name for p in db.parent.iterdir() if "staging" in p.name] == []


def test_a_failed_first_demo_creates_no_database(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXAM_BANK_DIR", str(BAD_BANK))
    failed = run("demo")
    assert failed.exit_code == 1
    assert not (tmp_path / "data" / "exam.sqlite3").exists()


def test_links_use_the_configured_public_address(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from exam.cli.server import public_base_url
    from exam.settings import Settings

    assert public_base_url(Settings(), "0.0.0.0", 9000) == "http://127.0.0.1:9000"
    assert public_base_url(Settings(), "::", 9000) == "http://127.0.0.1:9000"
    assert public_base_url(Settings(), "::1", 9000) == "http://[::1]:9000"
    assert public_base_url(Settings(base_url="https://exam.example.com/"), "0.0.0.0", 9000) == (
        "https://exam.example.com"
    )
    with pytest.raises(ValueError, match="EXAM_BASE_URL"):
        Settings(base_url="exam.example.com")

"""Settings that make the installed app work from any folder: absolute defaults, and the new settings' checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam import resources
from exam.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: no .env, nothing relative
    for name in ("EXAM_DATA_DIR", "EXAM_DATABASE_URL", "EXAM_BANK_DIR", "EXAM_SMTP_HOST", "EXAM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def test_defaults_are_absolute_and_outside_the_current_folder(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.data_dir == (tmp_path / "xdg" / "exam-cs").resolve()
    assert settings.database_url == f"sqlite:///{settings.data_dir / 'exam.sqlite3'}"
    assert settings.bank_dir == resources.shipped_bank_dir() and settings.bank_dir.is_absolute()
    assert (settings.bank_dir / "profiles" / "presale.yaml").is_file()
    assert (resources.template_dir() / "auth" / "login.html").is_file()


def test_the_data_folder_is_beside_a_configured_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/db/exam.sqlite3")
    assert settings.data_dir == tmp_path / "db"
    relative = Settings(data_dir="somewhere")
    assert relative.data_dir == tmp_path / "somewhere" and relative.data_dir.is_absolute()
    assert Settings(database_url="postgresql+psycopg://u:p@h/db").data_dir == (tmp_path / "xdg" / "exam-cs")


def test_new_settings_are_checked() -> None:
    assert Settings(base_url="https://exam.example.com/").base_url == "https://exam.example.com"
    assert Settings(base_url="  ").base_url is None
    for bad in ("exam.example.com", "ftp://x", "https://x/?a=1"):
        with pytest.raises(ValueError, match="EXAM_BASE_URL"):
            Settings(base_url=bad)
    with pytest.raises(ValueError, match="EXAM_SMTP_FROM"):
        Settings(smtp_host="smtp.example.com", smtp_username="apikey")
    assert Settings(smtp_host="smtp.example.com", smtp_username="jobs@shop.example").smtp_enabled
    assert not Settings().smtp_enabled
    assert Settings(secret_key_previous=" old-one , older ").previous_secret_keys() == ["old-one", "older"]
    label = Settings(database_url="postgresql+psycopg://exam:s3cret@db:5432/exam").database_label
    assert "s3cret" not in label and label == "postgresql+psycopg://exam:***@db:5432/exam"

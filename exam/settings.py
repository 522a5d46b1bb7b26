"""Application settings from the environment (prefix EXAM_), validated with pydantic-settings."""

from __future__ import annotations

import os
import re
import secrets
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from exam.resources import shipped_bank_dir

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "changethis", "please-change"}
APP_DIR_NAME = "exam-cs"


def user_data_dir() -> Path:
    """The per-user data folder: %LOCALAPPDATA%\\exam-cs on Windows, else $XDG_DATA_HOME/exam-cs (~/.local/share)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / APP_DIR_NAME
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser().resolve() / APP_DIR_NAME


def _sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:///path URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path).expanduser() if path and path != ":memory:" else None


class Settings(BaseSettings):
    """Everything configurable; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="EXAM_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default_factory=user_data_dir)  # beside a SQLite file given in EXAM_DATABASE_URL
    database_url: str = ""
    secret_key: str = ""
    bank_dir: Path = Field(default_factory=shipped_bank_dir)
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    cookie_secure: bool | None = None  # None: Secure when the request came over https
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    answer_grace_seconds: int = Field(default=15, ge=0)
    sweep_interval_seconds: int = Field(default=60, ge=5)
    stats_interval_seconds: int = Field(default=600, ge=30)
    trusted_proxies: bool = False
    timezone: str = "Asia/Shanghai"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=30, ge=0)
    # threads per worker that run requests (database work); the event loop queues the others at no cost
    request_threads: int = Field(default=8, ge=1, le=400)
    # uvicorn's line per request (EXAM_ACCESS_LOG=true): off by default, it cost an eighth of an autosave's CPU;
    # a reverse proxy in front usually logs requests anyway; errors and warnings are logged either way
    access_log: bool = False
    # how long a SQLite writer waits for another process's write (a busy database is latency, not an error)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0, le=600_000)
    base_url: str | None = None  # EXAM_BASE_URL: the public address for links in e-mails and prints
    secret_key_previous: str = ""  # earlier secret keys (comma-separated) whose invitation links are still shown
    smtp_host: str = ""  # empty: invitations are not e-mailed
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""
    smtp_timeout_seconds: int = Field(default=20, ge=1, le=600)
    smtp_interval_seconds: int = Field(default=15, ge=1)
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)
    webhook_interval_seconds: int = Field(default=5, ge=1)  # the deliverer's poll (it also wakes on new events)
    regrade_interval_seconds: int = Field(default=10, ge=1)  # queued rubric regrades (also woken when queued)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_allow_private: bool = False  # webhooks to private networks and plain http (an intranet receiver)
    export_interval_seconds: int = Field(default=5, ge=1)  # the export runner's poll (it also wakes on new exports)
    api_rate_per_minute: int = Field(default=120, ge=1)  # requests per API token per minute (then 429)

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        database_file = _sqlite_file(self.database_url)
        if "data_dir" not in self.model_fields_set and database_file is not None:
            self.data_dir = database_file.parent
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'exam.sqlite3').as_posix()}"
        if self.smtp_host.strip() and not self.smtp_from.strip() and "@" not in self.smtp_username:
            raise ValueError(
                "EXAM_SMTP_FROM must be set when EXAM_SMTP_HOST is (e.g. 某某网店招聘 <jobs@shop.example>)"
            )
        key = self.secret_key.strip().lower()
        if self.secret_key and (key in PLACEHOLDER_SECRETS or len(key) < 16):
            if self.environment != "development":
                raise ValueError("EXAM_SECRET_KEY is a placeholder or too short; set a long random value")
        return self

    @field_validator("base_url")
    @classmethod
    def _absolute_base_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest or any(ch in rest for ch in " ?#"):
            raise ValueError(f"EXAM_BASE_URL must look like https://exam.example.com (got {value!r})")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value.upper() == "UTC":
            return "UTC"
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use a name like Asia/Shanghai or UTC)") from exc
        return value

    @property
    def database_label(self) -> str:
        """The database URL without its password, for messages."""
        return re.sub(r"://([^:/@]+):[^/]*@", r"://\1:***@", self.database_url)

    @property
    def smtp_enabled(self) -> bool:
        """Whether invitations can be e-mailed (an SMTP server is configured)."""
        return bool(self.smtp_host.strip())

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The secret key: given, or generated once and stored in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        if self.environment == "production":
            raise ValueError("EXAM_SECRET_KEY must be set in production")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def previous_secret_keys(self) -> list[str]:
        """The earlier secret keys, newest first (EXAM_SECRET_KEY_PREVIOUS, comma-separated)."""
        return [key.strip() for key in self.secret_key_previous.split(",") if key.strip()]


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()

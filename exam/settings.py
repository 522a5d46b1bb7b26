"""Application settings from the environment (prefix EXAM_), validated with pydantic-settings."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "changethis", "please-change"}


class Settings(BaseSettings):
    """Everything configurable; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_prefix="EXAM_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: str = ""
    bank_dir: Path = Path("question_banks")
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    cookie_secure: bool | None = None  # None: Secure when the request came over https
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    answer_grace_seconds: int = Field(default=15, ge=0)
    sweep_interval_seconds: int = Field(default=60, ge=5)
    trusted_proxies: bool = False
    timezone: str = "Asia/Shanghai"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=30, ge=0)
    base_url: str | None = None
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'exam.sqlite3').as_posix()}"
        key = self.secret_key.strip().lower()
        if self.secret_key and (key in PLACEHOLDER_SECRETS or len(key) < 16):
            if self.environment != "development":
                raise ValueError("EXAM_SECRET_KEY is a placeholder or too short; set a long random value")
        return self

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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()

"""Typed settings: config.toml, then UNIONBOT_* environment variables, then built-in defaults.

A wrong value stops start-up with one line naming the key (see `ConfigError`).
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

LANGUAGES = ("zh_CN", "en")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration problem, said in one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/unionbot.db"

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class TelegramSettings(_Section):
    token: str = ""
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    webhook_url: str = ""
    webhook_secret: str = ""
    drop_pending_updates: bool = False

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value):
            raise ValueError("must look like 123456:ABC-DEF (from @BotFather)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str) -> str:
        if value and not _SECRET_TOKEN.fullmatch(value):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    telegram_path: str = "/telegram"


class BotSettings(_Section):
    default_language: Literal["zh_CN", "en"] = "zh_CN"
    timezone: str = "Asia/Shanghai"
    data_dir: Path = Path("data")
    locales_dir: Path | None = None
    knowledge_dir: Path | None = None
    demo_data: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class BroadcastSettings(_Section):
    rate_per_second: int = Field(default=30, ge=1, le=1000)  # Telegram: 30 free, 1000 paid
    paid: bool = False  # Telegram allow_paid_broadcast (needed above the free limit)
    per_chat_interval: float = Field(default=1.0, ge=0)  # seconds between messages to a chat
    quiet_hours: str = "22:00-08:00"
    max_attempts: int = Field(default=5, ge=1, le=20)
    lease_seconds: int = Field(default=30, ge=5)
    misfire_grace_seconds: int = Field(default=3600, ge=1)
    reminder_sweep_seconds: int = Field(default=60, ge=1)
    reminder_hours: tuple[int, ...] = (24, 1)  # before a lecture or job fair
    claim_reminder_days: int = Field(default=3, ge=1)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('must look like "22:00-08:00" (or "" for none)')
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="UNIONBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    http: HttpSettings = HttpSettings()
    bot: BotSettings = BotSettings()
    broadcast: BroadcastSettings = BroadcastSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.bot.timezone)


def find_config(explicit: str | None) -> Path | None:
    """--config FILE, else $UNIONBOT_CONFIG, else ./config.toml, else none (defaults)."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get("UNIONBOT_CONFIG")
    if from_env:
        return Path(from_env)
    local = Path("config.toml")
    return local if local.is_file() else None


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings; every failure becomes a one-line ConfigError naming the key."""
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return _FileSettings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "config"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"config error: {key}: {message}"

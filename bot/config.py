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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
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


_AES_KEY = re.compile(r"^[A-Za-z0-9+/]{43}$")
_WECHAT_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
_MENU_NAME_BYTES = 16  # WeChat: top-level button names <= 16 bytes, sub-buttons <= 60
_SUB_NAME_BYTES = 60
_MENU_KEY_BYTES = 128


class WeChatMenuButton(_Section):
    """One custom-menu button: a `key` (a payload such as `discounts.menu`), a `url`, or
    `sub_button`s (top level only)."""

    name: str
    key: str = ""
    url: str = ""
    sub_button: tuple[WeChatMenuButton, ...] = ()

    @field_validator("key")
    @classmethod
    def _key_size(cls, value: str) -> str:
        if len(value.encode("utf-8")) > _MENU_KEY_BYTES:
            raise ValueError(f"menu key over {_MENU_KEY_BYTES} bytes: {value!r}")
        return value


class WeChatSettings(_Section):
    enabled: bool = False
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    encoding_aes_key: str = ""
    previous_encoding_aes_key: str = ""
    api_base_url: str = "https://api.weixin.qq.com"
    path: str = "/wechat"
    mode: Literal["plaintext", "compatible", "safe"] = "safe"
    template_id: str = ""
    menu: tuple[WeChatMenuButton, ...] = ()

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and not _WECHAT_TOKEN.fullmatch(value):
            raise ValueError("must be 3-32 letters or digits")
        return value

    @field_validator("app_id")
    @classmethod
    def _app_id_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"wx[0-9A-Za-z]{16}", value):
            raise ValueError("must start with wx followed by 16 letters or digits")
        return value

    @field_validator("encoding_aes_key", "previous_encoding_aes_key")
    @classmethod
    def _aes_key_shape(cls, value: str) -> str:
        if value and not _AES_KEY.fullmatch(value):
            raise ValueError("must be 43 characters of A-Z a-z 0-9 + /")
        return value

    @field_validator("path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("menu")
    @classmethod
    def _menu_shape(cls, value: tuple[WeChatMenuButton, ...]) -> tuple[WeChatMenuButton, ...]:
        if len(value) > 3:
            raise ValueError("at most 3 top-level buttons")
        for top in value:
            _check_button(top, _MENU_NAME_BYTES, allow_sub=True)
        return value

    @model_validator(mode="after")
    def _required_when_enabled(self) -> WeChatSettings:
        if not self.enabled:
            return self
        needed = ["token", "app_id", "app_secret"]
        if self.mode != "plaintext":
            needed.append("encoding_aes_key")
        for key in needed:
            if not getattr(self, key):
                raise ValueError(f"{key} is required when WeChat is enabled")
        return self


def _check_button(button: WeChatMenuButton, name_bytes: int, *, allow_sub: bool) -> None:
    if not 1 <= len(button.name.encode("utf-8")) <= name_bytes:
        raise ValueError(f"menu name {button.name!r} must be 1-{name_bytes} bytes")
    if button.sub_button:
        if not allow_sub:
            raise ValueError(f"menu {button.name!r}: sub-buttons only at the top level")
        if len(button.sub_button) > 5:
            raise ValueError(f"menu {button.name!r}: at most 5 sub-buttons")
        for sub in button.sub_button:
            _check_button(sub, _SUB_NAME_BYTES, allow_sub=False)
    elif bool(button.key) == bool(button.url):
        raise ValueError(f"menu {button.name!r} needs either a key or a url")


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


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HandoffSettings(_Section):
    """Talking to a person: where members' messages go, and when staff answer."""

    staff_chat: str = ""  # "channel:chat_id", e.g. "telegram:-1001234"; empty: handoff off
    office_hours: str = "09:00-17:30"
    office_days: str = "mon-fri"

    @field_validator("staff_chat")
    @classmethod
    def _chat_shape(cls, value: str) -> str:
        channel, sep, chat_id = value.partition(":")
        if value and not (sep and re.fullmatch(r"[a-z]+", channel) and chat_id.strip()):
            raise ValueError('must look like "telegram:-1001234" (channel:chat_id)')
        return value

    @field_validator("office_hours")
    @classmethod
    def _hours_shape(cls, value: str) -> str:
        match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", value.strip())
        if match is None:
            raise ValueError('must look like "09:00-17:30"')
        try:
            start, end = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
        except ValueError:
            raise ValueError("not a valid time of day") from None
        if start >= end:
            raise ValueError("the start must come before the end")
        return value.strip()

    @field_validator("office_days")
    @classmethod
    def _days_shape(cls, value: str) -> str:
        parse_days(value)
        return value

    @property
    def opening(self) -> tuple[time, time]:
        start, end = self.office_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)

    @property
    def days(self) -> frozenset[int]:
        """Weekday numbers (Monday 0) when staff answer."""
        return parse_days(self.office_days)


def parse_days(value: str) -> frozenset[int]:
    """"mon-fri" or "mon,wed,sat" -> weekday numbers; ValueError names the bad part."""
    days: set[int] = set()
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise ValueError(f'unknown day in {part!r}: use mon tue wed thu fri sat sun')
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        if end < start:
            raise ValueError(f"{part!r} runs backwards")
        days.update(range(start, end + 1))
    return frozenset(days)


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

    @field_validator("reminder_hours")
    @classmethod
    def _known_leads(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not set(value) <= {24, 1}:
            raise ValueError("choose from 24 and 1 (hours before the event)")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError('must look like "22:00-08:00" (or "" for none)')
        return value


class ConsoleSettings(_Section):
    """The staff web console at /console on the [http] server."""

    enabled: bool = False
    # The address staff open (one-time links point here), e.g. "https://bot.example.org".
    # With https, the session cookie is marked Secure.
    public_url: str = ""
    # 32 random bytes, url-safe base64 (44 characters): encrypts and signs the session cookie.
    secret_key: str = ""
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    link_minutes: int = Field(default=10, ge=1, le=60)

    @field_validator("secret_key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{43}=", value):
            raise ValueError("must be 32 bytes in url-safe base64 (44 characters ending in =)")
        return value

    @field_validator("public_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError('must look like "https://bot.example.org"')
        return value

    @model_validator(mode="after")
    def _key_when_enabled(self) -> ConsoleSettings:
        if self.enabled and not self.secret_key:
            raise ValueError("secret_key is required when the console is enabled")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="UNIONBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    http: HttpSettings = HttpSettings()
    bot: BotSettings = BotSettings()
    handoff: HandoffSettings = HandoffSettings()
    wechat: WeChatSettings = WeChatSettings()
    broadcast: BroadcastSettings = BroadcastSettings()
    console: ConsoleSettings = ConsoleSettings()

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

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
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from models.crypto import parse_master_key

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
    webhook_secret: str = Field(default="", validate_default=True)
    drop_pending_updates: bool = False

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value):
            raise ValueError("must look like 123456:ABC-DEF (from @BotFather)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: str, info: ValidationInfo) -> str:
        if value and not _SECRET_TOKEN.fullmatch(value):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        if not value and info.data.get("mode") == "webhook":
            # Without it anyone could post updates "from" any user, an admin's too.
            raise ValueError("required in webhook mode: 1-256 random characters of "
                             "A-Z a-z 0-9 _ - (e.g. python3 -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))')")
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
    # mass sends (群发) the account may make a calendar month: 4 for a service account
    mass_per_month: int = Field(default=4, ge=0, le=31)
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
    # Serve /healthz, /readyz and /metrics even when no webhook needs the server (polling).
    always: bool = False
    # Several processes on one host and port (SO_REUSEPORT): the kernel spreads connections.
    reuse_port: bool = False


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


class InboundSettings(_Section):
    """Fair inbound: each member's messages pass a token bucket (a flood is answered once with
    "slow down", then dropped)."""

    member_rate: float = Field(default=1.0, gt=0)  # messages per second, sustained
    member_burst: int = Field(default=5, ge=1)  # messages at once


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


class LimitsSettings(_Section):
    """Quotas that keep one member from filling the disk or taking every seat."""

    drafts_per_member: int = Field(default=2, ge=1)  # unfinished claims holding documents
    documents_per_claim: int = Field(default=10, ge=1, le=50)
    bytes_per_member: int = Field(default=50 * 1024 * 1024, ge=1024 * 1024)
    # Event kinds whose sign-up needs a linked membership (an event may say otherwise)
    members_only_events: tuple[Literal["lecture", "job_fair", "training"], ...] = (
        "lecture", "job_fair")


class PrivacySettings(_Section):
    """Encryption keys and how long each kind of personal data is kept (in days)."""

    master_key: str = ""  # base64 of 32 bytes; see docs/privacy.md
    previous_master_keys: tuple[str, ...] = ()  # still open what they sealed (rotation)
    document_days: int = Field(default=1095, ge=1)  # after the claim's decision
    unanswered_days: int = Field(default=90, ge=1)  # questions the bot could not answer
    handoff_days: int = Field(default=365, ge=1)  # after the ticket is closed
    update_log_days: int = Field(default=7, ge=1)  # handled update ids (retries come sooner)
    unbound_member_days: int = Field(default=365, ge=1)  # unlinked chat accounts, unseen
    export_link_minutes: int = Field(default=30, ge=1, le=1440)  # /mydata links on WeChat
    # The [http] server as members reach it (https://...), for those links; empty: no links.
    public_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https://")
        return value

    @field_validator("master_key")
    @classmethod
    def _key_shape(cls, value: str) -> str:
        if value:
            parse_master_key(value)
        return value

    @field_validator("previous_master_keys")
    @classmethod
    def _keys_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            parse_master_key(key)
        return value


class UnionSettings(_Section):
    """How members reach the union without the bot: shown by /contact and whenever no staff
    member can answer in the chat."""

    name: str = ""
    hotline: str = "12351"  # the national trade-union rights hotline
    office_address: str = ""
    opening_hours: str = ""  # as members should read it, e.g. "周一至周五 9:00-17:30"
    map_url: str = ""

    @field_validator("map_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) link")
        return value


class RedisSettings(_Section):
    """Shared state for several processes: send limits, scheduler and poller leadership.

    Empty `url` keeps one process's behaviour: limits in memory, this process leads.
    """

    url: str = ""
    prefix: str = "unionbot"
    lease_seconds: float = Field(default=5.0, ge=1, le=60)

    @field_validator("url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value


class LogSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class MetricsSettings(_Section):
    enabled: bool = True
    path: str = "/metrics"
    refresh_seconds: float = Field(default=15.0, ge=1)


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
    inbound: InboundSettings = InboundSettings()
    limits: LimitsSettings = LimitsSettings()
    privacy: PrivacySettings = PrivacySettings()
    union: UnionSettings = UnionSettings()
    redis: RedisSettings = RedisSettings()
    log: LogSettings = LogSettings()
    metrics: MetricsSettings = MetricsSettings()
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

"""Configuration from the environment (and an optional YAML file for office rules).

Secrets never go to logs: `Settings.__repr__` hides the token, and `redact()` removes it from
any text (python-telegram-bot puts the token in request URLs).
"""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflow.catalog import SopCatalog
from workflow.office_calendar import CalendarConfig

TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"


class ConfigError(Exception):
    """The KINERJA_CONFIG file can't be used; the message is one line naming the problem."""


def validation_line(exc: ValidationError) -> str:
    """The first problem of a pydantic error as 'field.path: problem' (one line)."""
    err = exc.errors()[0]
    place = ".".join(str(part) for part in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    more = len(exc.errors()) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{place}: {msg}{extra}" if place else f"{msg}{extra}"


class OfficeConfig(BaseModel):
    """The optional YAML file named by KINERJA_CONFIG."""

    model_config = ConfigDict(extra="forbid")

    calendar: CalendarConfig = Field(default_factory=CalendarConfig)


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    bot_token: SecretStr | None = Field(default=None, alias="BOT_TOKEN")
    telegram_api_url: str = Field(default=TELEGRAM_API_URL, alias="TELEGRAM_API_URL")
    telegram_file_url: str = Field(default=TELEGRAM_FILE_URL, alias="TELEGRAM_FILE_URL")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="KINERJA_DATA_DIR")
    config_file: Path | None = Field(default=None, alias="KINERJA_CONFIG")
    # Directories of the office's own SOP files (os.pathsep between several), searched before
    # the shipped definitions.
    sop_dir: str | None = Field(default=None, alias="KINERJA_SOP_DIR")
    webhook_secret: str | None = Field(default=None, alias="WEBHOOK_SECRET")
    # The web dashboard's public address (…/dasbor); unset: /dasbor says there is none.
    dashboard_url: str | None = Field(default=None, alias="KINERJA_DASHBOARD_URL")
    # Signs the dashboard's links and sessions; default: derived from the bot token.
    dashboard_secret: SecretStr | None = Field(default=None, alias="KINERJA_DASHBOARD_SECRET")
    outbox_lease_seconds: float = Field(default=30.0, alias="KINERJA_OUTBOX_LEASE", gt=1)
    # The longest wait before sending again after a network failure (5xx, a dropped or timed
    # out request): the waits double from 1 s up to this.
    outbox_max_backoff_seconds: float = Field(
        default=300.0, alias="KINERJA_OUTBOX_MAX_BACKOFF", ge=1, le=3600
    )
    # "telegram": pace sends inside Telegram's limits; "fast": no pacing (only for a local
    # emulator that does not enforce limits, e.g. quick end-to-end tests).
    pace: str = Field(default="telegram", alias="KINERJA_PACE", pattern="^(telegram|fast)$")
    # Names this process among those sharing a database; stable across its restarts, so a
    # restarted process takes its own dead claims back at once. Two processes running at the
    # same time need different ones (the default, host and data directory, differs already).
    instance_id: str | None = Field(default=None, alias="KINERJA_INSTANCE_ID", max_length=48)

    def instance(self) -> str:
        """This process's instance id (by default the host name and the data directory)."""
        if self.instance_id:
            return self.instance_id
        where = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:8]
        return f"{socket.gethostname()[:38]}:{where}"

    def database(self) -> str:
        """The database URL; by default an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'kinerja.sqlite3').resolve()}"

    def office(self) -> OfficeConfig:
        """Office rules from KINERJA_CONFIG, or the defaults."""
        if self.config_file is None:
            return OfficeConfig()
        where = f"KINERJA_CONFIG {self.config_file}"
        try:
            data = yaml.safe_load(self.config_file.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"{where}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or "syntax error"
            raise ConfigError(f"{where}: not valid YAML{line}: {problem}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping such as 'calendar: {{...}}'")
        try:
            return OfficeConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{where}: {validation_line(exc)}") from None

    def sop_dirs(self) -> list[Path]:
        """The directories named by KINERJA_SOP_DIR, in search order."""
        return [Path(part) for part in (self.sop_dir or "").split(os.pathsep) if part.strip()]

    def sops(self) -> SopCatalog:
        """The SOPs this deployment runs: its own directories first, then the shipped ones."""
        return SopCatalog(self.sop_dirs())

    def redact(self, text: str) -> str:
        """Text with the bot token replaced, safe for a log line."""
        if self.bot_token is None or not self.bot_token.get_secret_value():
            return text
        return text.replace(self.bot_token.get_secret_value(), "<BOT_TOKEN>")

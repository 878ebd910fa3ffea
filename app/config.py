"""Instance configuration: defaults, loading and validation.

The app refuses to start without a secret key or a key-encryption key: there is no fallback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.json"
KEYS_DIR = "keys"
SQLITE_FILE = "parcours.sqlite3"
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The instance cannot be started as configured; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    secret_key: str
    database_url: str
    retention_years: int = 2
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    secure_cookies: bool = True
    demo: bool = False
    trusted_proxies: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def keys_path(self) -> Path:
        return self.instance_path / KEYS_DIR


def instance_path_from_env() -> Path:
    return Path(os.environ.get("PARCOURS_INSTANCE", "instance")).resolve()


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / SQLITE_FILE}"


def load_settings(instance_path: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read `config.json` from the instance folder and validate it."""
    instance_path = (instance_path or instance_path_from_env()).resolve()
    config_file = instance_path / CONFIG_FILE
    if not config_file.is_file():
        raise ConfigError(
            f"No configuration at {config_file}: run `parcours init` first "
            "(or set PARCOURS_INSTANCE to the instance folder)."
        )
    values: dict[str, Any] = json.loads(config_file.read_text(encoding="utf-8"))
    values.update(overrides or {})
    secret_key = values.get("secret_key") or ""
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"The secret key in {config_file} is missing or shorter than "
            f"{MIN_SECRET_KEY_LENGTH} characters; refusing to start."
        )
    database_url = (
        values.get("database_url") or os.environ.get("PARCOURS_DATABASE_URL") or default_database_url(instance_path)
    )
    trusted_proxies = values.get("trusted_proxies") or []
    if not isinstance(trusted_proxies, list) or not all(isinstance(p, str) for p in trusted_proxies):
        raise ConfigError(
            f'`trusted_proxies` in {config_file} must be a list of IP addresses or networks, for example ["127.0.0.1"].'
        )
    known = {f for f in Settings.__dataclass_fields__ if f not in {"instance_path", "extra"}}
    return Settings(
        instance_path=instance_path,
        secret_key=secret_key,
        database_url=database_url,
        retention_years=int(values.get("retention_years", 2)),
        session_idle_minutes=int(values.get("session_idle_minutes", 30)),
        session_absolute_hours=int(values.get("session_absolute_hours", 10)),
        secure_cookies=bool(values.get("secure_cookies", True)),
        demo=bool(values.get("demo", False)),
        trusted_proxies=tuple(trusted_proxies),
        extra={k: v for k, v in values.items() if k not in known},
    )


def write_config(instance_path: Path, values: dict[str, Any]) -> None:
    """Write `config.json` readable by its owner only."""
    config_file = instance_path / CONFIG_FILE
    fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2, sort_keys=True)
        handle.write("\n")

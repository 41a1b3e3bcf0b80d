"""Runtime configuration: read from the environment once, validated once, then frozen."""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from receipts.exceptions import ReceiptsError

FORWARD_MODES = ("final", "all")
OVERDUE_MODES = ("off", "failed")
# 8x8 waits up to 48 hours for an operator's SMS receipt and checks chat apps' read receipts
# for 10 days (developer.8x8.com, delivery receipts for outbound SMS and Messaging Apps); each
# window adds a margin for receipts in flight.
DEFAULT_FINAL_WINDOW = "sms=50h,whatsapp=11d,default=11d"
_WINDOW_UNITS = {"m": 60, "h": 3600, "d": 86400}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOG_FORMATS = ("json", "text")


# Every variable Config reads starts with one of these.
SETTING_PREFIXES = ("RECEIPTS_", "DATABASE_URL", "MOENGAGE_")


def environment_without_settings() -> dict[str, str]:
    """This process's environment minus Receipts' own settings: for a child process that is
    to be configured explicitly (tests, benchmarks), not by whatever the caller had set."""
    return {key: value for key, value in os.environ.items() if not key.startswith(SETTING_PREFIXES)}


class ConfigError(ReceiptsError, ValueError):
    """A bad environment value; the message names the variable."""


@dataclass(frozen=True)
class Config:
    database_url: str | None
    data_dir: Path
    mappings_dir: Path
    webhook_secrets: tuple[str, ...]
    api_token: str | None
    moengage_dlr_url: str | None
    moengage_auth: str | None
    moengage_forward: str
    max_body: int
    log_format: str
    # channel -> seconds after its last receipt a non-final message is overdue ("default" too)
    final_windows: tuple[tuple[str, float], ...] = (
        ("sms", 50 * 3600.0),
        ("whatsapp", 11 * 86400.0),
        ("default", 11 * 86400.0),
    )
    moengage_forward_overdue: str = "off"
    # Empty: any source may call the webhook (the secret still guards it).
    allowed_networks: tuple[Network, ...] = ()
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        return cls(
            database_url=_database_url(env, "DATABASE_URL"),
            data_dir=Path(env.get("RECEIPTS_DATA_DIR") or ".receipts"),
            mappings_dir=Path(env.get("RECEIPTS_MAPPINGS") or "mappings"),
            webhook_secrets=_secrets(env, "RECEIPTS_WEBHOOK_SECRET"),
            api_token=_token(env, "RECEIPTS_API_TOKEN"),
            moengage_dlr_url=_url(env, "MOENGAGE_DLR_URL"),
            moengage_auth=_optional(env, "MOENGAGE_AUTH"),
            moengage_forward=_choice(env, "MOENGAGE_FORWARD", FORWARD_MODES, "final"),
            max_body=_positive_int(env, "RECEIPTS_MAX_BODY", 1_048_576),
            log_format=_choice(
                env, "RECEIPTS_LOG_FORMAT", LOG_FORMATS, "text" if sys.stderr.isatty() else "json"
            ),
            final_windows=_windows(env, "RECEIPTS_FINAL_WINDOW"),
            moengage_forward_overdue=_choice(env, "MOENGAGE_FORWARD_OVERDUE", OVERDUE_MODES, "off"),
            allowed_networks=_networks(env, "RECEIPTS_ALLOWED_NETWORKS"),
            trusted_proxies=_networks(env, "RECEIPTS_TRUSTED_PROXIES"),
        )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


MIN_SECRET = 16  # characters: a secret any shorter can be guessed


def _secrets(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = env.get(name, "")
    secrets = tuple(part.strip() for part in raw.split(",") if part.strip())
    if any(len(secret) < MIN_SECRET for secret in secrets):
        raise ConfigError(f"{name}: every secret must be at least {MIN_SECRET} characters")
    return secrets


def _token(env: Mapping[str, str], name: str) -> str | None:
    token = _optional(env, name)
    if token is not None and len(token) < MIN_SECRET:
        raise ConfigError(f"{name}: must be at least {MIN_SECRET} characters")
    return token


def _database_url(env: Mapping[str, str], name: str) -> str | None:
    """A PostgreSQL URL or libpq connection string, checked before anything connects."""
    value = _optional(env, name)
    if value is None:
        return None
    if "://" in value and not value.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            f"{name}: expected a postgresql:// URL, got a {value.split(':')[0]}:// one"
        )
    try:
        conninfo_to_dict(value)
    except psycopg.ProgrammingError:
        raise ConfigError(
            f"{name}: not a PostgreSQL connection URL (postgresql://user@host:5432/dbname)"
        ) from None
    return value


def _url(env: Mapping[str, str], name: str) -> str | None:
    value = _optional(env, name)
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"{name}: expected an http(s) URL")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number of bytes, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name}: must be greater than 0")
    return value


def _windows(env: Mapping[str, str], name: str) -> tuple[tuple[str, float], ...]:
    """`sms=50h,whatsapp=11d,default=11d` -> ((sms, 180000.0), ...); `default` is required."""
    raw = env.get(name, "").strip() or DEFAULT_FINAL_WINDOW
    windows: dict[str, float] = {}
    for part in raw.split(","):
        channel, _, length = part.strip().partition("=")
        length = length.strip().lower()
        if not channel.strip() or not length[:-1].isdigit() or length[-1:] not in _WINDOW_UNITS:
            raise ConfigError(f"{name}: expected channel=<number><m|h|d>, got {part.strip()!r}")
        windows[channel.strip().lower()] = float(int(length[:-1]) * _WINDOW_UNITS[length[-1]])
    if "default" not in windows:
        raise ConfigError(f"{name}: needs a default=<number><m|h|d> for the other channels")
    return tuple(windows.items())


def _networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (a bare address is a /32 or /128)."""
    found = []
    for part in env.get(name, "").split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(f"{name}: {part.strip()!r} is not an address or CIDR") from None
    return tuple(found)

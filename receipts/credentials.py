"""The webhook secret and API token: from the environment, else kept in the data dir.

`receipts serve` generates them on first start so a laptop needs no set-up; every later
process (gunicorn workers, CLI commands) reads the same file, so they agree.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from receipts.config import Config, ConfigError

FILE_NAME = "credentials.json"


def _path(config: Config) -> Path:
    return config.data_dir / FILE_NAME


def _read(config: Config) -> dict[str, str]:
    try:
        return json.loads(_path(config).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ConfigError(f"RECEIPTS_DATA_DIR: cannot read {_path(config)}: {error}") from None


def with_stored_credentials(config: Config) -> Config:
    """Fill unset secrets from the data dir; a webhook secret is required by then."""
    stored = _read(config) if not (config.webhook_secrets and config.api_token) else {}
    webhook_secrets = config.webhook_secrets or tuple(filter(None, [stored.get("webhook_secret")]))
    api_token = config.api_token or stored.get("api_token")
    if not webhook_secrets:
        raise ConfigError("RECEIPTS_WEBHOOK_SECRET: not set (receipts serve generates one)")
    if not api_token:
        raise ConfigError("RECEIPTS_API_TOKEN: not set (receipts serve generates one)")
    return dataclasses.replace(config, webhook_secrets=webhook_secrets, api_token=api_token)


def ensure_credentials(config: Config) -> Config:
    """Generate and keep whatever secret the environment does not set, then fill them in."""
    if not (config.webhook_secrets and config.api_token):
        stored = _read(config)
        changed = False
        for key in ("webhook_secret", "api_token"):
            if key not in stored:
                stored[key] = secrets.token_urlsafe(32)
                changed = True
        if changed:
            config.data_dir.mkdir(parents=True, exist_ok=True)
            path = _path(config)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                json.dump(stored, file)
    return with_stored_credentials(config)


def matches_any(candidate: str | None, secrets_: tuple[str, ...]) -> bool:
    """Constant-time comparison against every valid secret (no early exit on a match).

    Both sides are hashed first, so the time taken does not even reveal a secret's length.
    """
    if not candidate:
        return False
    given = _digest(candidate)
    found = False
    for secret in _digests(secrets_):
        found |= hmac.compare_digest(given, secret)
    return found


@functools.lru_cache(maxsize=8)
def _digests(secrets_: tuple[str, ...]) -> tuple[bytes, ...]:
    """The valid secrets' digests, computed once per set (the configured secrets are few)."""
    return tuple(_digest(secret) for secret in secrets_)


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()

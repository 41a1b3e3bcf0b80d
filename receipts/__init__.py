"""Receipts: 8x8 delivery receipts, normalized, stored in PostgreSQL, forwarded to MoEngage."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from receipts.config import Config


def create_app(config: Config | None = None) -> Flask:
    """The application factory (receipts/app.py), imported only when called.

    gunicorn's master imports this package for its hooks before it forks; a gevent worker
    patches the standard library after the fork, and psycopg picks a cooperative wait only
    if it is first imported after that patch."""
    from receipts.app import create_app as build

    return build(config)

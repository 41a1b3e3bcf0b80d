"""What the app holds for its requests: configuration, compiled mappings, the pool."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from psycopg_pool import ConnectionPool

from receipts.config import Config
from receipts.intake.learning import Learner
from receipts.mapping.engine import MappingSet
from receipts.store.group_commit import GroupCommitter


@dataclass(frozen=True)
class Services:
    config: Config
    mappings: MappingSet
    pool: ConnectionPool
    learner: Learner
    committer: GroupCommitter | None = None


def services() -> Services:
    return current_app.extensions["receipts"]

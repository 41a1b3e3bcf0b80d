"""Receipts: 8x8 delivery receipts, normalized, stored in PostgreSQL, forwarded to MoEngage."""

from __future__ import annotations

from flask import Flask

from receipts import health, metrics
from receipts.access_log import log_requests
from receipts.config import Config
from receipts.credentials import with_stored_credentials
from receipts.errors import register_error_handlers
from receipts.logs import configure_logging
from receipts.mapping.engine import MappingSet
from receipts.reports import (
    dashboard,
    messages,
    openapi,
    quarantine,
    receipts_api,
    summary_api,
    suppressions,
)
from receipts.reports import mappings as mapping_reports
from receipts.reports.forwards import bp as forwards_api
from receipts.services import Services
from receipts.store.embedded import database_url
from receipts.store.group_commit import GroupCommitter
from receipts.store.pool import open_pool
from receipts.webhooks import blueprint as webhooks
from receipts.webhooks.learning import Learner


def create_app(config: Config | None = None) -> Flask:
    """The application factory: one app per process, its pool opened in that process."""
    config = with_stored_credentials(config or Config.from_env())
    configure_logging(config.log_format, secrets=(*config.webhook_secrets, config.api_token))
    mappings = MappingSet.from_paths(config.mappings_dir)
    app = Flask(__name__)
    app.json.sort_keys = False
    pool = open_pool(database_url(config))
    committer = GroupCommitter(pool, config.moengage_forward)
    app.extensions["receipts"] = Services(config, mappings, pool, Learner(pool), committer)
    for blueprint in (
        webhooks.bp,
        messages.bp,
        receipts_api.bp,
        summary_api.bp,
        suppressions.bp,
        quarantine.bp,
        mapping_reports.bp,
        forwards_api,
        dashboard.bp,
        openapi.bp,
        health.bp,
    ):
        app.register_blueprint(blueprint)
    metrics.instrument(app)
    log_requests(app)
    register_error_handlers(app)
    return app

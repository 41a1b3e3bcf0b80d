"""The Flask application: its services opened in the process that serves, its blueprints."""

from __future__ import annotations

from flask import Flask

from receipts.config import Config
from receipts.credentials import with_stored_credentials
from receipts.intake.learning import Learner
from receipts.logs import configure_logging
from receipts.mapping.engine import MappingSet
from receipts.reports import api, dashboard, openapi
from receipts.store.embedded import database_url
from receipts.store.group_commit import GroupCommitter
from receipts.store.pool import open_pool
from receipts.web import health, metrics
from receipts.web.access_log import log_requests
from receipts.web.errors import register_error_handlers
from receipts.web.services import Services
from receipts.webhooks import blueprint as webhooks


def create_app(config: Config | None = None) -> Flask:
    """The application factory: one app per process, its pool opened in that process."""
    config = with_stored_credentials(config or Config.from_env())
    configure_logging(config.log_format, secrets=(*config.webhook_secrets, config.api_token))
    mappings = MappingSet.from_paths(config.mappings_dir)
    app = Flask(__name__)
    app.json.sort_keys = False
    pool = open_pool(database_url(config))
    committer = GroupCommitter(pool, config.moengage_forward, queued=metrics.QUEUED_FOR_COMMIT)
    app.extensions["receipts"] = Services(config, mappings, pool, Learner(pool), committer)
    api.register_routes()
    for blueprint in (
        webhooks.bp,
        api.bp,
        dashboard.bp,
        openapi.bp,
        health.bp,
    ):
        app.register_blueprint(blueprint)
    metrics.instrument(app)
    log_requests(app)
    register_error_handlers(app)
    return app

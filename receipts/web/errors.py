"""Every error answer is JSON `{"error": {"code", "detail"}}`, turned out in this one place."""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, Response, jsonify
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from receipts.store.group_commit import CommitterStopped

log = logging.getLogger(__name__)


def json_error(status: int, code: str, detail: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "detail": detail}), status


def _http_error(error: HTTPException) -> tuple[Response, int]:
    code = (error.name or "error").lower().replace(" ", "_")
    response, status = json_error(error.code or 500, code, error.description or code)
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def _database_unavailable(error: Exception) -> tuple[Response, int]:
    log.warning("database unavailable: %s", type(error).__name__)
    response, status = json_error(503, "database_unavailable", "the database is unreachable")
    response.headers["Retry-After"] = "5"
    return response, status


def _unexpected(error: Exception) -> tuple[Response, int]:
    log.exception("unexpected error")
    return json_error(500, "internal_error", "an unexpected error; it has been logged")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(psycopg.OperationalError, _database_unavailable)
    app.register_error_handler(CommitterStopped, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)

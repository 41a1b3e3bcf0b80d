"""`GET /openapi.json`: the OpenAPI document of every HTTP path, built by apispec from the
marshmallow schemas the views use, so the document cannot drift from what is checked."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app

from receipts.reports import schemas

bp = Blueprint("openapi", __name__)

_API_AUTH = [{"apiToken": []}, {"dashboardCookie": []}]
_WEBHOOK_AUTH = [{"webhookSecret": []}, {"webhookBasic": []}, {"webhookToken": []}]


def _json(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    texts = {
        400: "a query parameter is missing or wrong; the detail names it",
        401: "missing or wrong credentials",
        404: "not found",
        413: "the body is over RECEIPTS_MAX_BODY",
        422: "with ?strict=1: the body could not be turned into a receipt",
        503: "the database is unreachable; retry",
    }
    return {str(code): _json(schemas.ErrorSchema, texts[code]) for code in codes}


def _webhook(summary: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "tags": ["webhooks"],
            "security": _WEBHOOK_AUTH,
            "parameters": [{"in": "query", "schema": schemas.WebhookQuerySchema}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                },
            },
            "responses": {
                "200": _json(schemas.WebhookAnswerSchema, "committed as N receipts"),
                "202": _json(schemas.QuarantinedSchema, "authenticated but quarantined"),
                **_errors(401, 413, 422, 503),
            },
        }
    }


def _operations() -> dict[str, dict]:
    """What each route does, by its OpenAPI path and method. The document lists exactly the
    app's routes (openapi_document walks app.url_map): a route missing here is listed as
    undocumented, which the test of this document refuses."""
    connector = {"in": "path", "name": "connector", "required": True, "schema": {"type": "string"}}
    webhook = _webhook("Receipts for a named mapping set: `8x8` for 8x8's callbacks")
    webhook["post"]["parameters"].append(connector)
    webhook["get"] = {
        **{k: v for k, v in _webhook("")["post"].items() if k != "requestBody"},
        "parameters": [{"in": "query", "schema": schemas.WebhookQuerySchema}, dict(connector)],
        "summary": "A receipt as query parameters, for providers that call with GET",
    }
    return {
        "/webhooks/{connector}": webhook,
        "/healthz": {
            "get": {
                "summary": "Liveness",
                "tags": ["operations"],
                "responses": {"200": _json(schemas.HealthSchema, "the process answers")},
            }
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: database reachable, migrations current",
                "tags": ["operations"],
                "responses": {
                    "200": _json(schemas.HealthSchema, "ready"),
                    **_errors(503),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "tags": ["operations"],
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_errors(503),
                },
            }
        },
        "/api/v1/messages/{message_id}": {
            "get": {
                "summary": "One message by 8x8 umid or client message id, with its timeline",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [
                    {
                        "in": "path",
                        "name": "message_id",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1},
                    }
                ],
                "responses": {
                    "200": _json(schemas.MessageSchema, "the message"),
                    **_errors(401, 404, 503),
                },
            }
        },
        "/api/v1/receipts": {
            "get": {
                "summary": "Receipts, filtered, newest first; follow `next` for more",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.ReceiptsQuerySchema}],
                "responses": {
                    "200": _json(schemas.ReceiptPageSchema, "one page of receipts"),
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/reports/summary": {
            "get": {
                "summary": "Messages first seen in [from, to): counts, delivery rate, latency",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.SummaryQuerySchema}],
                "responses": {
                    "200": _json(schemas.SummarySchema, "the summary"),
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/reports/summary.csv": {
            "get": {
                "summary": "The summary as CSV, one line per group",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.SummaryQuerySchema}],
                "responses": {
                    "200": {
                        "description": "CSV with a header line",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/quarantine": {
            "get": {
                "summary": "Quarantined bodies: reason, connector, time, body id; newest first",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.QuarantineQuerySchema}],
                "responses": {
                    "200": {
                        "description": "A page; pass `next` back for the following one",
                        "content": {"application/json": {"schema": schemas.QuarantinePageSchema}},
                    },
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/suppressions": {
            "get": {
                "summary": "Recipients whose latest outcome is a permanent failure",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.SuppressionsQuerySchema}],
                "responses": {
                    "200": {
                        "description": "Newest failure first",
                        "content": {"application/json": {"schema": schemas.SuppressionsSchema}},
                    },
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/suppressions.csv": {
            "get": {
                "summary": "The suppression list as CSV, ready to upload as a MoEngage segment",
                "tags": ["reports"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.SuppressionsQuerySchema}],
                "responses": {
                    "200": {
                        "description": "CSV with a header line",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_errors(400, 401, 503),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["operations"],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/": {
            "get": {
                "summary": "The dashboard page (or its sign-in form); ?token= signs in once",
                "tags": ["dashboard"],
                "parameters": [
                    {"in": "query", "name": "token", "schema": {"type": "string"}},
                    {"in": "query", "name": "from", "schema": {"type": "string"}},
                    {"in": "query", "name": "to", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "303": {"description": "signed in: the token is now an HttpOnly cookie"},
                    "401": {
                        "description": "wrong token: the sign-in form again",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                },
            },
            "post": {
                "summary": "The sign-in form: the token becomes an HttpOnly cookie",
                "tags": ["dashboard"],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"token": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {
                    "303": {"description": "signed in: back to the dashboard"},
                    "401": {
                        "description": "wrong token: the sign-in form again",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                },
            },
        },
        "/sign-out": {
            "post": {
                "summary": "Sign out of the dashboard: the cookie is removed",
                "tags": ["dashboard"],
                "responses": {"303": {"description": "signed out: back to the sign-in form"}},
            }
        },
        "/api/v1/forwards": {
            "get": {
                "summary": "The outbox to MoEngage, newest first, with the count in each state",
                "tags": ["forwarding"],
                "security": _API_AUTH,
                "parameters": [{"in": "query", "schema": schemas.ForwardsQuerySchema}],
                "responses": {
                    "200": _json(schemas.ForwardsPageSchema, "a page; `next_before` for more"),
                    **_errors(400, 401, 503),
                },
            }
        },
        "/api/v1/mappings": {
            "get": {
                "summary": "The loaded mapping files and the detected mappings, with confidences",
                "tags": ["mappings"],
                "security": _API_AUTH,
                "responses": {
                    "200": _json(schemas.MappingsSchema, "files and detected mappings"),
                    **_errors(401, 503),
                },
            }
        },
    }


def openapi_document(app: Flask) -> dict:
    """The OpenAPI document of the app's routes (built once per app by the view)."""
    spec = APISpec(
        title="Receipts",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "8x8 delivery receipts, normalized, stored and reported"},
    )
    spec.components.security_scheme("apiToken", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme(
        "dashboardCookie", {"type": "apiKey", "in": "cookie", "name": "receipts_api_token"}
    )
    spec.components.security_scheme("webhookSecret", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("webhookBasic", {"type": "http", "scheme": "basic"})
    spec.components.security_scheme(
        "webhookToken", {"type": "apiKey", "in": "query", "name": "token"}
    )
    operations = _operations()
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint.split(".")[-1] == "static":
            continue  # files, not an API
        path = _PARAMETER.sub(r"{\1}", rule.rule)
        methods = sorted(method.lower() for method in rule.methods - {"HEAD", "OPTIONS"})
        documented = operations.get(path, {})
        spec.path(
            path=path,
            operations={m: documented.get(m, {"summary": UNDOCUMENTED}) for m in methods},
        )
    return spec.to_dict()


UNDOCUMENTED = "undocumented"
_PARAMETER = re.compile(r"<(?:[a-z]+:)?([A-Za-z_]+)>")  # Flask's <path:message_id>


@bp.get("/openapi.json")
def openapi_json() -> dict:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    document = app.extensions.get("openapi")
    if document is None:
        document = app.extensions["openapi"] = openapi_document(app)
    return document

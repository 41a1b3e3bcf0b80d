"""`/webhooks/<connector>`: authenticate, bound, then hand the body to intake.

Providers that report by GET (Vonage, some SMPP gateways) send the receipt as query
parameters; those are stored and mapped as a form body. 8x8 only ever POSTs, so a GET there
is a mistake and answered 405.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from receipts.errors import json_error
from receipts.metrics import count_webhook_outcomes
from receipts.services import services
from receipts.webhooks.auth import is_authenticated
from receipts.webhooks.intake import accept
from receipts.webhooks.networks import is_allowed_source

bp = Blueprint("webhooks", __name__)

_CONNECTOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
POST_ONLY_CONNECTORS = frozenset({"8x8"})
FORM = "application/x-www-form-urlencoded"
_CONTROL_PARAMETERS = ("token", "strict")
_MAX_CONTENT_TYPE = 255


@bp.before_request
def refuse_sources_outside_the_allow_list() -> ResponseReturnValue | None:
    """Before anything is read or stored (RECEIPTS_ALLOWED_NETWORKS, behind trusted proxies)."""
    config = services().config
    if not config.allowed_networks:
        return None
    if not is_allowed_source(
        request.remote_addr,
        request.headers.get("X-Forwarded-For"),
        config.allowed_networks,
        config.trusted_proxies,
    ):
        return json_error(403, "forbidden_source", "this address may not call the webhook")
    return None


@bp.route("/webhooks/<connector>", methods=["GET", "POST"])
def receive(connector: str) -> ResponseReturnValue:
    if not _CONNECTOR.match(connector):
        abort(404)
    if request.method == "GET" and connector in POST_ONLY_CONNECTORS:
        abort(405, valid_methods=["POST"])
    state = services()
    if not is_authenticated(request, state.config.webhook_secrets):
        return json_error(401, "unauthorized", "missing or wrong webhook secret")
    if request.method == "GET":
        raw, content_type = _query_as_form(), FORM
    else:
        if request.content_length is not None and request.content_length > state.config.max_body:
            abort(413)
        # A chunked body has no Content-Length and is cut at the limit without an error:
        # reading one byte more than the limit is how its excess is seen (and refused).
        request.max_content_length = state.config.max_body + 1
        raw, content_type = request.get_data(cache=False), _stored(request.content_type)
        if len(raw) > state.config.max_body:
            abort(413)
    answer = accept(
        state.pool,
        state.mappings,
        state.config.moengage_forward,
        connector,
        raw,
        content_type,
        strict=request.args.get("strict") in ("1", "true"),
        learner=state.learner,
        committer=state.committer,
    )
    count_webhook_outcomes(connector, answer.outcomes)
    return Response(orjson.dumps(answer.body), answer.status, mimetype="application/json")


def _query_as_form() -> bytes:
    """The query string without our own parameters: the secret must never be stored."""
    pairs = [
        (key, value)
        for key, value in request.args.items(multi=True)
        if key not in _CONTROL_PARAMETERS
    ]
    return urlencode(pairs).encode()


def _stored(content_type: str | None) -> str | None:
    """The header as sent, minus what PostgreSQL text cannot hold, bounded in length."""
    if content_type is None:
        return None
    return content_type.replace("\x00", "")[:_MAX_CONTENT_TYPE]

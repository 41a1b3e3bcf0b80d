"""`/webhooks/<connector>`: authenticate, bound, then hand the body to intake.

Providers that report by GET (Vonage, some SMPP gateways) send the receipt as query
parameters; those are stored and mapped as a form body. 8x8 only ever POSTs, so a GET there
is a mistake and answered 405.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Request, Response, abort, request
from flask.typing import ResponseReturnValue

from receipts.intake.accept import accept
from receipts.web.errors import json_error
from receipts.web.metrics import count_webhook_outcomes
from receipts.web.services import services
from receipts.webhooks.auth import is_authenticated
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
    incoming = request._get_current_object()  # the proxy costs a lookup on every use
    if incoming.method == "GET" and connector in POST_ONLY_CONNECTORS:
        abort(405, valid_methods=["POST"])
    state = services()
    if not is_authenticated(incoming, state.config.webhook_secrets):
        return json_error(401, "unauthorized", "missing or wrong webhook secret")
    if incoming.method == "GET":
        raw, content_type = _query_as_form(incoming), FORM
    else:
        raw, content_type = _bounded_body(incoming, state.config.max_body)
    answer = accept(
        state.pool,
        state.mappings,
        state.config.moengage_forward,
        connector,
        raw,
        content_type,
        strict=_strict(incoming),
        learner=state.learner,
        committer=state.committer,
    )
    count_webhook_outcomes(connector, answer.outcomes)
    return Response(orjson.dumps(answer.body), answer.status, mimetype="application/json")


def _strict(incoming: Request) -> bool:
    """`?strict=1`: answer 422 instead of 202 for a body that cannot be mapped."""
    return bool(incoming.query_string) and incoming.args.get("strict") in ("1", "true")


def _bounded_body(incoming: Request, max_body: int) -> tuple[bytes, str | None]:
    """The body and its type as stored; 413 past the limit, declared or not."""
    declared = incoming.content_length
    if declared is not None:
        if declared > max_body:
            abort(413, _too_large(max_body))
        # The server's input stream ends at the declared length: read it without werkzeug's
        # stream wrappers, the one costly step of an ordinary receipt's read.
        return incoming.environ["wsgi.input"].read(declared), _stored(incoming.content_type)
    # A chunked body has no Content-Length and is cut at the limit without an error:
    # reading one byte more than the limit is how its excess is seen (and refused).
    incoming.max_content_length = max_body + 1
    raw = incoming.get_data(cache=False)
    if len(raw) > max_body:
        abort(413, _too_large(max_body))
    return raw, _stored(incoming.content_type)


def _too_large(max_body: int) -> str:
    return f"the body is over {max_body} bytes, the limit RECEIPTS_MAX_BODY sets"


def _query_as_form(incoming: Request) -> bytes:
    """The query string without our own parameters: the secret must never be stored."""
    pairs = [
        (key, value)
        for key, value in incoming.args.items(multi=True)
        if key not in _CONTROL_PARAMETERS
    ]
    return urlencode(pairs).encode()


def _stored(content_type: str | None) -> str | None:
    """The header as sent, minus what PostgreSQL text cannot hold, bounded in length."""
    if content_type is None:
        return None
    return content_type.replace("\x00", "")[:_MAX_CONTENT_TYPE]

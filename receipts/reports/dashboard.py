"""`GET /`: the dashboard page. It asks for the API token once (`?token=` or its form), keeps
it in an HttpOnly cookie, and the page's scripts then read the reporting API with it.

The cookie is Secure only when the request came over HTTPS (directly, or through a proxy in
`RECEIPTS_TRUSTED_PROXIES` that says so in `X-Forwarded-Proto`): a browser drops a Secure
cookie set over plain HTTP to any host but localhost, which used to send the user back to the
sign-in form without a word. Over plain HTTP the page says so instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import (
    Blueprint,
    Request,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from receipts.reports.auth import TOKEN_COOKIE, is_api_token, presented_token
from receipts.reports.error_codes import error_names
from receipts.web.services import services
from receipts.webhooks.networks import parse_address

bp = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard/static",
)
_COOKIE_AGE = int(timedelta(days=30).total_seconds())
_DEFAULT_DAYS = 30
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
_JUST_SIGNED_IN = "signed-in"
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@bp.get("/")
def dashboard() -> Response:
    token = request.args.get("token")
    if token is not None:
        return _signed_in(token) if is_api_token(token) else _sign_in_page(401)
    if not is_api_token(presented_token(request)):
        # Back from a sign-in without the cookie: the browser refused it.
        dropped = _JUST_SIGNED_IN in request.args
        return _sign_in_page(200, cookie_dropped=dropped)
    first, last, problem = _chosen_days(request.args.get("from"), request.args.get("to"))
    page = render_template(
        "dashboard.html",
        first=first.isoformat(),
        last=last.isoformat(),
        range_problem=problem,
        plain_http=not _over_https(request) and not _is_local(request),
        has_quarantine=_serves("/api/v1/quarantine"),
        error_names=error_names(),
    )
    return _guarded(Response(page, mimetype="text/html"))


@bp.post("/")
def sign_in() -> Response:
    token = request.form.get("token", "")
    return _signed_in(token) if is_api_token(token) else _sign_in_page(401)


@bp.post("/sign-out")
def sign_out() -> Response:
    response = redirect(url_for("dashboard.dashboard"), code=303)
    response.delete_cookie(
        TOKEN_COOKIE, secure=_over_https(request), httponly=True, samesite="Strict"
    )
    return _guarded(response)


def _signed_in(token: str) -> Response:
    """Keep the token in the cookie and drop it from the address bar (and history)."""
    response = redirect(url_for("dashboard.dashboard", **{_JUST_SIGNED_IN: 1}), code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token.strip(),
        max_age=_COOKIE_AGE,
        secure=_over_https(request),
        httponly=True,
        samesite="Strict",
    )
    return _guarded(response)


def _sign_in_page(status: int, cookie_dropped: bool = False) -> Response:
    page = render_template(
        "sign_in.html",
        failed=status == 401,
        cookie_dropped=cookie_dropped,
        plain_http=not _over_https(request) and not _is_local(request),
    )
    return _guarded(Response(page, status=status, mimetype="text/html"))


def _guarded(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _over_https(req: Request) -> bool:
    """HTTPS to us, or to a proxy we trust (`RECEIPTS_TRUSTED_PROXIES`) that says so."""
    if req.scheme == "https":
        return True
    proto = req.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if proto != "https":
        return False
    peer = parse_address(req.remote_addr)
    proxies = services().config.trusted_proxies
    return peer is not None and any(peer.version == net.version and peer in net for net in proxies)


def _is_local(req: Request) -> bool:
    """Browsers keep Secure cookies from http://localhost, so no warning is due there."""
    host = req.host.rsplit(":", 1)[0] if not req.host.endswith("]") else req.host
    return host.lower() in _LOCAL_HOSTS


def _chosen_days(first: str | None, last: str | None) -> tuple[date, date, str | None]:
    """The whole UTC days chosen, both inclusive; the last 30 days when absent or unreadable."""
    today = datetime.now(UTC).date()
    default = (today - timedelta(days=_DEFAULT_DAYS - 1), today)
    if not first and not last:
        return (*default, None)
    try:
        start = date.fromisoformat(first or last or "")
        end = date.fromisoformat(last or first or "")
    except ValueError:
        return (*default, "Those dates could not be read (YYYY-MM-DD); showing the last 30 days.")
    if end < start:
        return (end, start, "“To” was before “From”: the two were swapped.")
    return start, end, None


def _serves(path: str) -> bool:
    """Whether this app has a route, so the page asks only for what is there."""
    return any(rule.rule == path for rule in current_app.url_map.iter_rules())

"""`GET /`: the dashboard page. It asks for the API token once (`?token=` or its form), keeps
it in a secure HttpOnly cookie, and the page's scripts then read the reporting API with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, redirect, render_template, request, url_for

from receipts.reports.auth import TOKEN_COOKIE, is_api_token, presented_token
from receipts.reports.error_codes import error_names

bp = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard/static",
)
_COOKIE_AGE = int(timedelta(days=30).total_seconds())
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
        return _sign_in_page(200)
    start, end = _default_range()
    page = render_template(
        "dashboard.html",
        start=request.args.get("from", start),
        end=request.args.get("to", end),
        error_names=error_names(),
    )
    return _guarded(Response(page, mimetype="text/html"))


@bp.post("/")
def sign_in() -> Response:
    token = request.form.get("token", "")
    return _signed_in(token) if is_api_token(token) else _sign_in_page(401)


def _signed_in(token: str) -> Response:
    """Keep the token in the cookie and drop it from the address bar (and history)."""
    response = redirect(url_for("dashboard.dashboard"), code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token.strip(),
        max_age=_COOKIE_AGE,
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    return _guarded(response)


def _sign_in_page(status: int) -> Response:
    page = render_template("sign_in.html", failed=status == 401)
    return _guarded(Response(page, status=status, mimetype="text/html"))


def _guarded(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _default_range() -> tuple[str, str]:
    """The last 30 whole days up to tomorrow (UTC), so the rollup answers it."""
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return (tomorrow - timedelta(days=30)).isoformat(), tomorrow.isoformat()

"""The dashboard as a person meets it: headless Chromium at a desktop and a phone width, on an
empty database, on one day and on 30 days with 100,000 messages. Each page load saves a
full-page screenshot to tests/reports/screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from receipts import create_app
from tests.support.campaign import Campaign
from tests.support.credentials import API_TOKEN
from tests.support.live_server import LiveServer
from tests.support.waiting import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTHS = (1400, 420)


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    profile = tempfile.mkdtemp(prefix="receipts-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--lang=en-GB",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A campaign manager in Singapore: local times and UTC differ, as they would for most.
    service = webdriver.ChromeService(CHROMEDRIVER, env={**os.environ, "TZ": "Asia/Singapore"})
    driver = webdriver.Chrome(options=options, service=service)
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def signed_in(browser, live_server):
    browser.set_window_size(1400, 900)
    browser.get(f"{live_server.url}/?token={API_TOKEN}")
    assert "token" not in browser.current_url  # the token went into the cookie
    return browser


def show(browser, base_url: str, first: str, last: str, width: int, name: str) -> None:
    """Open the dashboard for [first, last], wait for its charts, check the console, and save
    a full-page screenshot."""
    browser.set_window_size(width, 900)
    browser.get(f"{base_url}/?from={first}&to={last}")
    try:
        state = wait_for(lambda: browser.execute_script("return document.body.dataset.charts"))
    except AssertionError:
        state = None
    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []
    assert state == "drawn", _text(browser, "totals")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, height + 100)
    browser.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"


def x_limits(browser) -> list[float]:
    return browser.execute_script(
        "const x = window.receiptsCharts.rate.scales.x; return [x.min, x.max];"
    )


def epoch(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()


def add_messages(
    conn: psycopg.Connection,
    count: int,
    first: datetime,
    spread: timedelta,
    status: str,
    *,
    recipients: tuple[str, ...] = ("+6591234567",),
    channels: tuple[str, ...] = ("sms",),
    error_code: str | None = None,
    reason: str | None = None,
    skip_days: tuple[int, ...] = (),
) -> None:
    """`count` messages first seen evenly over [first, first + spread), in one statement; the
    days (counted from `first`) in `skip_days` get none, so the chart has gaps to show."""
    if skip_days:
        days = [d for d in range(spread.days) if d not in skip_days]
        unit = timedelta(days=1)
    else:
        days, unit = [0], spread
    conn.execute(
        """
        INSERT INTO messages (connector, message_id, status, provider_status, event_at,
                              first_event_at, final_at, recipient, channel, error_code,
                              error_message, provider_error_code, reason_category)
        SELECT '8x8', %(prefix)s || g, %(status)s, %(status)s, at + interval '2 seconds',
               at, CASE WHEN %(final)s THEN at + (2 + g %% 7) * interval '1 second' END,
               (%(recipients)s::text[])[1 + g %% cardinality(%(recipients)s::text[])],
               (%(channels)s::text[])[1 + g %% cardinality(%(channels)s::text[])],
               %(error_code)s, CASE WHEN %(error_code)s::text IS NOT NULL THEN 'Rejected' END,
               %(error_code)s, %(reason)s
        FROM generate_series(0, %(count)s - 1) AS g,
             LATERAL (SELECT %(first)s::timestamptz + %(unit)s::interval
                             * ((%(days)s::int[])[1 + g * cardinality(%(days)s::int[]) / %(count)s]
                                + (g * cardinality(%(days)s::int[]) %% %(count)s)::float8
                                  / %(count)s) AS at) t
        """,
        {
            "prefix": f"bulk-{status}-{first:%Y%m%d%H}-",
            "status": status,
            "final": status in ("delivered", "read", "failed"),
            "first": first,
            "unit": unit,
            "days": days,
            "count": count,
            "recipients": list(recipients),
            "channels": list(channels),
            "error_code": error_code,
            "reason": reason,
        },
    )


def test_an_empty_database_draws_empty_charts_over_the_chosen_range(
    signed_in, live_server, reports_db
):
    for width in WIDTHS:
        show(signed_in, live_server.url, "2026-03-01", "2026-03-30", width, "empty")
        assert x_limits(signed_in) == [epoch("2026-03-01"), epoch("2026-03-31")]
        assert "No messages in this range." in _text(signed_in, "by-country")
        assert "0\nMessages" in _text(signed_in, "totals")
        assert "This server does not list" in _text(signed_in, "quarantine") or (
            "0 bodies quarantined" in _text(signed_in, "quarantine")
        )
        assert "Waiting to be sent\n0" in _text(signed_in, "forwarding")


def test_one_day_is_drawn_by_the_hour_with_exact_percentages(
    signed_in, live_server, campaign: Campaign, reports_db, client
):
    """The campaign's 2026-03-02 plus 41,785 delivered and 8 failed: 9 failures out of
    41,796 final messages, the figures the old page showed as "100.0%"."""
    day = datetime(2026, 3, 2, tzinfo=UTC)
    add_messages(reports_db, 41_785, day + timedelta(hours=6), timedelta(hours=8), "delivered")
    add_messages(
        reports_db,
        8,
        day + timedelta(hours=16),
        timedelta(hours=1),
        "failed",
        recipients=("+447700900123",),
        error_code="15",
    )
    unreadable = client.post("/webhooks/8x8", content=b'{"hello": "world"}')
    assert unreadable.status_code == 202
    for width in WIDTHS:
        show(signed_in, live_server.url, "2026-03-02", "2026-03-02", width, "one-day")
        quarantine = _text(signed_in, "quarantine")
        assert "1 body quarantined" in quarantine and "receipts replay --quarantined" in quarantine
        assert x_limits(signed_in) == [epoch("2026-03-02"), epoch("2026-03-03")]
        hours = signed_in.execute_script("return window.receiptsCharts.rate.data[0].length")
        assert hours == 24
        series = signed_in.execute_script(
            "return window.receiptsCharts.rate.series.map((s) => s.label)"
        )
        assert series == ["Hour (UTC)", "Messages", "Delivery rate"]  # volume beside rate
        totals = _text(signed_in, "totals")
        assert "41,797\nMessages" in totals
        assert "99.98%\nDelivery rate" in totals
        assert "9 (0.02%)\nFailed" in totals
        assert "100.0%" not in totals
        # Hours with no messages are gaps: 00:00-06:00 UTC has none.
        rates = signed_in.execute_script("return window.receiptsCharts.rate.data[2]")
        assert rates[:6] == [None] * 6 and rates[7] is not None

    browser = signed_in
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "lookup-id").send_keys(campaign.ids["b"])
    browser.find_element(By.CSS_SELECTOR, "#lookup button").click()
    timeline = wait_for(lambda: "Invalid destination" in _text(browser, "timeline"))
    assert timeline
    text = _text(browser, "timeline")
    assert "by sms" in text
    # Human-readable, local time (Singapore, UTC+8) with UTC beside it.
    assert "2026, 16:31:00 GMT+8" in text and "2026, 08:31:00 UTC" in text
    assert "2026-03-02T" not in text  # no raw ISO strings
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(420, height + 100)
    browser.save_screenshot(str(SCREENSHOTS / "one-day-timeline-420.png"))


def test_thirty_days_of_100k_messages(signed_in, live_server, reports_db):
    first = datetime(2026, 4, 1, tzinfo=UTC)
    month = timedelta(days=30)
    countries = ("+6591234567", "+6591234568", "+447700900123", "+12045551234", "+919812345678")
    gaps = (9, 10, 11)  # 10-12 April: nothing sent
    add_messages(
        reports_db,
        88_000,
        first,
        month,
        "delivered",
        recipients=countries,
        channels=("sms", "sms", "whatsapp"),
        skip_days=gaps,
    )
    add_messages(reports_db, 4_000, first, month, "read", channels=("whatsapp",), skip_days=gaps)
    add_messages(
        reports_db,
        3_000,
        first,
        month,
        "failed",
        recipients=countries[2:],
        error_code="43",
        reason="spam_filtered",
        skip_days=gaps,
    )
    add_messages(reports_db, 5_000, first, month, "sent", recipients=countries, skip_days=gaps)
    for width in WIDTHS:
        show(signed_in, live_server.url, "2026-04-01", "2026-04-30", width, "thirty-days")
        assert "100,000\nMessages" in _text(signed_in, "totals")
        assert x_limits(signed_in) == [epoch("2026-04-01"), epoch("2026-05-01")]
        rates = signed_in.execute_script("return window.receiptsCharts.rate.data[2]")
        assert len(rates) == 30
        assert [i for i, rate in enumerate(rates) if rate is None] == list(gaps)
        fills = signed_in.execute_script(
            "const u = window.receiptsCharts.status;"
            "return u.series.slice(1).map((s, i) => s.fill(u, i + 1));"
        )
        assert len(set(fills)) == 6  # one colour per status
        labels = signed_in.execute_script(
            "const u = window.receiptsCharts.status;"
            "return u.axes[1].values(u, [0, 20000, 40000, 1200000]);"
        )
        assert labels == ["0", "20K", "40K", "1.2M"]
        assert "Share" in _text(signed_in, "failures")
        countries_table = _text(signed_in, "by-country")
        assert "SG" in countries_table and "GB" in countries_table
        assert "whatsapp" in _text(signed_in, "by-channel")
        reasons = _text(signed_in, "reasons")
        assert "spam filtered" in reasons and "43 Spam filter: 3,000" in reasons
        # The 5,000 messages left at "sent" in April are long past SMS's 50-hour window.
        assert "5,000 (5.0%)\nOverdue" in _text(signed_in, "totals")
        assert "over 30 days ago 5,000 100%" in _text(signed_in, "overdue")


def test_sign_out_returns_to_the_sign_in_form(signed_in, live_server, reports_db):
    from selenium.webdriver.common.by import By

    show(signed_in, live_server.url, "2026-03-01", "2026-03-01", 1400, "sign-out")
    signed_in.find_element(By.ID, "sign-out").click()
    wait_for(lambda: signed_in.find_elements(By.NAME, "token"))
    signed_in.get(f"{live_server.url}/")
    assert signed_in.find_elements(By.NAME, "token")  # the cookie is gone


def test_a_reversed_range_is_swapped_and_said(api, live_server):
    with httpx.Client(base_url=live_server.url, cookies={"receipts_api_token": API_TOKEN}) as http:
        page = http.get("/", params={"from": "2026-03-05", "to": "2026-03-01"})
    assert 'data-first="2026-03-01"' in page.text and 'data-last="2026-03-05"' in page.text
    assert "was before" in page.text


def test_over_plain_http_the_cookie_is_not_secure_and_the_page_says_why(live_server):
    with httpx.Client(base_url=live_server.url, headers={"Host": "receipts.example"}) as http:
        form = http.get("/")
        assert 'id="plain-http"' in form.text
        wrong = http.post("/", data={"token": "wrong"})
        assert wrong.status_code == 401
        signed_in = http.post("/", data={"token": API_TOKEN})
        # A proxy we do not trust cannot claim HTTPS.
        claimed = http.post("/", data={"token": API_TOKEN}, headers={"X-Forwarded-Proto": "https"})
        dropped = httpx.get(f"{live_server.url}/?signed-in=1", headers={"Host": "receipts.example"})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"receipts_api_token={API_TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    assert "Secure" not in claimed.headers["set-cookie"]
    assert "did not keep the sign-in cookie" in dropped.text


def test_behind_a_trusted_https_proxy_the_cookie_is_secure(config_for):
    loopback = (ipaddress.ip_network("127.0.0.0/8"),)
    server = LiveServer(create_app(config_for(trusted_proxies=loopback)))
    try:
        with httpx.Client(base_url=server.url, headers={"Host": "receipts.example"}) as http:
            proxied = {"X-Forwarded-Proto": "https"}
            form = http.get("/", headers=proxied)
            signed_in = http.post("/", data={"token": API_TOKEN}, headers=proxied)
            plain = http.post("/", data={"token": API_TOKEN})
        with httpx.Client(base_url=server.url, headers={"Host": "receipts.example"}) as http:
            http.cookies.set("receipts_api_token", API_TOKEN)
            page = http.get("/", headers={"X-Forwarded-Proto": "https"})
    finally:
        server.close()
    assert 'id="dashboard"' in page.text
    assert 'id="plain-http"' not in form.text and 'id="plain-http"' not in page.text
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict"):
        assert attribute in signed_in.headers["set-cookie"]
    assert "Secure" not in plain.headers["set-cookie"]


def test_dashboard_assets_are_served_from_the_package(live_server):
    with httpx.Client(base_url=live_server.url) as http:
        script = http.get("/dashboard/static/uplot/uPlot.iife.min.js")
        licence = http.get("/dashboard/static/uplot/LICENSE")
    assert script.status_code == 200 and "uPlot" in script.text
    assert "MIT" in licence.text


def _text(browser, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id).text

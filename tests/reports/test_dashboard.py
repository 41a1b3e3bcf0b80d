"""The dashboard as a person meets it: headless Chromium signs in with ?token=, the charts are
drawn from the API, a message's timeline is found, and the console stays clean."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import API_TOKEN
from tests.support import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = Path(os.environ.get("RECEIPTS_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture
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
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,1500",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_dashboard_draws_charts_and_finds_a_timeline(campaign, live_server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/?token={API_TOKEN}")
    assert "token" not in browser.current_url  # the token went into the cookie
    browser.get(f"{live_server.url}/?from=2026-03-01&to=2026-03-05")
    wait_for(lambda: browser.find_element(By.TAG_NAME, "body").get_attribute("data-charts"))
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart canvas")
    assert len(charts) == 2
    assert all(canvas.size["width"] > 300 and canvas.size["height"] > 100 for canvas in charts)
    reasons = browser.find_element(By.ID, "failures").text
    assert "Invalid destination" in reasons and "Spam filter" in reasons
    assert "60.0%" in browser.find_element(By.ID, "totals").text  # 3 of 5 final delivered

    browser.find_element(By.ID, "lookup-id").send_keys(campaign.ids["d"])
    browser.find_element(By.CSS_SELECTOR, "#lookup button").click()
    timeline = wait_for(lambda: "delivered_to_recipient" in _text(browser, "timeline"))
    assert timeline
    assert "delivered_to_operator" in _text(browser, "timeline")

    browser.save_screenshot(str(SCREENSHOT / "receipts-dashboard.png"))
    problems = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []


def test_dashboard_asks_for_the_token_and_sets_a_secure_httponly_cookie(live_server):
    with httpx.Client(base_url=live_server.url) as http:
        form = http.get("/")
        assert 'name="token"' in form.text
        wrong = http.post("/", data={"token": "wrong"})
        assert wrong.status_code == 401
        signed_in = http.post("/", data={"token": API_TOKEN})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"receipts_api_token={API_TOKEN};")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict"):
        assert attribute in cookie


def test_dashboard_assets_are_served_from_the_package(live_server):
    with httpx.Client(base_url=live_server.url) as http:
        script = http.get("/dashboard/static/uplot/uPlot.iife.min.js")
        licence = http.get("/dashboard/static/uplot/LICENSE")
    assert script.status_code == 200 and "uPlot" in script.text
    assert "MIT" in licence.text


def _text(browser, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id).text

"""GET /openapi.json: every path the service serves, and schemathesis finds the app keeps to it."""

from __future__ import annotations

import re

import pytest

from tests.support.credentials import API_TOKEN

SERVED_PATHS = {
    "/webhooks/{connector}",
    "/api/v1/forwards",
    "/api/v1/mappings",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v1/messages/{message_id}",
    "/api/v1/receipts",
    "/api/v1/reports/summary",
    "/api/v1/reports/summary.csv",
    "/api/v1/quarantine",
    "/api/v1/suppressions",
    "/api/v1/suppressions.csv",
    "/openapi.json",
    "/",
}


def test_document_names_every_served_path(api):
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= SERVED_PATHS
    receipts = document["paths"]["/api/v1/receipts"]["get"]
    assert {p["name"] for p in receipts["parameters"]} >= {"from", "status", "country", "next"}
    assert "SummaryGroup" in document["components"]["schemas"]


def test_document_lists_every_route_of_the_app_and_documents_each(live_server, api):
    document = api.get("/openapi.json").json()
    routes = {
        (re.sub(r"<(?:[a-z]+:)?([A-Za-z_]+)>", r"{\1}", rule.rule), method.lower())
        for rule in live_server.app.url_map.iter_rules()
        if rule.endpoint.split(".")[-1] != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert set(documented) == routes
    undocumented = [key for key, op in documented.items() if op.get("summary") == "undocumented"]
    assert undocumented == []


@pytest.mark.slow
def test_schemathesis_finds_no_failures(live_server, db):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/" or operation.path.startswith("/webhooks"):
            continue  # HTML and webhook bodies are covered by their own tests

        @settings(
            max_examples=25,
            deadline=None,  # conformance, not speed: a loaded CI machine must not fail it
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case) -> None:
            # A schema-valid `next` the API never gave out, or `to` before `from`, is a 400 the
            # document cannot express; every other check runs.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as error:  # gather every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert failures == []

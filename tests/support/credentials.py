"""The secrets the test configuration holds: two webhook secrets (a rotation) and the API token."""

from __future__ import annotations

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
OLD_WEBHOOK_SECRET = "test-old-webhook-secret-987654"
API_TOKEN = "test-api-token-0123456789"

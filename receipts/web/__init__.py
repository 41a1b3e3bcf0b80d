"""The Flask plumbing every blueprint shares: the services an app holds, JSON errors, health
checks, metrics, the access log, and gunicorn's hooks. The blueprints themselves live with
what they serve (receipts/webhooks/, receipts/reports/)."""

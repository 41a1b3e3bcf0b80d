"""Intake: an authenticated body's bytes become stored receipts, or a quarantined body.

No Flask here: the webhook (receipts/webhooks/), `receipts import` (backfill.py) and
`receipts replay --quarantined` (replay_quarantined.py) all take bodies in through accept.py's
path, so a body is parsed, mapped, stored or quarantined the same way whichever door it came in.
"""

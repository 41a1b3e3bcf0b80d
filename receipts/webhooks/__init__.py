"""The webhook's Flask edge: the blueprint, the secret check, the network allow-list; the
body itself goes to receipts/intake/."""

"""The receiver: where a provider's webhook call enters Receipts."""

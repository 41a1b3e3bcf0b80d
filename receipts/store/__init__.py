"""PostgreSQL: the only part of Receipts that writes SQL."""

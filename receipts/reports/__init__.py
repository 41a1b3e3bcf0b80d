"""Reading the store: the reporting API, and later the summaries and the dashboard."""

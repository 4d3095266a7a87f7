"""Vendor adapters: Alpha Vantage (history and polling) and Tradier (broker)."""

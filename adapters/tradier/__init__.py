"""Tradier adapter: HTTP and WebSocket clients, schemas, parsing, providers, data and execution."""

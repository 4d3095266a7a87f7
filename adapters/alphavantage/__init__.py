"""Alpha Vantage adapter: HTTP client, schemas, parsing, providers, data client, loaders."""

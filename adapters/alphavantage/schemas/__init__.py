"""msgspec structs mirroring Alpha Vantage replies field for field (values kept as strings).

Each module holds one family of endpoints plus its ``decode_*`` functions, which turn a raw
body into structs and raise :class:`~adapters.alphavantage.errors.AlphaVantageParseError`
on any layout mismatch.
"""

"""Listings and market state: LISTING_STATUS (CSV) and MARKET_STATUS."""

import msgspec

from adapters.alphavantage.schemas.decoding import decode_csv, decode_json


class ListingRow(msgspec.Struct, frozen=True):
    """One row of LISTING_STATUS; ``delistingDate`` is the text ``null`` while listed."""

    symbol: str
    name: str
    exchange: str
    assetType: str  # noqa: N815 (vendor column name)
    ipoDate: str  # noqa: N815
    delistingDate: str  # noqa: N815
    status: str


class MarketInfo(msgspec.Struct, frozen=True):
    """One region's market in MARKET_STATUS (local times as ``HH:MM``)."""

    market_type: str
    region: str
    primary_exchanges: str
    local_open: str
    local_close: str
    current_status: str
    notes: str | None = None


class MarketStatusResponse(msgspec.Struct, frozen=True):
    """MARKET_STATUS JSON."""

    markets: list[MarketInfo]
    endpoint: str | None = None


_MARKET_STATUS = msgspec.json.Decoder(MarketStatusResponse)


def decode_listing_status(body: bytes | str) -> list[ListingRow]:
    """Decode the LISTING_STATUS CSV by header (raises ``AlphaVantageParseError``)."""
    return decode_csv(body, ListingRow, "LISTING_STATUS")


def decode_market_status(body: bytes | str) -> MarketStatusResponse:
    """Decode MARKET_STATUS JSON (raises ``AlphaVantageParseError``)."""
    return decode_json(body, _MARKET_STATUS, "MARKET_STATUS")

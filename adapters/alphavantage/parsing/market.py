"""LISTING_STATUS to ``Equity`` definitions and MARKET_STATUS to the US open/closed state."""

from nautilus_trader.model.instruments import Equity

from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import Rejection, ticker_id
from adapters.alphavantage.schemas.market import ListingRow, MarketStatusResponse
from options.instruments import make_equity

LISTED_ASSET_TYPES = frozenset({"Stock", "ETF"})
_US_REGION = "united states"


def parse_listing_status(
    rows: list[ListingRow], ts_init: int = 0
) -> tuple[list[Equity], list[Rejection]]:
    """Return an ``Equity`` per active stock or ETF listing (venue ``US``).

    Parameters
    ----------
    rows : list[ListingRow]
        The decoded LISTING_STATUS rows.
    ts_init : int, default 0
        UNIX ns the listing became known (the fetch time).

    Returns
    -------
    tuple[list[Equity], list[Rejection]]
        The equities and the rows refused; delisted rows and other asset types are skipped,
        not refused.

    """
    equities: list[Equity] = []
    rejected: list[Rejection] = []
    for row in rows:
        if row.status.strip().lower() != "active" or row.assetType not in LISTED_ASSET_TYPES:
            continue
        try:
            ticker_id(row.symbol)
            equities.append(make_equity(row.symbol.strip(), ts_init=ts_init))
        except (AlphaVantageParseError, ValueError) as exc:
            rejected.append(Rejection(row.symbol, str(exc)))
    return equities, rejected


def us_market_open(response: MarketStatusResponse) -> bool:
    """Return whether the vendor reports the US equity market as open.

    Raises
    ------
    AlphaVantageParseError
        If the reply has no US equity market.

    """
    for market in response.markets:
        if market.market_type == "Equity" and market.region.strip().lower() == _US_REGION:
            return market.current_status.strip().lower() == "open"
    raise AlphaVantageParseError("MARKET_STATUS had no United States equity market")

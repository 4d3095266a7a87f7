"""GLOBAL_QUOTE to a ``TradeTick`` of the underlying's latest price."""

from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import AggressorSide
from nautilus_trader.model.identifiers import TradeId
from nautilus_trader.model.objects import PRICE_MAX, Price, Quantity

from adapters.alphavantage.errors import AlphaVantageParseError
from adapters.alphavantage.parsing.values import required_float, ticker_id
from adapters.alphavantage.schemas.time_series import GlobalQuoteResponse
from options.instruments import EQUITY_PRICE_PRECISION

NOMINAL_TRADE_SIZE = 1
"""Size given to the tick: the vendor serves the day's volume, not the last trade's size."""


def parse_global_quote(response: GlobalQuoteResponse, ts_init: int) -> TradeTick | None:
    """Return the latest price as a ``TradeTick`` stamped at `ts_init` (the receive time).

    The price is the last trade (or the latest close when the market is shut) in dollars per
    share; the size is :data:`NOMINAL_TRADE_SIZE`.

    Returns
    -------
    TradeTick or None
        ``None`` for the vendor's empty quote (unknown symbol).

    Raises
    ------
    AlphaVantageParseError
        If the symbol is invalid or the price is not in ``(0, PRICE_MAX]``.

    """
    quote = response.quote
    if quote.symbol is None and quote.price is None:
        return None
    if quote.symbol is None:
        raise AlphaVantageParseError("GLOBAL_QUOTE had a price but no symbol")
    price = required_float(quote.price, "price")
    if not 0 < price <= PRICE_MAX:
        raise AlphaVantageParseError(f"GLOBAL_QUOTE price was {quote.price!r}")
    return TradeTick(
        ticker_id(quote.symbol),
        Price(price, EQUITY_PRICE_PRECISION),
        Quantity.from_int(NOMINAL_TRADE_SIZE),
        AggressorSide.NO_AGGRESSOR,
        TradeId(f"AV-{ts_init}"),
        ts_init,
        ts_init,
    )

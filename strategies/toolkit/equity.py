"""Account equity marked to market: cash plus open positions at their marks."""

from typing import Any

from nautilus_trader.model.currencies import USD
from nautilus_trader.model.identifiers import InstrumentId, Venue

from options.instruments import daily_bar_type


def mark_price(cache: Any, instrument_id: InstrumentId) -> float | None:
    """Return the mark of an instrument, dollars per share.

    The mark is the mid of the latest quote, else the close of the latest daily bar, else
    ``None``. A contract not quoted since entry keeps its last mid (end-of-day data quotes a
    held contract only on some days).
    """
    quote = cache.quote_tick(instrument_id)
    if quote is not None:
        return float((quote.bid_price.as_double() + quote.ask_price.as_double()) / 2.0)
    bar = cache.bar(daily_bar_type(instrument_id))
    if bar is not None:
        return float(bar.close.as_double())
    return None


def marked_equity(cache: Any, portfolio: Any, venue: Venue) -> float:
    """Return cash plus open positions marked to market, in USD.

    Parameters
    ----------
    cache : Cache
        The Nautilus cache (positions, quotes, bars).
    portfolio : Portfolio
        The Nautilus portfolio (accounts).
    venue : Venue
        The venue whose account and positions count.

    """
    account = portfolio.account(venue)
    equity = float(account.balance_total(USD).as_double()) if account is not None else 0.0
    for position in cache.positions_open(venue=venue):
        mark = mark_price(cache, position.instrument_id)
        if mark is None:
            continue
        multiplier = cache.instrument(position.instrument_id).multiplier.as_double()
        equity += float(position.signed_qty) * multiplier * mark
    return equity

"""Instrument and data-type conventions shared by backtests and live trading.

Every instrument lives on one venue, :data:`VENUE` (``US``), so an option and its underlying
share it as Nautilus requires (an option's underlying is looked up as
``{option.underlying}.{option.id.venue}``). Options use compact OCC symbols
(``SPY210129P00360000.US``), underlyings their ticker (``SPY.US``).

Prices: options in dollars per share with 2 decimals; equities with 4 decimals. One option
contract has a multiplier of 100 shares.
"""

import datetime as dt
from decimal import Decimal

from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import BarSpecification, BarType
from nautilus_trader.model.enums import (
    AggregationSource,
    AssetClass,
    BarAggregation,
    OptionKind,
    PriceType,
)
from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
from nautilus_trader.model.instruments import Equity, OptionContract
from nautilus_trader.model.objects import Price, Quantity

from tradefly.market_calendar import expiration_close_ns
from tradefly.occ import OccSymbol, format_occ

VENUE = Venue("US")
OPTION_PRICE_PRECISION = 2
EQUITY_PRICE_PRECISION = 4
OPTION_MULTIPLIER = 100
DAILY_LAST = BarSpecification(1, BarAggregation.DAY, PriceType.LAST)
EOD_QUOTE_SIZE = 10_000
"""Contracts on each side of an end-of-day quote whose source gives no sizes."""


def equity_id(ticker: str) -> InstrumentId:
    """Return the instrument ID of an underlying, e.g. ``SPY.US``."""
    return InstrumentId(Symbol(ticker.upper()), VENUE)


def option_id(occ: OccSymbol) -> InstrumentId:
    """Return the instrument ID of an option, e.g. ``SPY210129P00360000.US``."""
    return InstrumentId(Symbol(occ.compact), VENUE)


def make_equity(ticker: str, ts_init: int = 0) -> Equity:
    """Build the ``Equity`` for an underlying stock or ETF (USD, 4-decimal prices, lot of 1)."""
    return Equity(
        instrument_id=equity_id(ticker),
        raw_symbol=Symbol(ticker.upper()),
        currency=USD,
        price_precision=EQUITY_PRICE_PRECISION,
        price_increment=Price(Decimal(1).scaleb(-EQUITY_PRICE_PRECISION), EQUITY_PRICE_PRECISION),
        lot_size=Quantity.from_int(1),
        ts_event=ts_init,
        ts_init=ts_init,
    )


def make_option_contract(
    occ: OccSymbol,
    underlying: str | None = None,
    ts_init: int = 0,
    info: dict[str, object] | None = None,
) -> OptionContract:
    """Build the ``OptionContract`` for an OCC symbol.

    Parameters
    ----------
    occ : OccSymbol
        The parsed OCC symbol.
    underlying : str, optional
        The underlying ticker; defaults to the OCC root (pass it for non-standard roots such as
        ``SPXW`` or ``AAPL1``).
    ts_init : int, default 0
        UNIX nanoseconds the definition became known.
    info : dict, optional
        Raw vendor fields to keep with the definition.

    Returns
    -------
    OptionContract
        Multiplier 100, USD, 2-decimal prices, expiry at the session close of the expiration
        date (16:00 New York; the early close on half days).

    """
    return OptionContract(
        instrument_id=option_id(occ),
        raw_symbol=Symbol(occ.compact),
        asset_class=AssetClass.EQUITY,
        currency=USD,
        price_precision=OPTION_PRICE_PRECISION,
        price_increment=Price.from_str("0.01"),
        multiplier=Quantity.from_int(OPTION_MULTIPLIER),
        lot_size=Quantity.from_int(1),
        underlying=(underlying or occ.root).upper(),
        option_kind=occ.kind,
        strike_price=Price(occ.strike, 3),
        activation_ns=0,
        expiration_ns=expiration_close_ns(occ.expiration),
        ts_event=ts_init,
        ts_init=ts_init,
        info=info,
    )


def daily_bar_type(instrument_id: InstrumentId) -> BarType:
    """Return the daily last-price bar type, e.g. ``SPY.US-1-DAY-LAST-EXTERNAL``.

    The matching engine settles option expiry from the underlying's LAST price, so underlying
    bars must be of this type.
    """
    return BarType(instrument_id, DAILY_LAST, AggregationSource.EXTERNAL)


def occ_for(root: str, expiration: dt.date, kind: str, strike: Decimal | float) -> str:
    """Return a compact OCC symbol from vendor fields (`kind` is ``call``/``put``/``C``/``P``)."""
    right = kind.strip().upper()[:1]
    if right not in ("C", "P"):
        raise ValueError(f"option type was not call or put: {kind!r}")
    return format_occ(root, expiration, OptionKind.CALL if right == "C" else OptionKind.PUT, strike)

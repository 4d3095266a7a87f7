"""Instrument and data-type conventions shared by backtests and live trading.

Every instrument lives on one venue, :data:`VENUE` (``US``), so an option and its underlying
share it as Nautilus requires (an option's underlying is looked up as
``{option.underlying}.{option.id.venue}``). Options use compact OCC symbols
(``SPY210129P00360000.US``), underlyings their ticker (``SPY.US``).

Prices: options in dollars per share with 2 decimals; underlyings with 4 decimals. One option
contract has a multiplier of 100 shares (or 100 × the index for index options); a contract
adjusted after a corporate action carries its own multiplier and deliverable
(:mod:`options.deliverables`, kept in the contract's ``info``).

Index options (:mod:`options.index_options`: SPX, SPXW, XSP, NDX, NDXP, RUT, RUTW, VIX, ...)
have an ``IndexInstrument`` underlying named by the index (``SPXW`` options have underlying
``SPX``), so Nautilus settles them in cash at intrinsic value. PM-settled contracts expire at
the expiration day's close; AM-settled ones at its open (09:30 New York).
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
from nautilus_trader.model.instruments import Equity, IndexInstrument, OptionContract
from nautilus_trader.model.objects import Price, Quantity

from options.deliverables import STANDARD, Deliverable
from options.index_options import index_of_root, is_index, settlement_of_root
from options.market_calendar import expiration_close_ns, expiration_open_ns
from options.occ import OccSymbol, format_occ

VENUE = Venue("US")
OPTION_PRICE_PRECISION = 2
EQUITY_PRICE_PRECISION = 4
OPTION_MULTIPLIER = 100
DAILY_LAST = BarSpecification(1, BarAggregation.DAY, PriceType.LAST)
MINUTE_LAST = BarSpecification(1, BarAggregation.MINUTE, PriceType.LAST)
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


def make_index(ticker: str, ts_init: int = 0) -> IndexInstrument:
    """Build the ``IndexInstrument`` of an index (USD, 4-decimal prices), e.g. ``SPX.US``."""
    return IndexInstrument(
        instrument_id=equity_id(ticker),
        raw_symbol=Symbol(ticker.upper()),
        currency=USD,
        price_precision=EQUITY_PRICE_PRECISION,
        size_precision=0,
        price_increment=Price(Decimal(1).scaleb(-EQUITY_PRICE_PRECISION), EQUITY_PRICE_PRECISION),
        size_increment=Quantity.from_int(1),
        ts_event=ts_init,
        ts_init=ts_init,
    )


def make_underlying(
    ticker: str, ts_init: int = 0, index_roots: frozenset[str] | tuple[str, ...] = ()
) -> Equity | IndexInstrument:
    """Build the underlying of options on `ticker`.

    Parameters
    ----------
    ticker : str
        The underlying ticker (``SPY``, ``SPX``).
    ts_init : int, default 0
        UNIX nanoseconds the definition became known.
    index_roots : frozenset[str] or tuple[str, ...], default ()
        Further tickers to treat as indexes, beyond :data:`options.index_options.INDEX_TICKERS`.

    Returns
    -------
    Equity or IndexInstrument
        An ``IndexInstrument`` (options on it settle in cash) for an index, else an ``Equity``.

    """
    if is_index(ticker, index_roots):
        return make_index(ticker, ts_init)
    return make_equity(ticker, ts_init)


def option_expiration_ns(root: str, expiration: dt.date) -> int:
    """Return the expiry instant of an option (UNIX ns): the open for AM-settled index roots.

    Equity options and PM-settled index options expire at the session close of `expiration`;
    AM-settled index options (``SPX``, ``NDX``, ``RUT`` monthlies, VIX) at its open, the
    approximation of their settlement by the expiration morning's opening print.
    """
    if index_of_root(root) is not None and settlement_of_root(root) == "AM":
        return expiration_open_ns(expiration)
    return expiration_close_ns(expiration)


def make_option_contract(
    occ: OccSymbol,
    underlying: str | None = None,
    ts_init: int = 0,
    info: dict[str, object] | None = None,
    deliverable: Deliverable = STANDARD,
) -> OptionContract:
    """Build the ``OptionContract`` for an OCC symbol.

    Parameters
    ----------
    occ : OccSymbol
        The parsed OCC symbol.
    underlying : str, optional
        The underlying ticker; defaults to the index of an index root (``SPXW`` -> ``SPX``),
        else the OCC root (pass it for adjusted roots such as ``AAPL1``).
    ts_init : int, default 0
        UNIX nanoseconds the definition became known.
    info : dict, optional
        Raw vendor fields to keep with the definition.
    deliverable : Deliverable, default STANDARD
        What one contract delivers; a non-standard one (an adjusted root such as ``XYZ1``
        delivering 150 shares) sets the multiplier and is kept in ``info``
        (:meth:`options.deliverables.Deliverable.info`).

    Returns
    -------
    OptionContract
        The deliverable's multiplier (100), USD, 2-decimal prices, expiry at the session
        close of the expiration date (16:00 New York; the early close on half days), or at
        its open for AM-settled index roots (:func:`option_expiration_ns`).

    """
    return OptionContract(
        instrument_id=option_id(occ),
        raw_symbol=Symbol(occ.compact),
        asset_class=AssetClass.EQUITY,
        currency=USD,
        price_precision=OPTION_PRICE_PRECISION,
        price_increment=Price.from_str("0.01"),
        multiplier=Quantity.from_int(deliverable.multiplier),
        lot_size=Quantity.from_int(1),
        underlying=(underlying or index_of_root(occ.root) or occ.root).upper(),
        option_kind=occ.kind,
        strike_price=Price(occ.strike, 3),
        activation_ns=0,
        expiration_ns=option_expiration_ns(occ.root, occ.expiration),
        ts_event=ts_init,
        ts_init=ts_init,
        info=info if deliverable.is_standard else {**(info or {}), **deliverable.info()},
    )


def daily_bar_type(instrument_id: InstrumentId) -> BarType:
    """Return the daily last-price bar type, e.g. ``SPY.US-1-DAY-LAST-EXTERNAL``.

    The matching engine settles option expiry from the underlying's LAST price, so underlying
    bars must be of this type.
    """
    return BarType(instrument_id, DAILY_LAST, AggregationSource.EXTERNAL)


def minute_bar_type(instrument_id: InstrumentId) -> BarType:
    """Return the 1-minute last-price bar type, e.g. ``SPX.US-1-MINUTE-LAST-EXTERNAL``.

    Minute bars are stamped at the end of their minute (Nautilus's convention).
    """
    return BarType(instrument_id, MINUTE_LAST, AggregationSource.EXTERNAL)


def occ_for(root: str, expiration: dt.date, kind: str, strike: Decimal | float) -> str:
    """Return a compact OCC symbol from vendor fields (`kind` is ``call``/``put``/``C``/``P``)."""
    right = kind.strip().upper()[:1]
    if right not in ("C", "P"):
        raise ValueError(f"option type was not call or put: {kind!r}")
    return format_occ(root, expiration, OptionKind.CALL if right == "C" else OptionKind.PUT, strike)

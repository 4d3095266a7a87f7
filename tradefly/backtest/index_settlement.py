"""Cash settlement of index options in a backtest.

Nautilus settles an option in cash at intrinsic value when its underlying is an
``IndexInstrument``, using the underlying's last price at ``expiration_ns``. That is exact for
PM-settled contracts, which expire at the close (the runner replays the index's close bar
before expiry is processed). AM-settled contracts (standard SPX, NDX and RUT monthlies, VIX)
settle on the expiration morning's special opening quotation, which no daily file carries;
they are approximated by the **opening price of the index's daily bar of the expiration
session**: the contract expires at 09:30 New York
(:func:`options.instruments.option_expiration_ns`), and its venue settlement price is the
intrinsic value at that open, passed to the venue as ``settlement_prices`` (Nautilus closes
the position at that price whether it judges the option in or out of the money). Without a
bar for the expiration session the engine falls back to the last price it has, the previous
close.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from nautilus_trader.model.data import Bar
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import Instrument, OptionContract

from options.index_options import is_index, settlement_of_root
from options.instruments import make_index, option_expiration_ns
from options.market_calendar import session_of_ns
from options.occ import parse_occ


def index_underlying(stored: Instrument, index_roots: Iterable[str]) -> Instrument:
    """Return `stored` as an ``IndexInstrument`` when its ticker is an index, else unchanged.

    Catalogs written before index options were recognised hold indexes as ``Equity``.
    """
    ticker = stored.id.symbol.value
    if is_index(ticker, tuple(index_roots)):
        return make_index(ticker, stored.ts_init)
    return stored


def with_index_expiry(contract: OptionContract) -> OptionContract:
    """Return `contract` expiring at its root's settlement time (the open for AM roots)."""
    occ = parse_occ(contract.raw_symbol.value)
    expiration_ns = option_expiration_ns(occ.root, occ.expiration)
    if expiration_ns == contract.expiration_ns:
        return contract
    values = OptionContract.to_dict(contract)
    values["expiration_ns"] = expiration_ns
    return OptionContract.from_dict(values)


def am_settlement_prices(
    options: Iterable[OptionContract], index_bars: Iterable[Bar]
) -> dict[InstrumentId, float]:
    """Return the settlement price per share of each AM-settled option with an opening price.

    Parameters
    ----------
    options : Iterable[OptionContract]
        Options on one index.
    index_bars : Iterable[Bar]
        The index's daily bars; the bar of an option's expiration session gives its open.

    Returns
    -------
    dict[InstrumentId, float]
        For each AM-settled option whose expiration session has a bar: its intrinsic value
        at that bar's open, in dollars per share (0.0 when out of the money).

    """
    opens = {session_of_ns(bar.ts_event): bar.open.as_decimal() for bar in index_bars}
    prices: dict[InstrumentId, float] = {}
    for option in options:
        occ = parse_occ(option.raw_symbol.value)
        if settlement_of_root(occ.root) != "AM":
            continue
        spot = opens.get(session_of_ns(option.expiration_ns))
        if spot is not None:
            prices[option.id] = float(_intrinsic(option, spot))
    return prices


def _intrinsic(option: OptionContract, spot: Decimal) -> Decimal:
    strike: Decimal = option.strike_price.as_decimal()
    value: Decimal = spot - strike if option.option_kind == OptionKind.CALL else strike - spot
    return max(value, Decimal(0))


def minute_settlement_prices(
    options: Iterable[OptionContract], index_bars: Iterable[Bar]
) -> dict[InstrumentId, float]:
    """Return the settlement price per share of each index option, from the index's minute bars.

    PM-settled contracts (SPXW, ...) settle at the **close of the last minute bar of the
    expiration day** (New York date): LEAN's SPX files carry bars after 16:00 whose value is
    the official close (3700.65 on 2021-01-04, while the 15:59 minute closed at 3701.38), and
    a file without them ends on the 15:59 minute. AM-settled contracts settle at the **open
    of the expiration session's first minute bar**, the approximation of the special opening
    quotation (see the module docstring).

    Parameters
    ----------
    options : Iterable[OptionContract]
        Options on one index.
    index_bars : Iterable[Bar]
        The index's 1-minute bars, stamped at the end of their minute.

    Returns
    -------
    dict[InstrumentId, float]
        For each option whose expiration day has bars: its intrinsic value at that price, in
        dollars per share (0.0 when out of the money). Options without bars of that day are
        left to the engine (the last price it has).

    """
    first_open: dict[dt.date, Decimal] = {}
    last_close: dict[dt.date, Decimal] = {}
    for bar in sorted(index_bars, key=lambda b: b.ts_event):
        day = session_of_ns(bar.ts_event)
        first_open.setdefault(day, bar.open.as_decimal())
        last_close[day] = bar.close.as_decimal()
    prices: dict[InstrumentId, float] = {}
    for option in options:
        occ = parse_occ(option.raw_symbol.value)
        day = session_of_ns(option.expiration_ns)
        at_open = settlement_of_root(occ.root) == "AM"
        spot = (first_open if at_open else last_close).get(day)
        if spot is not None:
            prices[option.id] = float(_intrinsic(option, spot))
    return prices

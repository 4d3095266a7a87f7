"""The named structures, by the names traders use.

Each preset is a function returning a :class:`options.structures.Structure`; its keyword
arguments set the strike and expiration rules. Deltas are absolute (0.30 means a call near
+0.30 or a put near -0.30); widths are positive dollars per share, applied away from the
money (a bull put spread's long put is `width` below the short put); `dte` is the expiration
window in calendar days. :data:`PRESETS` maps each name to its function.

The stock and cash legs: :func:`covered_call` holds 100 shares per call
(``stock_shares=100``); :func:`cash_secured_put` reserves strike × 100 in cash
(``cash_secured=True``, see :attr:`options.priced.PricedStructure.cash_reserve`).

Raises
------
ValueError
    Every preset, when an argument is out of range (a delta outside (0, 1), a width that is
    not positive, a ratio below 2 for :func:`ratio_spread`).
"""

from collections.abc import Callable, Mapping

from nautilus_trader.model.enums import OptionKind

from options.structures import (
    DteWindow,
    LegRule,
    Side,
    StrikeByDelta,
    StrikeByMoneyness,
    StrikeOffset,
    StrikeRule,
    Structure,
)

CALL, PUT = OptionKind.CALL, OptionKind.PUT
LONG, SHORT = Side.LONG, Side.SHORT

DEFAULT_DTE = DteWindow(30, 45)
"""Expiration window of single-expiration presets: 30 to 45 calendar days."""

DEFAULT_FRONT = DteWindow(20, 40)
"""Front expiration window of calendars and diagonals, calendar days."""

DEFAULT_BACK = DteWindow(50, 90)
"""Back expiration window of calendars and diagonals, calendar days."""

AT_THE_MONEY = StrikeByMoneyness(1.0)
"""The listed strike nearest the underlying price."""


def _width(width: float) -> float:
    if not width > 0.0:
        raise ValueError(f"width must be positive dollars, got {width!r}")
    return float(width)


def _single(
    name: str, dte: DteWindow, *legs: LegRule, stock_shares: int = 0, cash_secured: bool = False
) -> Structure:
    return Structure(name, legs, (dte,), stock_shares, cash_secured)


def _leg(kind: OptionKind, side: Side, strike: StrikeRule, ratio: int = 1) -> LegRule:
    return LegRule(kind, side, strike, ratio)


def long_call(delta: float = 0.50, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a long call picked by delta. Loss: the debit; profit unbounded."""
    return _single("long_call", dte, _leg(CALL, LONG, StrikeByDelta(delta)))


def long_put(delta: float = 0.50, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a long put picked by delta. Loss: the debit; profit: strike - debit."""
    return _single("long_put", dte, _leg(PUT, LONG, StrikeByDelta(delta)))


def short_put(
    delta: float = 0.30, dte: DteWindow = DEFAULT_DTE, strike: StrikeRule | None = None
) -> Structure:
    """Return a naked short put by delta, or by `strike` when given (e.g. moneyness).

    Loss: strike - credit (the underlying at zero); profit: the credit. The short version of
    :func:`long_put`; :func:`cash_secured_put` is the same trade with the cash reserved.
    """
    return _single("short_put", dte, _leg(PUT, SHORT, strike or StrikeByDelta(delta)))


def short_call(
    delta: float = 0.30, dte: DteWindow = DEFAULT_DTE, strike: StrikeRule | None = None
) -> Structure:
    """Return a naked short call by delta, or by `strike` when given. Loss: unbounded."""
    return _single("short_call", dte, _leg(CALL, SHORT, strike or StrikeByDelta(delta)))


def bull_call_spread(
    long_delta: float = 0.50,
    width: float = 5.0,
    dte: DteWindow = DEFAULT_DTE,
    strike: StrikeRule | None = None,
) -> Structure:
    """Return a long call by delta (or `strike`) and a short call `width` dollars above it.

    A debit. `strike`, when given, picks the first leg instead of `long_delta` (e.g. by
    moneyness); the same holds for the other vertical spreads.
    """
    return _single(
        "bull_call_spread",
        dte,
        _leg(CALL, LONG, strike or StrikeByDelta(long_delta)),
        _leg(CALL, SHORT, StrikeOffset(0, _width(width))),
    )


def bear_put_spread(
    long_delta: float = 0.50,
    width: float = 5.0,
    dte: DteWindow = DEFAULT_DTE,
    strike: StrikeRule | None = None,
) -> Structure:
    """Return a long put by delta and a short put `width` dollars below it (a debit)."""
    return _single(
        "bear_put_spread",
        dte,
        _leg(PUT, LONG, strike or StrikeByDelta(long_delta)),
        _leg(PUT, SHORT, StrikeOffset(0, -_width(width))),
    )


def bull_put_spread(
    short_delta: float = 0.30,
    width: float = 5.0,
    dte: DteWindow = DEFAULT_DTE,
    strike: StrikeRule | None = None,
) -> Structure:
    """Return a short put by delta and a long put `width` dollars below it (a credit)."""
    return _single(
        "bull_put_spread",
        dte,
        _leg(PUT, SHORT, strike or StrikeByDelta(short_delta)),
        _leg(PUT, LONG, StrikeOffset(0, -_width(width))),
    )


def bear_call_spread(
    short_delta: float = 0.30,
    width: float = 5.0,
    dte: DteWindow = DEFAULT_DTE,
    strike: StrikeRule | None = None,
) -> Structure:
    """Return a short call by delta and a long call `width` dollars above it (a credit)."""
    return _single(
        "bear_call_spread",
        dte,
        _leg(CALL, SHORT, strike or StrikeByDelta(short_delta)),
        _leg(CALL, LONG, StrikeOffset(0, _width(width))),
    )


def iron_condor(
    short_delta: float = 0.16, width: float = 5.0, dte: DteWindow = DEFAULT_DTE
) -> Structure:
    """Return a bull put spread and a bear call spread on one expiration (a credit).

    Legs: short put by delta, long put `width` below it, short call by delta, long call
    `width` above it.
    """
    return _single(
        "iron_condor",
        dte,
        _leg(PUT, SHORT, StrikeByDelta(short_delta)),
        _leg(PUT, LONG, StrikeOffset(0, -_width(width))),
        _leg(CALL, SHORT, StrikeByDelta(short_delta)),
        _leg(CALL, LONG, StrikeOffset(2, _width(width))),
    )


def iron_butterfly(
    width: float = 5.0, center: StrikeRule = AT_THE_MONEY, dte: DteWindow = DEFAULT_DTE
) -> Structure:
    """Return a short put and call at one strike with long wings `width` away (a credit).

    Legs: short put at `center`, long put `width` below, short call at the put's strike, long
    call `width` above.
    """
    return _single(
        "iron_butterfly",
        dte,
        _leg(PUT, SHORT, center),
        _leg(PUT, LONG, StrikeOffset(0, -_width(width))),
        _leg(CALL, SHORT, StrikeOffset(0, 0.0)),
        _leg(CALL, LONG, StrikeOffset(0, _width(width))),
    )


def _straddle(name: str, side: Side, center: StrikeRule, dte: DteWindow) -> Structure:
    return _single(name, dte, _leg(PUT, side, center), _leg(CALL, side, StrikeOffset(0, 0.0)))


def short_straddle(center: StrikeRule = AT_THE_MONEY, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a short put and a short call at one strike (a credit; loss unbounded)."""
    return _straddle("short_straddle", SHORT, center, dte)


def long_straddle(center: StrikeRule = AT_THE_MONEY, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a long put and a long call at one strike (a debit; profit unbounded)."""
    return _straddle("long_straddle", LONG, center, dte)


def _strangle(name: str, side: Side, delta: float, dte: DteWindow) -> Structure:
    return _single(
        name, dte, _leg(PUT, side, StrikeByDelta(delta)), _leg(CALL, side, StrikeByDelta(delta))
    )


def short_strangle(delta: float = 0.16, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a short put and a short call picked by delta (a credit; loss unbounded)."""
    return _strangle("short_strangle", SHORT, delta, dte)


def long_strangle(delta: float = 0.16, dte: DteWindow = DEFAULT_DTE) -> Structure:
    """Return a long put and a long call picked by delta (a debit; profit unbounded)."""
    return _strangle("long_strangle", LONG, delta, dte)


def _butterfly(
    name: str, kind: OptionKind, width: float, center: StrikeRule, dte: DteWindow
) -> Structure:
    return _single(
        name,
        dte,
        _leg(kind, SHORT, center, ratio=2),
        _leg(kind, LONG, StrikeOffset(0, -_width(width))),
        _leg(kind, LONG, StrikeOffset(0, _width(width))),
    )


def call_butterfly(
    width: float = 5.0, center: StrikeRule = AT_THE_MONEY, dte: DteWindow = DEFAULT_DTE
) -> Structure:
    """Return two short calls at `center` and long calls `width` below and above (a debit)."""
    return _butterfly("call_butterfly", CALL, width, center, dte)


def put_butterfly(
    width: float = 5.0, center: StrikeRule = AT_THE_MONEY, dte: DteWindow = DEFAULT_DTE
) -> Structure:
    """Return two short puts at `center` and long puts `width` below and above (a debit)."""
    return _butterfly("put_butterfly", PUT, width, center, dte)


def calendar(
    kind: OptionKind = CALL,
    strike: StrikeRule = AT_THE_MONEY,
    front: DteWindow = DEFAULT_FRONT,
    back: DteWindow = DEFAULT_BACK,
) -> Structure:
    """Return a short front-month option and a long back-month one at the same strike.

    A debit; the loss is at most the debit (the back option is worth at least the front's
    intrinsic value at the front expiration). Profit and breakevens need a model.
    """
    return Structure(
        "calendar",
        (
            LegRule(kind, SHORT, strike, 1, 0),
            LegRule(kind, LONG, StrikeOffset(0, 0.0), 1, 1),
        ),
        (front, back),
    )


def diagonal(
    kind: OptionKind = CALL,
    short_delta: float = 0.30,
    width: float = 5.0,
    front: DteWindow = DEFAULT_FRONT,
    back: DteWindow = DEFAULT_BACK,
) -> Structure:
    """Return a short front-month option by delta and a long back-month one `width` deeper.

    The long back option is `width` dollars in the money from the short strike (below it for
    calls, above it for puts), so the loss is at most the debit, as for :func:`calendar`.
    """
    offset = -_width(width) if kind == CALL else _width(width)
    return Structure(
        "diagonal",
        (
            LegRule(kind, SHORT, StrikeByDelta(short_delta), 1, 0),
            LegRule(kind, LONG, StrikeOffset(0, offset), 1, 1),
        ),
        (front, back),
    )


def ratio_spread(
    kind: OptionKind = CALL,
    long_delta: float = 0.50,
    width: float = 5.0,
    ratio: int = 2,
    dte: DteWindow = DEFAULT_DTE,
) -> Structure:
    """Return one long option by delta and `ratio` short ones `width` further out of the money.

    A call ratio spread has unbounded loss above the short strike; a put ratio spread's loss
    is bounded by the underlying falling to zero.
    """
    if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 2:
        raise ValueError(f"ratio must be an integer >= 2, got {ratio!r}")
    offset = _width(width) if kind == CALL else -_width(width)
    return _single(
        "ratio_spread",
        dte,
        _leg(kind, LONG, StrikeByDelta(long_delta)),
        _leg(kind, SHORT, StrikeOffset(0, offset), ratio=ratio),
    )


def covered_call(
    delta: float = 0.30, dte: DteWindow = DEFAULT_DTE, strike: StrikeRule | None = None
) -> Structure:
    """Return 100 long shares and a short call by delta, or by `strike` when given."""
    call = _leg(CALL, SHORT, strike or StrikeByDelta(delta))
    return _single("covered_call", dte, call, stock_shares=100)


def cash_secured_put(
    delta: float = 0.30, dte: DteWindow = DEFAULT_DTE, strike: StrikeRule | None = None
) -> Structure:
    """Return a short put by delta (or `strike`) with strike × 100 in cash reserved."""
    put = _leg(PUT, SHORT, strike or StrikeByDelta(delta))
    return _single("cash_secured_put", dte, put, cash_secured=True)


PRESETS: Mapping[str, Callable[..., Structure]] = {
    preset.__name__: preset
    for preset in (
        long_call,
        long_put,
        short_put,
        short_call,
        bull_call_spread,
        bear_put_spread,
        bull_put_spread,
        bear_call_spread,
        iron_condor,
        iron_butterfly,
        short_straddle,
        long_straddle,
        short_strangle,
        long_strangle,
        call_butterfly,
        put_butterfly,
        calendar,
        diagonal,
        ratio_spread,
        covered_call,
        cash_secured_put,
    )
}
"""Every preset by name, e.g. ``PRESETS["iron_condor"](short_delta=0.2)``."""

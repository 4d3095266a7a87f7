"""Contract selection: expiration by DTE window, strike by delta or moneyness, wing by width."""

import datetime as dt
from collections.abc import Iterable

from nautilus_trader.model.enums import OptionKind

from strategies.toolkit.chain import ChainQuote, ChainSnapshot

MONTHLY_EXPIRY_WEEKDAY = 4  # Friday


def is_monthly_expiration(day: dt.date) -> bool:
    """Return whether `day` is a standard monthly expiration.

    The standard monthly expiration is the third Friday of the month, or the Thursday before
    it when that Friday is an exchange holiday (e.g. Good Friday). Source: OCC/Cboe expiration
    calendar rules.
    """
    third_friday = _third_friday(day.year, day.month)
    return day in (third_friday, third_friday - dt.timedelta(days=1))


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (MONTHLY_EXPIRY_WEEKDAY - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 14)


def candidates(
    snapshot: ChainSnapshot,
    kind: OptionKind,
    dte_min: int,
    dte_max: int,
    monthly_only: bool = False,
    exclude_expirations: Iterable[dt.date] = (),
) -> list[ChainQuote]:
    """Return the contracts of `kind` with ``dte_min <= DTE <= dte_max`` and a two-sided quote.

    A contract is tradeable to open short when its bid is positive.
    """
    excluded = set(exclude_expirations)
    return [
        q
        for q in snapshot.quotes
        if q.kind == kind
        and dte_min <= q.dte <= dte_max
        and q.bid > 0
        and q.ask >= q.bid
        and q.expiration not in excluded
        and (not monthly_only or is_monthly_expiration(q.expiration))
    ]


def nearest_expiration_only(quotes: list[ChainQuote]) -> list[ChainQuote]:
    """Keep only the contracts of the nearest expiration among `quotes`."""
    if not quotes:
        return []
    nearest = min(q.expiration for q in quotes)
    return [q for q in quotes if q.expiration == nearest]


def by_delta(quotes: list[ChainQuote], target_delta: float) -> ChainQuote | None:
    """Return the contract whose delta is closest to `target_delta` (per share, e.g. -0.50).

    Contracts without a delta are ignored. Ties go to the nearer expiration, then the higher
    strike.
    """
    with_delta = [q for q in quotes if q.delta is not None]
    if not with_delta:
        return None
    return min(
        with_delta,
        key=lambda q: (abs((q.delta or 0.0) - target_delta), q.expiration, -q.strike),
    )


def by_moneyness(quotes: list[ChainQuote], spot: float, moneyness: float) -> ChainQuote | None:
    """Return the contract whose strike is closest to ``spot × moneyness`` (1.0 = at the money).

    Ties go to the nearer expiration, then the higher strike.
    """
    if not quotes:
        return None
    target = spot * moneyness
    return min(quotes, key=lambda q: (abs(q.strike - target), q.expiration, -q.strike))


def wing_for(snapshot: ChainSnapshot, short: ChainQuote, width: float) -> ChainQuote | None:
    """Return the long wing of a credit spread `width` dollars further out of the money.

    For a short put the wing is the put of the same expiration whose strike is closest to
    ``short.strike - width`` without being above it; for a short call, closest to
    ``short.strike + width`` without being below it. The wing must have a positive ask.
    """
    sign = -1.0 if short.kind == OptionKind.PUT else 1.0
    target = short.strike + sign * width
    legs = [
        q
        for q in snapshot.quotes
        if q.kind == short.kind
        and q.expiration == short.expiration
        and q.ask > 0
        and (q.strike - target) * sign >= -1e-9
    ]
    if not legs:
        return None
    return min(legs, key=lambda q: abs(q.strike - target))

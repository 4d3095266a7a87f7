"""Match a structure's leg rules to a chain snapshot: concrete legs, or the reason why not.

Input is plain records (:class:`ChainQuote`), the underlying price and the trade date.
Expirations are chosen per slot from the window (:class:`options.structures.DteWindow`),
nearest the preferred number of days first; each later slot must expire strictly after the
one before. For each combination of expirations, in that order of preference, the legs are
resolved in order (strike rules may refer to earlier legs); the first combination where every
leg finds a contract, and no two legs land on the same contract, wins. When none does, the
reason given is the one from the most preferred combination.

Quotes without a delta are skipped by :class:`options.structures.StrikeByDelta`.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise, product

from nautilus_trader.model.enums import OptionKind

from options.priced import Greeks, Leg, PricedStructure, StockLeg
from options.structures import (
    DteWindow,
    FixedStrike,
    LegRule,
    StrikeByDelta,
    StrikeByMoneyness,
    StrikeOffset,
    Structure,
)

_STRIKE_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class ChainQuote:
    """One option's quote in a chain snapshot.

    Parameters
    ----------
    expiration : datetime.date
        The expiration date.
    kind : OptionKind
        ``CALL`` or ``PUT``.
    strike : float
        Dollars per share; positive.
    bid, ask : float
        Dollars per share, ``0 <= bid <= ask``.
    delta : float or None, default None
        Per share, in [-1, 1].
    gamma, theta, vega : float or None, default None
        Per share; theta in dollars per calendar day, vega per vol point. A leg gets
        :class:`options.priced.Greeks` only when all four are given.
    implied_vol : float or None, default None
        The vendor's implied vol, decimal per year; positive (see :mod:`options.iv_metrics`).

    Raises
    ------
    ValueError
        If the strike is not positive, the quote is crossed or negative, or a greek is not
        finite (delta outside [-1, 1]).

    """

    expiration: dt.date
    kind: OptionKind
    strike: float
    bid: float
    ask: float
    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None
    implied_vol: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.strike) and self.strike > 0.0):
            raise ValueError(f"ChainQuote.strike must be finite and positive, got {self.strike!r}")
        if not (math.isfinite(self.bid) and math.isfinite(self.ask) and 0 <= self.bid <= self.ask):
            raise ValueError(
                f"ChainQuote bid/ask must be finite with 0 <= bid <= ask, got {self.bid}/{self.ask}"
            )
        if self.delta is not None and not -1.0 <= self.delta <= 1.0:
            raise ValueError(f"ChainQuote.delta must be in [-1, 1], got {self.delta!r}")
        for name in ("gamma", "theta", "vega"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"ChainQuote.{name} must be finite, got {value!r}")
        if self.implied_vol is not None and not (
            math.isfinite(self.implied_vol) and self.implied_vol > 0.0
        ):
            raise ValueError(
                f"ChainQuote.implied_vol must be finite and positive, got {self.implied_vol!r}"
            )

    @property
    def greeks(self) -> Greeks | None:
        """Return the quote's greeks when delta, gamma, theta and vega are all given."""
        if self.delta is None or self.gamma is None or self.theta is None or self.vega is None:
            return None
        return Greeks(self.delta, self.gamma, self.theta, self.vega)


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of :func:`resolve`.

    Parameters
    ----------
    structure : PricedStructure or None
        The concrete legs, priced; None when the chain cannot fill the rules.
    reason : str
        Why `structure` is None; empty when resolved.

    """

    structure: PricedStructure | None
    reason: str = ""


def resolve(
    structure: Structure,
    chain: Iterable[ChainQuote],
    spot: float,
    today: dt.date,
    quantity: int = 1,
    usable: Callable[[LegRule, ChainQuote], bool] | None = None,
) -> Resolution:
    """Pick concrete legs for `structure` from `chain`.

    Parameters
    ----------
    structure : Structure
        The rules.
    chain : iterable of ChainQuote
        The snapshot's quotes (any order).
    spot : float
        Underlying price, dollars per share; positive. Used by moneyness rules and as the bid
        and ask of a stock leg.
    today : datetime.date
        Trade date; days to expiration count from it.
    quantity : int, default 1
        Number of structures.
    usable : callable or None, default None
        ``usable(rule, quote)`` says whether a leg with that rule may use that quote (a
        liquidity filter: a short leg needs a bid, a maximum bid-ask width); every quote is
        usable when None.

    Returns
    -------
    Resolution
        The priced structure, or None and the reason.

    Raises
    ------
    ValueError
        If `spot` is not finite and positive, or `quantity` < 1.

    """
    if not (math.isfinite(spot) and spot > 0.0):
        raise ValueError(f"spot must be finite and positive, got {spot!r}")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValueError(f"quantity must be an integer >= 1, got {quantity!r}")
    book: dict[tuple[dt.date, OptionKind], list[ChainQuote]] = defaultdict(list)
    for quote in chain:
        book[quote.expiration, quote.kind].append(quote)
    expirations = sorted({expiration for expiration, _ in book})
    candidates: list[list[dt.date]] = []
    for slot, window in enumerate(structure.expirations):
        fitting = [e for e in expirations if window.contains((e - today).days)]
        if not fitting:
            return Resolution(
                None,
                f"{structure.name}: no expiration {window.min_dte}-{window.max_dte} days after "
                f"{today} for expiration slot {slot}",
            )
        candidates.append(sorted(fitting, key=partial(_preference, window, today)))
    first_reason = ""
    for dates in product(*candidates):
        if any(later <= earlier for earlier, later in pairwise(dates)):
            continue
        legs = _resolve_legs(structure, dates, book, spot, usable)
        if isinstance(legs, str):
            first_reason = first_reason or f"{structure.name}: {legs}"
            continue
        stock = StockLeg(structure.stock_shares, spot, spot) if structure.stock_shares else None
        priced = PricedStructure(legs, stock, quantity, structure.cash_secured, structure.name)
        return Resolution(priced)
    return Resolution(
        None, first_reason or f"{structure.name}: no back expiration after the front one"
    )


def _preference(window: DteWindow, today: dt.date, expiration: dt.date) -> tuple[float, dt.date]:
    return window.distance((expiration - today).days), expiration


def _resolve_legs(
    structure: Structure,
    dates: tuple[dt.date, ...],
    book: dict[tuple[dt.date, OptionKind], list[ChainQuote]],
    spot: float,
    usable: Callable[[LegRule, ChainQuote], bool] | None,
) -> tuple[Leg, ...] | str:
    legs: list[Leg] = []
    for index, rule in enumerate(structure.legs):
        expiration = dates[rule.expiration]
        quotes = book.get((expiration, rule.kind), [])
        if usable is not None:
            quotes = [q for q in quotes if usable(rule, q)]
        quote = _pick(rule, quotes, spot, legs)
        if isinstance(quote, str):
            side, kind = rule.side.name.lower(), rule.kind.name.lower()
            return f"leg {index} ({side} {kind} {expiration}): {quote}"
        legs.append(
            Leg(
                rule.kind,
                rule.side,
                quote.strike,
                expiration,
                quote.bid,
                quote.ask,
                rule.ratio,
                quote.greeks,
            )
        )
    contracts = [(leg.kind, leg.strike, leg.expiration) for leg in legs]
    if len(set(contracts)) < len(contracts):
        return "two legs resolved to the same contract"
    return tuple(legs)


def _pick(
    rule: LegRule, quotes: list[ChainQuote], spot: float, legs: list[Leg]
) -> ChainQuote | str:
    strike = rule.strike
    if not quotes:
        return "no quotes"
    if isinstance(strike, StrikeByDelta):
        with_delta = [q for q in quotes if q.delta is not None]
        if not with_delta:
            return "no quote has a delta"
        return min(
            with_delta,
            key=lambda q: (abs(abs(q.delta or 0.0) - strike.delta), abs(q.delta or 0.0)),
        )
    if isinstance(strike, StrikeByMoneyness):
        target = strike.ratio * spot
        return min(quotes, key=lambda q: (abs(q.strike - target), q.strike))
    if isinstance(strike, FixedStrike):
        return _nearest(quotes, strike.strike, 0.0, f"fixed strike {strike.strike:.2f}")
    return _offset(strike, quotes, legs[strike.leg].strike)


def _offset(rule: StrikeOffset, quotes: list[ChainQuote], anchor: float) -> ChainQuote | str:
    if rule.dollars > 0:
        quotes = [q for q in quotes if q.strike > anchor + _STRIKE_EPSILON]
    elif rule.dollars < 0:
        quotes = [q for q in quotes if q.strike < anchor - _STRIKE_EPSILON]
    described = f"{rule.dollars:+.2f} from leg {rule.leg}'s strike {anchor:.2f}"
    return _nearest(quotes, anchor + rule.dollars, rule.tolerance, described)


def _nearest(
    quotes: list[ChainQuote], target: float, tolerance: float, described: str
) -> ChainQuote | str:
    best = min(quotes, key=lambda q: (abs(q.strike - target), q.strike), default=None)
    if best is None or abs(best.strike - target) > tolerance + _STRIKE_EPSILON:
        return f"no strike within {tolerance:.2f} of {target:.2f} ({described})"
    return best

"""Pick the contracts of a structure from a session's chain, with liquidity filters.

:func:`options.chain_selection.resolve` matches the structure's leg rules; this module feeds it
the session's quotes (:class:`strategies.toolkit.chain.ChainSnapshot`) that pass the filters
and maps the priced legs back to instrument IDs. A leg may use a quote when:

- a short leg has a bid (``bid > 0``), a long leg an ask (``ask > 0``);
- the bid-ask width is at most ``max_spread`` dollars per share and at most
  ``max_spread_fraction`` of the mid (when set);
- its open interest is known and at least ``min_open_interest`` contracts (when set);
- its session volume is known and at least ``min_volume`` contracts (when set);
- its expiration is not excluded (cycles already traded) and, with ``monthly_only``, is a
  standard monthly expiration.

Expiration choice (``expiration_choice``, single-expiration structures only for the last two):

- ``window``: ``resolve``'s own order, nearest the window's target first;
- ``nearest``: only the nearest expiration in the window where the first leg has a usable
  quote;
- ``best_first_leg``: every expiration in the window is resolved and the one whose first leg
  best meets its strike rule wins (smallest distance to the target delta or strike; ties: the
  nearer expiration).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from nautilus_trader.model.identifiers import InstrumentId

from options import chain_selection
from options.priced import PricedStructure
from options.structures import LegRule, Side, StrikeByDelta, StrikeByMoneyness, Structure
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.selection import is_monthly_expiration

EXPIRATION_CHOICES = ("window", "nearest", "best_first_leg")


@dataclass(frozen=True, slots=True)
class Liquidity:
    """Quote filters applied to every leg.

    Parameters
    ----------
    max_spread : float or None
        Widest accepted ``ask - bid``, dollars per share.
    max_spread_fraction : float or None
        Widest accepted ``(ask - bid) / mid``, as a decimal (0.1 is 10 % of the mid).
    min_open_interest : float or None
        Fewest accepted contracts of open interest; a quote whose open interest is unknown
        is refused.
    min_volume : float or None
        Fewest accepted contracts traded in the session; a quote whose volume is unknown is
        refused.

    """

    max_spread: float | None = None
    max_spread_fraction: float | None = None
    min_open_interest: float | None = None
    min_volume: float | None = None

    def meets_minimums(self, quote: ChainQuote) -> bool:
        """Return whether `quote` meets ``min_open_interest`` and ``min_volume`` (when set)."""
        return _at_least(quote.open_interest, self.min_open_interest) and _at_least(
            quote.volume, self.min_volume
        )

    def usable(self, rule: LegRule, quote: chain_selection.ChainQuote) -> bool:
        """Return whether a leg with `rule` may trade `quote` (module docstring)."""
        if rule.side == Side.SHORT and not quote.bid > 0.0:
            return False
        if not quote.ask > 0.0:
            return False
        width = quote.ask - quote.bid
        if self.max_spread is not None and width > self.max_spread + 1e-9:
            return False
        mid = (quote.ask + quote.bid) / 2.0
        return self.max_spread_fraction is None or width <= self.max_spread_fraction * mid + 1e-12


def _at_least(value: float | None, minimum: float | None) -> bool:
    # No minimum: always; else the value must be known and reach it.
    return minimum is None or (value is not None and value >= minimum)


@dataclass(frozen=True, slots=True)
class SelectedLeg:
    """A resolved leg with its contract.

    Parameters
    ----------
    quote : ChainQuote
        The contract's quote at this session.
    side : Side
        Long or short.
    ratio : int
        Contracts per structure.

    """

    quote: ChainQuote
    side: Side
    ratio: int

    @property
    def instrument_id(self) -> InstrumentId:
        """Return the contract's instrument ID."""
        return self.quote.instrument_id


@dataclass(frozen=True, slots=True)
class Selection:
    """A structure resolved on a session's chain.

    Parameters
    ----------
    priced : PricedStructure
        The legs priced for one structure (natural, mid, max profit and loss, breakevens).
    legs : tuple of SelectedLeg
        The contracts, in the structure's leg order.

    """

    priced: PricedStructure
    legs: tuple[SelectedLeg, ...]

    @property
    def expiration(self) -> dt.date:
        """Return the front (earliest) expiration: the cycle the trade belongs to."""
        return min(leg.quote.expiration for leg in self.legs)


def select(
    structure: Structure,
    snapshot: ChainSnapshot,
    *,
    expiration_choice: str = "window",
    liquidity: Liquidity = Liquidity(),
    monthly_only: bool = False,
    excluded: Iterable[dt.date] = (),
) -> Selection | str:
    """Return the structure's contracts on `snapshot`, or the reason none fit.

    Parameters
    ----------
    structure : Structure
        The rules.
    snapshot : ChainSnapshot
        The session's quotes and the underlying's close.
    expiration_choice : str, default "window"
        One of :data:`EXPIRATION_CHOICES` (module docstring).
    liquidity : Liquidity
        Quote filters.
    monthly_only : bool, default False
        Standard monthly expirations only.
    excluded : iterable of datetime.date
        Expirations not to trade (cycles already traded).

    Returns
    -------
    Selection or str
        The selection, or a one-line reason.

    Raises
    ------
    ValueError
        If `expiration_choice` is unknown, or is not ``window`` for a structure with more
        than one expiration slot.

    """
    if expiration_choice not in EXPIRATION_CHOICES:
        raise ValueError(
            f"expiration_choice was {expiration_choice!r}, not one of {EXPIRATION_CHOICES}"
        )
    if expiration_choice != "window" and len(structure.expirations) > 1:
        raise ValueError(f"expiration_choice {expiration_choice!r} needs one expiration slot")
    skip = set(excluded)
    contracts: dict[tuple[dt.date, object, float], ChainQuote] = {}
    for quote in snapshot.quotes:
        if quote.expiration in skip or quote.dte < 0:
            continue
        if monthly_only and not is_monthly_expiration(quote.expiration):
            continue
        if not liquidity.meets_minimums(quote):
            continue
        contracts.setdefault((quote.expiration, quote.kind, quote.strike), quote)
    chain = [
        chain_selection.ChainQuote(q.expiration, q.kind, q.strike, q.bid, q.ask, q.delta)
        for q in contracts.values()
    ]
    if expiration_choice == "window":
        return _resolved(structure, chain, snapshot, contracts, liquidity)
    first, window = structure.legs[0], structure.expirations[0]
    expirations = sorted(
        {
            q.expiration
            for q in chain
            if q.kind == first.kind
            and window.contains((q.expiration - snapshot.session).days)
            and liquidity.usable(first, q)
        }
    )
    if not expirations:
        kind = first.kind.name.lower()
        return f"{structure.name}: no usable {kind} {window.min_dte}-{window.max_dte} days out"
    if expiration_choice == "nearest":
        expirations = expirations[:1]
    best: tuple[float, Selection] | None = None
    reason = ""
    for expiration in expirations:
        outcome = _resolved(
            structure,
            [q for q in chain if q.expiration == expiration],
            snapshot,
            contracts,
            liquidity,
        )
        if isinstance(outcome, str):
            reason = reason or outcome
            continue
        score = _distance(first, outcome.legs[0].quote, snapshot.spot)
        if best is None or score < best[0]:
            best = (score, outcome)
    return best[1] if best is not None else reason


def _resolved(
    structure: Structure,
    chain: list[chain_selection.ChainQuote],
    snapshot: ChainSnapshot,
    contracts: dict[tuple[dt.date, object, float], ChainQuote],
    liquidity: Liquidity,
) -> Selection | str:
    resolution = chain_selection.resolve(
        structure, chain, snapshot.spot, snapshot.session, usable=liquidity.usable
    )
    if resolution.structure is None:
        return resolution.reason
    legs = tuple(
        SelectedLeg(contracts[leg.expiration, leg.kind, leg.strike], leg.side, leg.ratio)
        for leg in resolution.structure.legs
    )
    return Selection(resolution.structure, legs)


def _distance(rule: LegRule, quote: ChainQuote, spot: float) -> float:
    strike = rule.strike
    if isinstance(strike, StrikeByDelta):
        return abs(abs(quote.delta or 0.0) - strike.delta)
    if isinstance(strike, StrikeByMoneyness):
        return abs(quote.strike - strike.ratio * spot)
    return 0.0

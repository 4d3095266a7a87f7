"""Owner trades: the legs a strategy opened together, with the shares an expiry delivered.

A backtest records one :class:`~actors.records.TradeRecord` per position (a *leg*).
The owner opened *trades*: option legs opened at the same instant are one trade (a credit
spread is one trade of two legs), shares bought with them (a covered call's, the same instant
and structure tag) are in it, and shares delivered when a leg of the trade was assigned or
exercised at expiry (opened at that leg's exit instant), with their later sale, belong to the
same trade, so its P&L includes them.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from nautilus_trader.model.enums import OptionKind

from actors.records import TradeRecord
from options.index_options import index_of_root
from options.market_calendar import NEW_YORK
from options.occ import OccSymbol, parse_occ
from options.shapes import ShapeLeg, shape_name

EXPIRY_DELIVERY = frozenset({"assigned", "exercised"})
CALLED_AWAY = "called_away"
OPEN = "open"


@dataclass(frozen=True, slots=True)
class Trade:
    """One trade as the owner opened it.

    Parameters
    ----------
    number : int
        1-based position in entry order.
    structure : str
        The field's name of the option legs' shape (:func:`options.shapes.shape_name`:
        ``short put``, ``put credit spread``, ``call calendar``, ``iron condor``, ...),
        ``covered call`` (shares bought with one short call), or ``shares``.
    legs : tuple[TradeRecord, ...]
        The option legs, then the share positions their expiry delivered.

    """

    number: int
    structure: str
    legs: tuple[TradeRecord, ...]

    @property
    def option_legs(self) -> tuple[TradeRecord, ...]:
        """The option legs (positions whose symbol is an OCC option symbol)."""
        return tuple(leg for leg in self.legs if _occ(leg.symbol) is not None)

    @property
    def bought_shares(self) -> tuple[TradeRecord, ...]:
        """Share positions opened with the option legs (a covered call's), not delivered."""
        return tuple(
            leg
            for leg in self.legs
            if _occ(leg.symbol) is None and leg.entry_time == self.legs[0].entry_time
        )

    @property
    def entry_time(self) -> str:
        """ISO-8601 UTC time of the opening fills."""
        return self.legs[0].entry_time

    @property
    def exit_time(self) -> str | None:
        """ISO-8601 UTC time of the last closing fill; ``None`` while any leg is open."""
        if any(leg.exit_time is None for leg in self.legs):
            return None
        return max(str(leg.exit_time) for leg in self.legs)

    @property
    def exit_reason(self) -> str:
        """Why the trade ended.

        ``open`` if a leg is open, else ``called_away`` if the shares bought with the trade
        were (a covered call assigned), ``assigned``/``exercised`` if expiry delivered shares,
        else the first option leg's reason (``expired``, ``take_profit``, ...).
        """
        reasons = [leg.exit_reason for leg in self.legs]
        if OPEN in reasons:
            return OPEN
        if any(leg.exit_reason == CALLED_AWAY for leg in self.bought_shares):
            return CALLED_AWAY
        delivered = [r for r in reasons if r in EXPIRY_DELIVERY]
        return delivered[0] if delivered else self.option_legs[0].exit_reason

    @property
    def expiration(self) -> dt.date:
        """Earliest expiration among the option legs."""
        return min(_parsed(leg.symbol).expiration for leg in self.option_legs)

    @property
    def entry_date(self) -> dt.date:
        """New York date of the opening fills."""
        return _ny_date(self.entry_time)

    @property
    def dte(self) -> int:
        """Calendar days from the entry date to :attr:`expiration`."""
        return (self.expiration - self.entry_date).days

    @property
    def credit(self) -> float:
        """Net premium of the opening option fills in USD (sells minus buys, × multiplier)."""
        return sum(
            (1.0 if leg.side == "SELL" else -1.0) * leg.entry_price * leg.quantity * leg.multiplier
            for leg in self.option_legs
        )

    @property
    def pnl(self) -> float:
        """Realized P&L in USD after fees, options and delivered shares together."""
        return sum(leg.pnl for leg in self.legs)

    @property
    def fees(self) -> float:
        """Commissions of every leg, USD."""
        return sum(leg.fees for leg in self.legs)

    @property
    def quantity(self) -> int:
        """Contracts of the first option leg."""
        return self.option_legs[0].quantity


def group_trades(legs: Sequence[TradeRecord]) -> list[Trade]:
    """Group position records into owner trades.

    Option legs on the same underlying with the same ``entry_time`` and structure tag form one
    trade (a run of several underlyings opens one trade per underlying at an instant; a roll's
    new structure opened in the instant of a new entry is a trade of its own). A share position
    opened at the exit time of an assigned or exercised option leg on those shares (the root,
    less the digits of an adjusted root: ``AAPL1`` delivers ``AAPL`` shares) joins that leg's
    trade; when several trades delivered shares at that instant (several strategies' positions),
    a share position goes to the first trade, in entry order, whose delivered quantity not yet
    covered (contracts × the contract's deliverable shares: 150 for ``XYZ1`` after a 3-for-2
    split, 10 for a mini) is at least the position's, else to the first with any not covered.
    A share position opened by an order of a trade (same instant and structure tag:
    a covered call's shares) is in that trade.
    Share positions nothing delivered (and legs that are neither) form one-leg trades.

    Parameters
    ----------
    legs : Sequence[TradeRecord]
        Every position of a run, in any order.

    Returns
    -------
    list[Trade]
        Trades in entry order, numbered from 1.

    """
    opened: dict[tuple[str, str, str | None], list[TradeRecord]] = {}
    shares: list[TradeRecord] = []
    for leg in sorted(legs, key=lambda t: (t.entry_time, t.symbol)):
        occ = _occ(leg.symbol)
        if occ is not None:
            key = (leg.entry_time, _deliverable(occ), leg.structure_id)
            opened.setdefault(key, []).append(leg)
        else:
            shares.append(leg)
    groups = list(opened.values())
    unclaimed: list[TradeRecord] = []
    for share in shares:
        bought_with = opened.get((share.entry_time, share.symbol, share.structure_id))
        group = bought_with or _delivering_group(groups, share)
        (group if group is not None else unclaimed).append(share)
    ordered = sorted([*groups, *([s] for s in unclaimed)], key=lambda g: g[0].entry_time)
    return [
        Trade(number=n, structure=structure(g), legs=tuple(g))
        for n, g in enumerate(ordered, start=1)
    ]


def structure(legs: Sequence[TradeRecord]) -> str:
    """Name the shape of a trade's option legs (:func:`options.shapes.shape_name`).

    Positions of one contract are summed first. A one-leg trade of shares is ``shares``; shares
    bought with one short call (the same instant) are a ``covered call``; legs whose positions
    in each contract sum to zero are ``flat``.
    """
    by_symbol: dict[str, tuple[OccSymbol, int, float]] = {}
    for leg in legs:
        occ = _occ(leg.symbol)
        if occ is None:
            continue
        signed = leg.quantity if leg.side == "BUY" else -leg.quantity
        _, held, paid = by_symbol.get(leg.symbol, (occ, 0, 0.0))
        by_symbol[leg.symbol] = (occ, held + signed, paid + signed * leg.entry_price)
    if not by_symbol:
        return "shares"
    bought = [
        leg for leg in legs if _occ(leg.symbol) is None and leg.entry_time == legs[0].entry_time
    ]
    if bought and all(leg.side == "BUY" for leg in bought) and len(by_symbol) == 1:
        ((occ, held, _),) = by_symbol.values()
        if occ.kind == OptionKind.CALL and held < 0:
            return "covered call"
    shaped = [
        ShapeLeg(occ.kind, held, float(occ.strike), occ.expiration, paid / held)
        for occ, held, paid in by_symbol.values()
        if held != 0
    ]
    return shape_name(shaped) if shaped else "flat"


def _deliverable(occ: OccSymbol) -> str:
    return index_of_root(occ.root) or occ.root.rstrip("0123456789")


def _delivering_group(
    groups: list[list[TradeRecord]], share: TradeRecord
) -> list[TradeRecord] | None:
    uncovered = [(_uncovered(group, share), group) for group in groups]
    fits = [group for left, group in uncovered if left >= share.quantity]
    some = [group for left, group in uncovered if left > 0]
    return next(iter(fits or some), None)


def _uncovered(group: list[TradeRecord], share: TradeRecord) -> int:
    # Shares the group's legs delivered at the share position's opening, not yet claimed.
    if _deliverable(_parsed(group[0].symbol)) != share.symbol:
        return 0
    delivered = sum(
        leg.quantity * leg.deliverable_shares
        for leg in group
        if leg.exit_reason in EXPIRY_DELIVERY and leg.exit_time == share.entry_time
    )
    taken = sum(
        leg.quantity
        for leg in group
        if leg.symbol == share.symbol and leg.entry_time == share.entry_time
    )
    return delivered - taken


def _occ(symbol: str) -> OccSymbol | None:
    try:
        return parse_occ(symbol)
    except ValueError:
        return None


def _parsed(symbol: str) -> OccSymbol:
    occ = _occ(symbol)
    if occ is None:
        raise ValueError(f"{symbol} is not an OCC option symbol")
    return occ


def _ny_date(iso_time: str) -> dt.date:
    return dt.datetime.fromisoformat(iso_time).astimezone(NEW_YORK).date()

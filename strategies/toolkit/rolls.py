"""Roll rules of a structure: when to roll, to what, and whether the roll may go out.

A roll closes an open structure and opens the same preset again in the same instant, the new
structure chained to the old one (its ``rolled_from``). The triggers are the exit rules'
conditions under roll names (:class:`strategies.toolkit.exits.ExitRules` does the checking):

- ``roll_dte``: the front expiration is at or below this many calendar days away;
- ``roll_profit_pct``: a credit's debit to close has fallen to ``(1 - pct) × credit``, a
  debit's P&L has reached ``pct × debit``;
- ``roll_loss_multiple`` (credits): the debit to close has risen to ``multiple × credit``;
  ``roll_loss_pct`` (debits): ``pct`` of the debit is lost;
- ``roll_short_delta``: a short leg's absolute delta (per share) is at or above this.

What the new structure is (``roll_to``):

- ``out``: the same strikes on a later expiration (single-expiration structures);
- ``strikes``: strikes chosen again by the preset's rules on today's chain, same expiration
  (single-expiration structures);
- ``out_and_strikes``: the preset resolved again on today's chain as for an entry, on an
  expiration after the current front one.

A roll goes out only while the chain holds fewer than ``max_rolls`` rolls and, with
``roll_for_credit_only``, when the new structure's credit at the natural price exceeds the
debit to close the old one (:func:`roll_net_credit` > 0). Rolling a short option forward for a
net credit is the practice described by Cboe's *Options Institute* and McMillan, *Options as
a Strategic Investment* (5th ed., ch. 2, "rolling").
"""

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from enum import StrEnum

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import InstrumentId

from options.structures import DteWindow, FixedStrike, Structure
from strategies.toolkit.book import Trade
from strategies.toolkit.exits import ExitReason, ExitRules

ROLL_TARGETS = ("out", "strikes", "out_and_strikes")
"""Values of ``roll_to``."""

MULTILEG_MAX_LEGS = 4
"""Most option legs in one multileg order (Tradier's ``class=multileg``)."""


class RollTrigger(StrEnum):
    """Why a structure was rolled (a reason tag of the new structure: ``roll:<value>``)."""

    DTE = "roll_dte"
    PROFIT = "roll_profit"
    LOSS = "roll_loss"
    SHORT_DELTA = "roll_short_delta"


_TRIGGERS = {
    ExitReason.DTE_EXIT: RollTrigger.DTE,
    ExitReason.TAKE_PROFIT: RollTrigger.PROFIT,
    ExitReason.STOP_LOSS: RollTrigger.LOSS,
    ExitReason.SHORT_DELTA: RollTrigger.SHORT_DELTA,
}
_FIELD_NAMES = {
    "exit_dte": "roll_dte",
    "take_profit_pct": "roll_profit_pct",
    "stop_loss_multiple": "roll_loss_multiple",
    "stop_loss_pct": "roll_loss_pct",
    "short_delta_limit": "roll_short_delta",
}


@dataclasses.dataclass(frozen=True, slots=True)
class RollRules:
    """When and how a structure is rolled; no trigger set means no rolls.

    Parameters
    ----------
    dte : int | None
        Roll when the front expiration is at or below this many calendar days.
    profit_pct : float | None
        Roll at this fraction of the credit kept (credits) or of the debit gained (debits),
        in (0, 1].
    loss_multiple : float | None
        Credits: roll when the debit to close reaches this multiple (> 1) of the credit.
    loss_pct : float | None
        Debits: roll when this fraction of the debit (in (0, 1]) is lost.
    short_delta : float | None
        Roll when a short leg's absolute delta per share reaches this, in (0, 1).
    to : str, default "out_and_strikes"
        One of :data:`ROLL_TARGETS` (module docstring).
    credit_only : bool, default False
        Roll only for a net credit (:func:`roll_net_credit` > 0).
    max_rolls : int | None
        Most rolls in one chain (the original structure and its successors); ``None`` is no
        limit.

    Raises
    ------
    ValueError
        Naming the roll field whose value is out of range.

    """

    dte: int | None = None
    profit_pct: float | None = None
    loss_multiple: float | None = None
    loss_pct: float | None = None
    short_delta: float | None = None
    to: str = "out_and_strikes"
    credit_only: bool = False
    max_rolls: int | None = None
    _checks: ExitRules = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.to not in ROLL_TARGETS:
            raise ValueError(f"roll_to was {self.to!r}, not one of {ROLL_TARGETS}")
        if self.max_rolls is not None and self.max_rolls < 1:
            raise ValueError(f"max_rolls was {self.max_rolls!r}, not >= 1")
        try:
            checks = ExitRules(
                take_profit_pct=self.profit_pct,
                stop_loss_multiple=self.loss_multiple,
                exit_dte=self.dte,
                stop_loss_pct=self.loss_pct,
                short_delta_limit=self.short_delta,
            )
        except ValueError as error:
            name, rest = str(error).split(" ", 1)
            raise ValueError(f"{_FIELD_NAMES.get(name, name)} {rest}") from None
        object.__setattr__(self, "_checks", checks)

    @property
    def enabled(self) -> bool:
        """Whether any trigger is set."""
        return any(
            value is not None
            for value in (
                self.dte,
                self.profit_pct,
                self.loss_multiple,
                self.loss_pct,
                self.short_delta,
            )
        )

    def trigger(
        self,
        credit: float,
        debit_to_close: float,
        dte: int,
        short_deltas: tuple[float, ...] = (),
    ) -> RollTrigger | None:
        """Return the trigger that fires, if any (loss first, then profit, delta, DTE).

        Parameters
        ----------
        credit : float
            Net credit received at entry, dollars per share of one structure; negative for a
            debit paid.
        debit_to_close : float
            Natural price to close now, dollars per share of one structure.
        dte : int
            Calendar days to the front expiration.
        short_deltas : tuple of float
            The short legs' deltas per share now.

        """
        reason = self._checks.check(credit, debit_to_close, dte, short_deltas)
        return _TRIGGERS.get(reason) if reason is not None else None

    def allows(self, rolls_done: int, net_credit: float) -> str | None:
        """Return why a roll may not go out, or ``None`` when it may.

        Parameters
        ----------
        rolls_done : int
            Rolls already made in the structure's chain.
        net_credit : float
            The roll's net credit, dollars per share of one structure (negative: a debit).

        """
        if self.max_rolls is not None and rolls_done >= self.max_rolls:
            return f"max_rolls {self.max_rolls} reached"
        if self.credit_only and not net_credit > 0.0:
            return f"net credit {net_credit:.2f} of the roll is not positive"
        return None


def roll_net_credit(debit_to_close: float, new_credit: float) -> float:
    """Return a roll's net credit per share of one structure (negative for a net debit).

    Parameters
    ----------
    debit_to_close : float
        Natural price to close the old structure (asks of its shorts less bids of its longs),
        dollars per share.
    new_credit : float
        Natural credit of the new structure (bids of its shorts less asks of its longs),
        dollars per share; negative for a debit.

    """
    return new_credit - debit_to_close


def roll_target(
    structure: Structure,
    to: str,
    strikes: Sequence[float],
    front: dt.date,
    session: dt.date,
    expirations: Iterable[dt.date],
) -> tuple[Structure, set[dt.date]]:
    """Return the structure to resolve on today's chain for a roll, and expirations to skip.

    Parameters
    ----------
    structure : Structure
        The preset's rules as configured.
    to : str
        One of :data:`ROLL_TARGETS`.
    strikes : sequence of float
        The held legs' strikes, dollars per share, in the structure's leg order.
    front : datetime.date
        The held structure's front expiration.
    session : datetime.date
        Today.
    expirations : iterable of datetime.date
        Expirations quoted today.

    Returns
    -------
    tuple of (Structure, set of datetime.date)
        ``out``: the legs at fixed strikes, expirations up to `front` skipped;
        ``strikes``: the structure on the `front` expiration only; ``out_and_strikes``: the
        structure as configured, expirations up to `front` skipped.

    Raises
    ------
    ValueError
        If `to` is unknown, or ``out``/``strikes`` is asked of a structure with more than one
        expiration or with a different number of strikes than legs.

    """
    if to not in ROLL_TARGETS:
        raise ValueError(f"roll_to was {to!r}, not one of {ROLL_TARGETS}")
    not_later = {expiration for expiration in expirations if expiration <= front}
    if to == "out_and_strikes":
        return structure, not_later
    if len(structure.expirations) > 1:
        raise ValueError(
            f"roll_to {to!r} needs a single-expiration structure, not {structure.name}"
        )
    if to == "strikes":
        dte = (front - session).days
        return dataclasses.replace(structure, expirations=(DteWindow(dte, dte),)), set()
    if len(strikes) != len(structure.legs):
        raise ValueError(f"{structure.name} has {len(structure.legs)} legs, got {len(strikes)}")
    legs = tuple(
        dataclasses.replace(leg, strike=FixedStrike(strike))
        for leg, strike in zip(structure.legs, strikes, strict=True)
    )
    return dataclasses.replace(structure, legs=legs), not_later


def roll_combo_ratios(old: Trade, new: Trade) -> list[tuple[InstrumentId, int]] | None:
    """Return the legs of one combo order that rolls `old` into `new`, or ``None``.

    BUYING the spread closes every leg of `old` (ratio ``+r`` for a short leg bought back,
    ``-r`` for a long leg sold) and opens every leg of `new` (``-r`` short, ``+r`` long), ``r``
    contracts per structure, as :func:`nautilus_trader.model.identifiers.new_generic_spread_id`
    takes them.

    Parameters
    ----------
    old : Trade
        The open structure the roll closes (every leg fully open).
    new : Trade
        The structure the roll opens.

    Returns
    -------
    list of (InstrumentId, int) or None
        ``None`` when the roll cannot be one order: more than :data:`MULTILEG_MAX_LEGS` legs,
        a contract in both structures, a leg of `old` partly closed, or different numbers of
        structures (the two are then sent as their own combo orders).

    """
    legs = [*old.legs, *new.legs]
    contracts = {leg.instrument_id for leg in legs}
    units = math.gcd(*(leg.quantity for leg in old.legs))
    if (
        len(legs) > MULTILEG_MAX_LEGS
        or len(contracts) < len(legs)
        or any(leg.closed_quantity for leg in old.legs)
        or units != math.gcd(*(leg.quantity for leg in new.legs))
    ):
        return None

    def ratio(quantity: int, buys: bool) -> int:
        return (1 if buys else -1) * quantity // units

    return [
        *((leg.instrument_id, ratio(leg.quantity, leg.side == OrderSide.SELL)) for leg in old.legs),
        *((leg.instrument_id, ratio(leg.quantity, leg.side == OrderSide.BUY)) for leg in new.legs),
    ]

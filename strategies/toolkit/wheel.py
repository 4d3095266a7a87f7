"""The wheel: cash-secured puts, covered calls on the shares they delivered, and again.

A wheel sells a cash-secured put. When a put is assigned, the strategy holds the shares it
received (its owned-shares ledger) and sells covered calls on exactly those shares, one call
per 100 shares; a call that expires worthless is followed by the next. When the calls are
assigned (the shares are called away) the wheel sells a put again.

A **cycle** runs from the first put sold to the shares called away; puts that expire worthless
before an assignment belong to the cycle, and so do the options of a roll chain (the option
bought back and its successor sold are fills of the wheel's own trades, booked in the open
cycle). Per cycle (:class:`WheelCycle`, amounts in dollars):

- premiums: the credit of every put and call sold, less what was paid to buy any back;
- fees: commissions of every fill in the cycle (option fills, share fills at assignment);
- cost basis per share = assignment price - (premiums - fees) / shares received, e.g. a put
  at strike 418 sold for 6.19 and a call sold for 3.00, 0.65 a contract each:
  ``418 - (619 + 300 - 1.30) / 100 = 408.8230``;
- share P&L = proceeds of the shares called away - what they cost at assignment;
- total P&L = premiums - fees + share P&L; days from the first put to the called-away session.

The wheel's state is its cycles, stored after every fill (``to_record`` / ``from_record``), so
its phase and cost basis survive a restart.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

import msgspec
from nautilus_trader.model.enums import OptionKind

from options.market_calendar import session_of_ns
from options.structures import DteWindow, Structure
from strategies.toolkit.chain import ChainSnapshot
from strategies.toolkit.structure_spec import build_structure

SHARES_PER_CONTRACT = 100
"""Shares one put delivers and one call covers. A constant, not each contract's deliverable:
the structure engine trades standard contracts only
(:func:`options.deliverables.is_standard_contract`)."""
REPORT_COLUMNS = (
    "cycle",
    "strategy_id",
    "status",
    "start_time",
    "assigned_time",
    "called_away_time",
    "days",
    "puts",
    "calls",
    "put_premium",
    "call_premium",
    "fees",
    "shares",
    "assignment_price",
    "called_away_price",
    "cost_basis",
    "share_pnl",
    "total_pnl",
)
"""Columns of ``wheel_cycles.csv`` (one row per cycle, see :meth:`WheelCycle.report_row`)."""


class WheelConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The call phase of a wheel (the put phase is the strategy's ``cash_secured_put``).

    Parameters
    ----------
    call_params : dict
        Arguments of the ``covered_call`` preset: ``delta`` (absolute, default 0.30) or
        ``strike`` as ``{delta: x}`` or ``{moneyness: x}``.
    call_dte_min, call_dte_max : int
        Expiration window of the calls, calendar days.
    call_dte_target : int | None
        Preferred days to expiration of the calls; ``None`` is the middle of the window.
    calls_below_cost_basis : bool, default True
        Whether a call may be sold at a strike below the cycle's cost basis per share
        (``False``: only strikes at or above it are considered).

    """

    call_params: dict[str, Any] = msgspec.field(default_factory=dict)
    call_dte_min: int = 25
    call_dte_max: int = 50
    call_dte_target: int | None = None
    calls_below_cost_basis: bool = True


class WheelPhase(StrEnum):
    """What the wheel sells next: ``put`` (no shares held) or ``call`` (shares held)."""

    PUT = "put"
    CALL = "call"


@dataclass(slots=True)
class WheelCycle:
    """One cycle of a wheel, from the first put sold to the shares called away.

    Parameters
    ----------
    number : int
        1 for the strategy's first cycle.
    started_ns : int
        UNIX nanoseconds of the first put fill.
    puts, calls : int
        Contracts sold to open.
    put_premium, call_premium : float
        Dollars received selling to open less dollars paid buying to close.
    fees : float
        Dollars of commission over every fill of the cycle.
    shares_received : int
        Shares delivered by assigned puts.
    share_cost : float
        Dollars paid for them (strike x shares).
    shares_delivered : int
        Shares called away by assigned calls.
    share_proceeds : float
        Dollars received for them (strike x shares).
    assigned_ns, called_away_ns : int | None
        UNIX nanoseconds of the first assignment and of the last shares called away.

    """

    number: int
    started_ns: int
    puts: int = 0
    calls: int = 0
    put_premium: float = 0.0
    call_premium: float = 0.0
    fees: float = 0.0
    shares_received: int = 0
    share_cost: float = 0.0
    shares_delivered: int = 0
    share_proceeds: float = 0.0
    assigned_ns: int | None = None
    called_away_ns: int | None = None

    @property
    def shares_held(self) -> int:
        """Shares received and not yet called away."""
        return self.shares_received - self.shares_delivered

    @property
    def complete(self) -> bool:
        """Whether every share received has been called away."""
        return self.shares_received > 0 and self.shares_held == 0

    @property
    def premiums(self) -> float:
        """Net premium of the puts and calls, dollars."""
        return self.put_premium + self.call_premium

    @property
    def assignment_price(self) -> float | None:
        """Average price paid per share at assignment (the put strike), or None."""
        return self.share_cost / self.shares_received if self.shares_received else None

    @property
    def called_away_price(self) -> float | None:
        """Average price received per share called away (the call strike), or None."""
        return self.share_proceeds / self.shares_delivered if self.shares_delivered else None

    @property
    def cost_basis(self) -> float | None:
        """Dollars per share: assignment price - (premiums - fees) / shares received."""
        if not self.shares_received:
            return None
        return (self.share_cost - self.premiums + self.fees) / self.shares_received

    @property
    def share_pnl(self) -> float | None:
        """Proceeds of the shares called away less their cost; None until complete."""
        return self.share_proceeds - self.share_cost if self.complete else None

    @property
    def total_pnl(self) -> float | None:
        """Premiums - fees + share P&L, dollars; None until complete."""
        share_pnl = self.share_pnl
        return None if share_pnl is None else self.premiums - self.fees + share_pnl

    @property
    def days(self) -> int | None:
        """Calendar days from the first put's session to the called-away session."""
        if self.called_away_ns is None or not self.complete:
            return None
        return (session_of_ns(self.called_away_ns) - session_of_ns(self.started_ns)).days

    def report_row(self, strategy_id: str) -> dict[str, Any]:
        """Return the cycle as a row of :data:`REPORT_COLUMNS` (times ISO-8601 UTC)."""
        return {
            "cycle": self.number,
            "strategy_id": strategy_id,
            "status": "complete" if self.complete else "open",
            "start_time": _iso(self.started_ns),
            "assigned_time": _iso(self.assigned_ns),
            "called_away_time": _iso(self.called_away_ns) if self.complete else None,
            "days": self.days,
            "puts": self.puts,
            "calls": self.calls,
            "put_premium": _round(self.put_premium, 2),
            "call_premium": _round(self.call_premium, 2),
            "fees": _round(self.fees, 2),
            "shares": self.shares_received,
            "assignment_price": _round(self.assignment_price, 4),
            "called_away_price": _round(self.called_away_price, 4),
            "cost_basis": _round(self.cost_basis, 4),
            "share_pnl": _round(self.share_pnl, 2),
            "total_pnl": _round(self.total_pnl, 2),
        }


@dataclass(slots=True)
class Wheel:
    """A wheel's cycles and the phase they put it in.

    Parameters
    ----------
    cycles : list[WheelCycle]
        Every cycle so far, oldest first; the last one may be open.

    """

    cycles: list[WheelCycle] = field(default_factory=list)

    @property
    def current(self) -> WheelCycle | None:
        """The open cycle, or None between cycles."""
        if self.cycles and not self.cycles[-1].complete:
            return self.cycles[-1]
        return None

    @property
    def phase(self) -> WheelPhase:
        """``call`` while the open cycle holds shares, else ``put``."""
        current = self.current
        holding = current is not None and current.shares_held > 0
        return WheelPhase.CALL if holding else WheelPhase.PUT

    def option_filled(
        self, is_call: bool, sold: bool, price: float, contracts: int, fee: float, ts_ns: int
    ) -> WheelCycle:
        """Book an option fill of the wheel; a put sold between cycles starts a new cycle.

        Parameters
        ----------
        is_call : bool
            A call (else a put).
        sold : bool
            Sold (to open) rather than bought (to close).
        price : float
            Dollars per share.
        contracts : int
            Contracts filled (100 shares each).
        fee : float
            Commission of the fill, dollars.
        ts_ns : int
            Fill time, UNIX nanoseconds.

        Returns
        -------
        WheelCycle
            The cycle the fill was booked in.

        """
        cycle = self._open_cycle(ts_ns)
        amount = price * contracts * SHARES_PER_CONTRACT * (1.0 if sold else -1.0)
        if is_call:
            cycle.call_premium += amount
            cycle.calls += contracts if sold else 0
        else:
            cycle.put_premium += amount
            cycle.puts += contracts if sold else 0
        cycle.fees += fee
        return cycle

    def roll_filled(
        self, is_call: bool, net_credit: float, contracts: int, fee: float, ts_ns: int
    ) -> WheelCycle:
        """Book a roll known only by its combo order's net price (its legs' fills unseen).

        The option bought back and its successor sold are of one kind, so the cycle's premium
        of that kind moves by the roll's net credit and the successors count as sold; a roll
        whose legs' own fills were seen is booked leg by leg with :meth:`option_filled`.

        Parameters
        ----------
        is_call : bool
            Calls rolled (else puts).
        net_credit : float
            The successor's price less the buy-back's, dollars per share (negative: a debit).
        contracts : int
            Contracts rolled (each closed and each opened).
        fee : float
            Commission of the combo order, dollars.
        ts_ns : int
            Fill time, UNIX nanoseconds.

        Returns
        -------
        WheelCycle
            The cycle the roll was booked in.

        """
        cycle = self._open_cycle(ts_ns)
        amount = net_credit * contracts * SHARES_PER_CONTRACT
        if is_call:
            cycle.call_premium += amount
            cycle.calls += contracts
        else:
            cycle.put_premium += amount
            cycle.puts += contracts
        cycle.fees += fee
        return cycle

    def shares_filled(
        self, received: bool, price: float, quantity: int, fee: float, ts_ns: int
    ) -> WheelCycle:
        """Book shares received by an assigned put or called away by an assigned call.

        Parameters
        ----------
        received : bool
            Shares bought at assignment of a put (else sold at assignment of a call).
        price : float
            The strike, dollars per share.
        quantity : int
            Shares.
        fee : float
            Commission of the fill, dollars.
        ts_ns : int
            Fill time, UNIX nanoseconds.

        Returns
        -------
        WheelCycle
            The cycle the fill was booked in (complete when its last shares were called away).

        """
        cycle = self._open_cycle(ts_ns)
        if received:
            cycle.shares_received += quantity
            cycle.share_cost += price * quantity
            if cycle.assigned_ns is None:
                cycle.assigned_ns = ts_ns
        else:
            cycle.shares_delivered += quantity
            cycle.share_proceeds += price * quantity
            cycle.called_away_ns = ts_ns
        cycle.fees += fee
        return cycle

    def report_rows(self, strategy_id: str) -> list[dict[str, Any]]:
        """Return every cycle as a report row (:data:`REPORT_COLUMNS`)."""
        return [cycle.report_row(strategy_id) for cycle in self.cycles]

    def _open_cycle(self, ts_ns: int) -> WheelCycle:
        current = self.current
        if current is None:
            current = WheelCycle(number=len(self.cycles) + 1, started_ns=ts_ns)
            self.cycles.append(current)
        return current


def call_structure(config: WheelConfig) -> Structure:
    """Return the ``covered_call`` preset the call phase sells (``ValueError`` naming a field)."""
    if not 0 <= config.call_dte_min <= config.call_dte_max:
        raise ValueError(
            f"wheel.call_dte window was [{config.call_dte_min}, {config.call_dte_max}]"
        )
    window = DteWindow(config.call_dte_min, config.call_dte_max, config.call_dte_target)
    try:
        return build_structure("covered_call", config.call_params, window)
    except ValueError as error:
        raise ValueError(f"wheel.call_params: {error}") from None


def check_wheel_fields(structure: str, assigned_shares: str) -> None:
    """Raise ``ValueError`` naming the strategy field a wheel cannot run with.

    The put phase is the strategy's ``structure``, which must be ``cash_secured_put`` (not
    ``choices``), and the shares must be held for the calls (``assigned_shares: hold``).
    """
    if structure != "cash_secured_put":
        raise ValueError(f"wheel needs structure: cash_secured_put, not {structure!r}")
    if assigned_shares != "hold":
        raise ValueError(f"wheel needs assigned_shares: hold, not {assigned_shares!r}")


def calls_at_or_above(snapshot: ChainSnapshot, floor: float) -> ChainSnapshot:
    """Return `snapshot` without the calls struck below `floor` (dollars per share)."""
    quotes = tuple(q for q in snapshot.quotes if q.kind != OptionKind.CALL or q.strike >= floor)
    return replace(snapshot, quotes=quotes)


def to_record(cycle: WheelCycle) -> dict[str, Any]:
    """Return a cycle as plain values for the state store."""
    return asdict(cycle)


def from_record(record: dict[str, Any]) -> WheelCycle:
    """Return the cycle stored as `record` (see :func:`to_record`)."""
    return WheelCycle(**record)


def _iso(ts_ns: int | None) -> str | None:
    if ts_ns is None:
        return None
    seconds, nanos = divmod(ts_ns, 1_000_000_000)
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).replace(microsecond=nanos // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits) + 0.0

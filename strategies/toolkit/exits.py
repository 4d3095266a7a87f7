"""Exit rules of a structure: take-profit, stop-loss, DTE, short-leg delta, short strike breached.

Credits (net premium received) and debits (net premium paid) are measured against the entry
price: a credit's take-profit is a fraction of the credit (its maximum profit for every credit
structure whose short legs are covered or naked: short options, credit spreads, condors,
iron butterflies, short straddles and strangles), its stop-loss a multiple of it; a debit's
take-profit is a fraction of the debit paid and its stop-loss the fraction of the debit lost.
"""

from dataclasses import dataclass
from enum import StrEnum

ENTRY_TAG = "entry"
"""Tag on every opening order (closing orders carry their :class:`ExitReason`)."""


class ExitReason(StrEnum):
    """Why a position closed (also the tag on closing orders)."""

    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    DTE_EXIT = "dte_exit"
    EXPIRED = "expired"
    ASSIGNED = "assigned"
    EXERCISED = "exercised"
    ASSIGNED_SHARES_SOLD = "assigned_shares_sold"
    CALLED_AWAY = "called_away"  # shares delivered at the assignment of a covered call
    BROKEN_ENTRY = "broken_entry"  # some legs of a leg-by-leg entry never filled
    RISK_FLATTEN = "risk_flatten"  # the risk guard's flatten decision
    OWNER_FLATTEN = "owner_flatten"  # the owner's flatten command (tradefly.owner.flatten)
    SHORT_DELTA = "short_delta"  # a short leg's delta beyond its limit
    STRIKE_BREACHED = "strike_breached"  # the underlying through a short strike
    ROLLED = "rolled"  # closed by a roll (strategies.toolkit.rolls); its successor is opened
    CLOSED = "closed"  # closed before expiry by an order with no exit tag (by hand, a test)
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class ExitRules:
    """Exit thresholds of a structure; ``None`` (or False) disables a rule.

    Parameters
    ----------
    take_profit_pct : float | None
        A credit closes when the debit to close has fallen to ``(1 - take_profit_pct) ×
        credit`` (0.5 = half the credit kept); a debit when its P&L reaches
        ``take_profit_pct × debit`` (1.0 = the debit doubled).
    stop_loss_multiple : float | None
        A credit closes when the debit to close has risen to ``stop_loss_multiple × credit``
        (2.0 = a loss equal to the credit).
    stop_loss_pct : float | None
        A debit closes when it has lost ``stop_loss_pct × debit`` (0.5 = half the debit).
    exit_dte : int | None
        Close when the days to the front expiration are at or below this.
    short_delta_limit : float | None
        Close when a short leg's absolute delta (per share) is at or above this.
    exit_on_short_strike : bool, default False
        Close when the underlying is through a short strike (below a short put's, above a
        short call's).

    """

    take_profit_pct: float | None = None
    stop_loss_multiple: float | None = None
    exit_dte: int | None = None
    stop_loss_pct: float | None = None
    short_delta_limit: float | None = None
    exit_on_short_strike: bool = False

    def __post_init__(self) -> None:
        if self.take_profit_pct is not None and not 0.0 < self.take_profit_pct <= 1.0:
            raise ValueError(f"take_profit_pct was {self.take_profit_pct!r}, not in (0, 1]")
        if self.stop_loss_multiple is not None and self.stop_loss_multiple <= 1.0:
            raise ValueError(f"stop_loss_multiple was {self.stop_loss_multiple!r}, not > 1")
        if self.exit_dte is not None and self.exit_dte < 0:
            raise ValueError(f"exit_dte was {self.exit_dte!r}, not >= 0")
        if self.stop_loss_pct is not None and not 0.0 < self.stop_loss_pct <= 1.0:
            raise ValueError(f"stop_loss_pct was {self.stop_loss_pct!r}, not in (0, 1]")
        if self.short_delta_limit is not None and not 0.0 < self.short_delta_limit < 1.0:
            raise ValueError(f"short_delta_limit was {self.short_delta_limit!r}, not in (0, 1)")

    def check(
        self,
        credit: float,
        debit_to_close: float,
        dte: int,
        short_deltas: tuple[float, ...] = (),
        strike_breached: bool = False,
    ) -> ExitReason | None:
        """Return the exit reason that fires, if any (stop-loss first, then take-profit).

        Parameters
        ----------
        credit : float
            Net credit received at entry, dollars per share of one structure; negative for a
            debit paid.
        debit_to_close : float
            Natural price to close now (pay the ask on shorts, receive the bid on longs),
            dollars per share of one structure; negative when closing receives money.
        dte : int
            Calendar days to the front expiration.
        short_deltas : tuple of float
            The short legs' deltas per share now (those known).
        strike_breached : bool
            Whether the underlying is through a short strike now.

        """
        pnl = credit - debit_to_close
        if credit > 0.0:
            if (
                self.stop_loss_multiple is not None
                and debit_to_close >= self.stop_loss_multiple * credit
            ):
                return ExitReason.STOP_LOSS
            if (
                self.take_profit_pct is not None
                and debit_to_close <= (1.0 - self.take_profit_pct) * credit
            ):
                return ExitReason.TAKE_PROFIT
        elif credit < 0.0:
            if self.stop_loss_pct is not None and pnl <= self.stop_loss_pct * credit:
                return ExitReason.STOP_LOSS
            if self.take_profit_pct is not None and pnl >= -self.take_profit_pct * credit:
                return ExitReason.TAKE_PROFIT
        if self.short_delta_limit is not None and any(
            abs(delta) >= self.short_delta_limit for delta in short_deltas
        ):
            return ExitReason.SHORT_DELTA
        if self.exit_on_short_strike and strike_breached:
            return ExitReason.STRIKE_BREACHED
        if self.exit_dte is not None and dte <= self.exit_dte:
            return ExitReason.DTE_EXIT
        return None

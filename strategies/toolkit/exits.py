"""Exit rules for short premium positions: take-profit, stop-loss and DTE exits."""

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
    BROKEN_ENTRY = "broken_entry"  # some legs of a leg-by-leg entry never filled
    RISK_FLATTEN = "risk_flatten"  # the risk guard's flatten decision
    OWNER_FLATTEN = "owner_flatten"  # the owner's flatten command (tradefly.owner.flatten)
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class ExitRules:
    """Exit thresholds of a short premium position; ``None`` disables a rule.

    Parameters
    ----------
    take_profit_pct : float | None
        Close when the debit to close has fallen to ``(1 - take_profit_pct) × credit``
        (0.5 = take profit at half the credit).
    stop_loss_multiple : float | None
        Close when the debit to close has risen to ``stop_loss_multiple × credit``
        (2.0 = stop with a loss equal to the credit).
    exit_dte : int | None
        Close when the days to expiration are at or below this.

    """

    take_profit_pct: float | None = None
    stop_loss_multiple: float | None = None
    exit_dte: int | None = None

    def __post_init__(self) -> None:
        if self.take_profit_pct is not None and not 0.0 < self.take_profit_pct <= 1.0:
            raise ValueError(f"take_profit_pct was {self.take_profit_pct!r}, not in (0, 1]")
        if self.stop_loss_multiple is not None and self.stop_loss_multiple <= 1.0:
            raise ValueError(f"stop_loss_multiple was {self.stop_loss_multiple!r}, not > 1")
        if self.exit_dte is not None and self.exit_dte < 0:
            raise ValueError(f"exit_dte was {self.exit_dte!r}, not >= 0")

    def check(self, credit: float, debit_to_close: float, dte: int) -> ExitReason | None:
        """Return the exit reason that fires, if any.

        Parameters
        ----------
        credit : float
            Net credit received at entry, dollars per share.
        debit_to_close : float
            Natural price to close now (pay the ask on shorts, receive the bid on longs),
            dollars per share.
        dte : int
            Calendar days to expiration.

        """
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
        if self.exit_dte is not None and dte <= self.exit_dte:
            return ExitReason.DTE_EXIT
        return None

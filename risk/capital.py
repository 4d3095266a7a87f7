"""Deposits and withdrawals: the owner's capital flows, which move the rules' equity references.

A deposit is not a gain and a withdrawal is not a drawdown: when the risk guard applies a
``capital_flow`` command it moves every equity reference a rule keeps by the flow's amount
(dollars, before the rules evaluate): the drawdown peak (:mod:`risk.drawdown`), the session's
starting equity of the daily loss cap (:mod:`risk.daily_loss`) and the milestones' baseline
(:mod:`risk.milestones`). The flow is meant to be recorded when the account's balance shows it:
an evaluation between the balance moving and the command being applied sees the flow as a
gain or a loss (a large withdrawal can trip a drawdown tier, which the owner then releases).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass

CAPITAL_FLOW = "capital_flow"
"""The owner command (``argument``: :meth:`CapitalFlow.to_argument`)."""

MAX_AMOUNT = 1e12
MAX_NOTE = 200


@dataclass(frozen=True, slots=True)
class CapitalFlow:
    """A deposit (``amount`` > 0) or withdrawal (``amount`` < 0), USD, on `date`.

    Parameters
    ----------
    amount : float
        USD; positive for a deposit, negative for a withdrawal; never 0.
    date : str
        ISO date the money reached or left the account (``2026-12-07``); recorded, not used
        by the rules.
    note : str
        The owner's note (at most 200 characters).

    Raises
    ------
    ValueError
        If the amount is 0, not finite or beyond 1e12 in size, the date is not an ISO date or
        the note is too long.

    """

    amount: float
    date: str
    note: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.amount) and 0 < abs(self.amount) < MAX_AMOUNT):
            raise ValueError(f"capital flow amount was {self.amount!r}, not a non-zero amount")
        try:
            dt.date.fromisoformat(self.date)
        except (TypeError, ValueError):
            raise ValueError(f"capital flow date was {self.date!r}, not YYYY-MM-DD") from None
        if len(self.note) > MAX_NOTE:
            raise ValueError(f"capital flow note was {len(self.note)} characters, over {MAX_NOTE}")

    @property
    def kind(self) -> str:
        """``deposit`` or ``withdrawal``."""
        return "deposit" if self.amount > 0 else "withdrawal"

    def to_argument(self) -> str:
        """Return the command argument (JSON: amount, date, note)."""
        return json.dumps({"amount": self.amount, "date": self.date, "note": self.note})

    @classmethod
    def from_argument(cls, argument: str | None) -> CapitalFlow:
        """Parse a command argument written by :meth:`to_argument`.

        Raises
        ------
        ValueError
            If it is not such an argument (see the class).

        """
        try:
            fields = json.loads(argument or "")
            return cls(float(fields["amount"]), str(fields["date"]), str(fields.get("note", "")))
        except (TypeError, KeyError, json.JSONDecodeError):
            raise ValueError(
                f"capital flow argument was {argument!r}, not amount/date/note"
            ) from None

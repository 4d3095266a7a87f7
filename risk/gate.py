"""Where strategies read the risk decision (the Nautilus cache) and report gated entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from risk.decision import ALLOW, RiskDecision

RISK_CACHE_KEY = "tradefly.risk.decision"
"""Cache key under which the risk guard keeps the combined decision (JSON bytes)."""

RISK_ENTRY_TOPIC = "tradefly.risk.entry"
"""Message bus topic on which strategies publish an :class:`EntryGated` for the guard to log."""


def current_decision(cache: Any) -> RiskDecision:
    """Return the risk guard's current decision from a Nautilus cache.

    Returns ``allow`` when no guard has written one (a node without a risk guard trades
    unrestricted).
    """
    data = cache.get(RISK_CACHE_KEY)
    return ALLOW if data is None else RiskDecision.from_bytes(bytes(data))


@dataclass(frozen=True, slots=True)
class EntryGated:
    """An entry the risk decision blocked or resized.

    Parameters
    ----------
    ts_ns : int
        UNIX nanoseconds.
    strategy_id : str
        Who wanted to enter.
    decision : RiskDecision
        The decision applied.
    wanted : int
        Contracts before the decision.
    allowed : int
        Contracts after it (0 when blocked).

    """

    ts_ns: int
    strategy_id: str
    decision: RiskDecision
    wanted: int
    allowed: int

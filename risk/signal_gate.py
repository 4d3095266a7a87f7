"""The signal actor's entry gate as a risk rule: no new entries while the latest signal says so.

The signal actor (:mod:`actors.signal_actor`) applies its configured earnings and news rule
(:class:`research.inference.EntryGate`) to each session's features and publishes the result in
the underlying's :class:`~risk.signal.Signal` (``entries_allowed``,
``gate_reason``), which it also keeps in the cache. :func:`risk.gate.check_entry` asks
:func:`signal_gate` before every entry, so every strategy that calls the gate honours it, in
backtests and live alike. No signal (no signal actor) gates nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec

from risk.decision import Action, RiskDecision
from risk.signal import latest_signal

RULE = "signal_gate"


def signal_gate(cache: Any, underlying: str) -> RiskDecision | None:
    """Return a ``block`` decision when the latest signal of `underlying` bars new entries.

    Parameters
    ----------
    cache : Cache
        The node's Nautilus cache (the signal actor stores the latest signal there).
    underlying : str
        Ticker of the proposed entry (``SPY``).

    Returns
    -------
    RiskDecision | None
        ``block`` with reason ``signal gate: <gate_reason>`` (rule ``signal_gate``) when the
        latest signal has ``entries_allowed`` False, or when the stored signal cannot be
        decoded (fail closed); None when there is no signal or it allows entries.

    """
    try:
        signal = latest_signal(cache, underlying)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        reason = f"signal gate: the stored signal of {underlying} is unreadable ({exc})"
        return RiskDecision(Action.BLOCK, 0.0, reason, RULE)
    if signal is None or signal.entries_allowed:
        return None
    reason = f"signal gate: {signal.gate_reason or 'entries not allowed'} ({underlying})"
    return RiskDecision(Action.BLOCK, 0.0, reason, RULE)

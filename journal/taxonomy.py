"""Derived journal fields and the error taxonomy of losing trades.

Derived at entry (:func:`vol_regime`, :func:`trend`):

- ``regime``: the volatility regime of the short leg's implied volatility (our Black-Scholes IV
  of its mid, :func:`options.pricing.implied_vol`): ``low_vol`` below 15%, ``normal_vol`` from
  15% to 25%, ``high_vol`` from 25% (the bands the VIX is commonly read in);
- ``trend``: ``up`` when the underlying's close is at or above its 20-session simple moving
  average, ``down`` below it, ``None`` before 20 sessions were seen.

Every losing trade (P&L below zero once closed) gets exactly one error class from the fixed
taxonomy; winners and open trades get none. The rules run in this order and the first that
holds decides (:func:`classify`):

1. ``risk_policy``: the risk guard or the owner flattened the trade (exit ``risk_flatten``,
   ``owner_flatten``), or the loss
   exceeded :data:`MAX_LOSS_FRACTION` (2%) of the equity at entry (the owner's "at most 1-2%
   loss per trade").
2. ``liquidity_execution``: the entry filled only some legs (exit ``broken_entry``), or the
   slippage paid against the mid (entry plus exit) is at least
   :data:`SLIPPAGE_SHARE_OF_LOSS` (25%) of the loss, or a leg's bid-ask spread at entry was at
   least :data:`WIDE_SPREAD` (10%) of its mid.
3. ``volatility``: the underlying moved at least one standard deviation implied by the short
   leg's entry IV over the days held: ``|ln(S_exit / S_entry)| >= iv × sqrt(days / 365)``.
4. ``timing``: the trade was closed before expiration by an exit rule (``stop_loss``,
   ``dte_exit``): a loss locked in by when the trade was left.
5. ``entry_quality``: any other loss: the strike, structure or credit chosen lost on an
   ordinary move.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

ENTRY_QUALITY = "entry_quality"
LIQUIDITY_EXECUTION = "liquidity_execution"
VOLATILITY = "volatility"
RISK_POLICY = "risk_policy"
TIMING = "timing"
ERROR_CLASSES = (ENTRY_QUALITY, LIQUIDITY_EXECUTION, VOLATILITY, RISK_POLICY, TIMING)
"""The fixed error taxonomy."""

MAX_LOSS_FRACTION = 0.02
SLIPPAGE_SHARE_OF_LOSS = 0.25
WIDE_SPREAD = 0.10
LOW_VOL = 0.15
HIGH_VOL = 0.25
TREND_SESSIONS = 20
EARLY_EXITS = frozenset({"stop_loss", "dte_exit"})
FLATTENS = frozenset({"risk_flatten", "owner_flatten"})


def vol_regime(iv: float | None) -> str | None:
    """Return ``low_vol``, ``normal_vol`` or ``high_vol`` for an IV (decimal), else ``None``."""
    if iv is None or not math.isfinite(iv):
        return None
    if iv < LOW_VOL:
        return "low_vol"
    return "normal_vol" if iv < HIGH_VOL else "high_vol"


def trend(close: float, sma: float | None) -> str | None:
    """Return ``up`` (close at or above its moving average), ``down``, or ``None`` without one."""
    if sma is None:
        return None
    return "up" if close >= sma else "down"


def classify(record: Mapping[str, Any]) -> str | None:
    """Return the error class of a closed journal trade, or ``None`` for a winner or open trade.

    Parameters
    ----------
    record : Mapping[str, Any]
        A journal record with ``pnl`` (dollars, fees included), ``exit_reason``, ``equity``
        (dollars at entry), ``entry_slippage`` and ``exit_slippage`` (dollars paid against the
        mid, positive is a cost), ``legs`` (each with ``bid`` and ``ask``, dollars per share),
        ``iv`` (decimal), ``spot`` and ``exit_spot`` (dollars per share) and ``days_held``.

    Returns
    -------
    str | None
        One of :data:`ERROR_CLASSES` (rules in the module docstring).

    """
    pnl = record.get("pnl")
    if pnl is None or record.get("exit_time") is None or pnl >= 0:
        return None
    loss = -float(pnl)
    exit_reason = record.get("exit_reason")
    equity = record.get("equity") or 0.0
    if exit_reason in FLATTENS or (equity > 0 and loss > MAX_LOSS_FRACTION * equity):
        return RISK_POLICY
    slippage = (record.get("entry_slippage") or 0.0) + (record.get("exit_slippage") or 0.0)
    if (
        exit_reason == "broken_entry"
        or slippage >= SLIPPAGE_SHARE_OF_LOSS * loss
        or any(_relative_spread(leg) >= WIDE_SPREAD for leg in record.get("legs", ()))
    ):
        return LIQUIDITY_EXECUTION
    if _moved_one_sd(record):
        return VOLATILITY
    if exit_reason in EARLY_EXITS:
        return TIMING
    return ENTRY_QUALITY


def _relative_spread(leg: Mapping[str, Any]) -> float:
    bid, ask = float(leg["bid"]), float(leg["ask"])
    mid = (bid + ask) / 2.0
    return (ask - bid) / mid if mid > 0 else math.inf


def _moved_one_sd(record: Mapping[str, Any]) -> bool:
    iv, spot, exit_spot = record.get("iv"), record.get("spot"), record.get("exit_spot")
    days = record.get("days_held")
    if not iv or not spot or not exit_spot or days is None:
        return False
    return bool(abs(math.log(exit_spot / spot)) >= iv * math.sqrt(max(days, 1) / 365.0))

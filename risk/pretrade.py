"""Pre-trade checks of one proposed entry, after the risk guard's standing decision.

:func:`evaluate_entry` first applies the guard's decision (``block``/``flatten`` stop the
entry, ``reduce`` shrinks it), then every configured check on the shrunk quantity: sizing
(:mod:`risk.entry_sizing`), greeks limits (:mod:`risk.exposure`), the stress grid
(:mod:`risk.stress`), the trading window (:mod:`risk.trading_window`), the order rate
(:mod:`risk.order_rate`) and data quality (:mod:`risk.data_quality`). The entry gets the
smallest allowance; the decision names every check that limited it, with its reason.
"""

from __future__ import annotations

import dataclasses

import msgspec

from risk.data_quality import DataQualityConfig, check_data_quality
from risk.decision import Action, RiskDecision
from risk.entry_sizing import EntrySizingConfig, check_sizing
from risk.exposure import GreeksLimitsConfig, check_greeks
from risk.order_rate import OrderRateConfig, check_order_rate
from risk.proposal import Book, EntryProposal
from risk.rules import Cap
from risk.stress import StressConfig, check_stress
from risk.trading_window import EventDay, TradingWindowConfig, check_window


class PreTradeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The pre-trade checks; a check left ``None`` is off.

    Parameters
    ----------
    sizing : EntrySizingConfig | None
        Risk per trade, caps, concurrent trades, cash buffer, minimum notional.
    greeks : GreeksLimitsConfig | None
        Net delta, gamma, vega and theta limits.
    stress : StressConfig | None
        Stress grid (VaR) limit.
    trading_window : TradingWindowConfig | None
        Hours, half days, earnings and event blackouts.
    order_rate : OrderRateConfig | None
        Orders per time window.
    data_quality : DataQualityConfig | None
        Stale, crossed or zero-bid quotes, missing greeks, chain and underlying disagreeing.
    pending_secs : float, default 300
        An admitted entry counts as open this long even before any of its legs holds a
        position (orders in flight); > 0.
    earnings : list[EventDay]
        Earnings dates, filled by the risk guard from ``trading_window.earnings_catalog``.

    """

    sizing: EntrySizingConfig | None = None
    greeks: GreeksLimitsConfig | None = None
    stress: StressConfig | None = None
    trading_window: TradingWindowConfig | None = None
    order_rate: OrderRateConfig | None = None
    data_quality: DataQualityConfig | None = None
    pending_secs: float = 300.0
    earnings: list[EventDay] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.pending_secs > 0:
            raise ValueError(f"entry.pending_secs was {self.pending_secs!r}, not > 0")


def _caps(config: PreTradeConfig, proposal: EntryProposal, book: Book) -> list[Cap]:
    caps = []
    if config.data_quality is not None:
        caps.append(check_data_quality(config.data_quality, proposal, book))
    if config.trading_window is not None:
        caps.append(check_window(config.trading_window, proposal, config.earnings))
    if config.order_rate is not None:
        caps.append(check_order_rate(config.order_rate, proposal, book))
    if config.sizing is not None:
        caps.append(check_sizing(config.sizing, proposal, book))
    if config.greeks is not None:
        caps.append(check_greeks(config.greeks, proposal, book))
    if config.stress is not None:
        caps.append(check_stress(config.stress, proposal, book))
    return caps


def evaluate_entry(
    config: PreTradeConfig, proposal: EntryProposal, book: Book, standing: RiskDecision
) -> RiskDecision:
    """Return the decision on `proposal`: its factor times its quantity is what may enter.

    Parameters
    ----------
    config : PreTradeConfig
        The checks.
    proposal : EntryProposal
        The entry.
    book : Book
        The account before the entry (the checks see it after the legs a roll closes:
        :meth:`~risk.proposal.Book.after_closing`).
    standing : RiskDecision
        The risk guard's current decision (:func:`risk.gate.current_decision`).

    Returns
    -------
    RiskDecision
        ``allow`` (factor 1), ``reduce`` (factor = allowed / wanted units) or ``block``; the
        guard's ``flatten`` is returned as it is. `rule` names every limiting check.

    """
    wanted = proposal.quantity
    if standing.blocks_entries:
        return standing
    book = book.after_closing(proposal)
    first = standing.sized(wanted)
    limits = [Cap(first, standing.reason, standing.rule)] if standing.reason else []
    if first >= 1:
        shrunk = dataclasses.replace(proposal, quantity=first)
        limits += [cap for cap in _caps(config, shrunk, book) if cap.allowed < first]
    allowed = min([first] + [cap.allowed for cap in limits])
    if not limits:
        return standing
    reason = "; ".join(cap.reason for cap in limits if cap.reason)
    rule = ",".join(dict.fromkeys(cap.rule for cap in limits))
    if allowed < 1:
        return RiskDecision(Action.BLOCK, 0.0, reason, rule)
    if allowed < wanted:
        return RiskDecision(Action.REDUCE, allowed / wanted, reason, rule)
    return RiskDecision(Action.ALLOW, 1.0, reason, rule)

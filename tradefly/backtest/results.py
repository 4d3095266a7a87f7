"""Plain result records of a backtest run, independent of Nautilus objects.

The per-trade, equity and close records are the trade recorder's (:mod:`actors.records`).
"""

from dataclasses import dataclass, field
from typing import Any

from actors.records import ClosePoint, EquityPoint, TradeRecord


@dataclass(frozen=True, slots=True)
class SplitPoint:
    """A split of the underlying: from `ts_ns` (its ex-date's open) each share is `ratio` shares."""

    ts_ns: int
    ratio: float


@dataclass(frozen=True, slots=True)
class RiskGateRecord:
    """One row of the risk guard's log in a backtest (see :class:`statestore.risk.RiskEvent`).

    Parameters
    ----------
    time : str
        ISO-8601 UTC.
    rule : str
        Who wrote it: a rule, ``combined`` (the decision strategies read), ``entry`` (an entry
        blocked or resized) or ``owner``.
    action : str
        ``allow``, ``reduce``, ``block``, ``flatten``, ``entry_blocked``, ``entry_reduced`` or
        an owner command.
    factor : float
        Size factor (1 allows full size, 0 blocks).
    rules : str
        The gates that decided (comma separated), e.g. ``drawdown`` or ``sizing,greeks``.
    reason : str
        Why, in words.

    """

    time: str
    rule: str
    action: str
    factor: float
    rules: str
    reason: str


@dataclass(slots=True)
class BacktestResult:
    """The outcome of one backtest run.

    Parameters
    ----------
    run_id : str
        Report folder name under ``reports/``.
    config_name : str
        Name of the run config.
    synthetic : bool
        True when the input was the seeded synthetic demo market.
    starting_balance, ending_balance : float
        Cash in USD at start and end.
    premium_collected : float
        Sum over option sells of price × 100 × contracts, USD (before fees).
    fees : float
        Total commissions, USD.
    slippage : float
        What option fills paid against the mid of their contract's quote at the fill, USD
        (see :class:`actors.trade_recorder.TradeRecorder`).
    realized_pnl : float
        Sum of realized P&L of all closed positions after fees, USD.
    n_trades : int
        Trades the strategy opened (legs opened together count once; see
        :func:`tradefly.backtest.trades.group_trades`).
    n_assigned : int
        Short options assigned at expiry.
    equity_curve : list[EquityPoint]
        Equity at each session close.
    trades : list[TradeRecord]
        Every position (leg): options and the shares assigned or exercised options delivered.
    underlying : str
        Ticker of the underlying (``SPY``); its closes are the benchmark.
    n_legs : int
        Option positions opened (each leg of a spread once).
    underlying_closes : list[ClosePoint]
        The underlying's close at each session replayed (raw traded prices).
    underlying_splits : list[SplitPoint]
        The underlying's splits stored in the catalog (:mod:`catalog.splits`), oldest first;
        the buy-and-hold benchmark holds through them.
    run_info : dict[str, Any]
        How to reproduce the run: ``config`` (every field, defaults included), ``catalog``,
        ``data_span`` (first and last session replayed), ``versions``.
    journal : list[dict[str, Any]]
        The trade journal's records, trades and gated entries (see :mod:`actors.journal`).
    risk_events : list[RiskGateRecord]
        The risk guards' logs (empty without a guard): decision changes and every entry a gate
        blocked or resized.
    ending_buying_power : float | None
        The simulated account's free balance at the end, USD (``None``: not recorded).
    wheel_cycles : list[dict[str, Any]]
        One row per cycle of each wheel in the run (columns
        :data:`strategies.toolkit.wheel.REPORT_COLUMNS`); empty without a wheel.

    """

    run_id: str
    config_name: str
    synthetic: bool
    starting_balance: float
    ending_balance: float
    premium_collected: float
    fees: float
    realized_pnl: float
    n_trades: int
    n_assigned: int
    equity_curve: list[EquityPoint] = field(default_factory=list)
    trades: list[TradeRecord] = field(default_factory=list)
    underlying: str = ""
    n_legs: int = 0
    underlying_closes: list[ClosePoint] = field(default_factory=list)
    run_info: dict[str, Any] = field(default_factory=dict)
    slippage: float = 0.0
    journal: list[dict[str, Any]] = field(default_factory=list)
    risk_events: list[RiskGateRecord] = field(default_factory=list)
    wheel_cycles: list[dict[str, Any]] = field(default_factory=list)
    underlying_splits: list[SplitPoint] = field(default_factory=list)
    ending_buying_power: float | None = None

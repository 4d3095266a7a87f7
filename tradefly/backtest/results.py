"""Plain result records of a backtest run, independent of Nautilus objects."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

ISO_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""The one timestamp format of reports: ISO-8601 UTC, microseconds, ``Z`` suffix."""


def iso_utc(ts_ns: int) -> str:
    """Return UNIX nanoseconds as ISO-8601 UTC in :data:`ISO_UTC_FORMAT` (microseconds).

    Parameters
    ----------
    ts_ns : int
        UNIX time in nanoseconds (truncated to microseconds).

    Returns
    -------
    str
        E.g. ``2021-01-04T21:00:00.001000Z``.

    """
    seconds, nanos = divmod(ts_ns, 1_000_000_000)
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    moment += dt.timedelta(microseconds=nanos // 1000)
    return moment.strftime(ISO_UTC_FORMAT)


@dataclass(frozen=True, slots=True)
class TradeRecord:
    """One position from entry to exit.

    Parameters
    ----------
    entry_time : str
        ISO-8601 UTC time of the opening fill (:data:`ISO_UTC_FORMAT`).
    symbol : str
        OCC option symbol or underlying ticker (e.g. ``SPY210129P00360000``, ``SPY``).
    side : str
        Opening side: ``SELL`` (short) or ``BUY`` (long).
    quantity : int
        Contracts (options) or shares (underlying).
    entry_price : float
        Average opening price, dollars per share.
    exit_time : str | None
        ISO-8601 UTC time of the closing fill (:data:`ISO_UTC_FORMAT`), ``None`` while open.
    exit_reason : str
        ``expired`` (worthless), ``assigned``, ``exercised``, ``take_profit``, ``stop_loss``,
        ``dte_exit``, ``assigned_shares_sold``, ``called_away`` (shares delivered at a call's
        assignment), ``broken_entry``, ``risk_flatten``, ``open`` (still open at the end).
    exit_price : float | None
        Average closing price, dollars per share (0 for expiry and assignment).
    pnl : float
        Realized P&L in USD after fees.
    fees : float
        Commissions in USD.
    structure_id : str | None
        The structure its opening order was tagged with (``structure:<id>``), ``None`` for a
        position no tagged order opened (shares delivered at expiry).

    """

    entry_time: str
    symbol: str
    side: str
    quantity: int
    entry_price: float
    exit_time: str | None
    exit_reason: str
    exit_price: float | None
    pnl: float
    fees: float
    structure_id: str | None = None


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Account equity at one instant: cash plus open positions marked to market (USD)."""

    ts_ns: int
    equity: float


@dataclass(frozen=True, slots=True)
class ClosePoint:
    """The underlying's session close price (USD per share) at one instant."""

    ts_ns: int
    close: float


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

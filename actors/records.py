"""What the trade recorder records: trades, equity and closes, and the report's time format.

Plain records, independent of Nautilus objects; a backtest's result gathers them
(:class:`tradefly.backtest.results.BacktestResult`).
"""

import datetime as dt
from dataclasses import dataclass

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
        assignment), ``broken_entry``, ``risk_flatten``, ``owner_flatten``, ``open`` (still
        open at the end).
    exit_price : float | None
        Average closing price, dollars per share (0 for expiry and assignment).
    pnl : float
        Realized P&L in USD after fees.
    fees : float
        Commissions in USD.
    structure_id : str | None
        The structure its opening order was tagged with (``structure:<id>``), ``None`` for a
        position no tagged order opened (shares delivered at expiry).
    multiplier : int, default 100
        An option's dollars per contract of one dollar of price (10 for a mini); 1 for shares.
    deliverable_shares : int, default 100
        Shares of the underlying one option contract delivers (150 for ``XYZ1`` after a
        3-for-2 split, :mod:`options.deliverables`); 0 for shares.

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
    multiplier: int = 100
    deliverable_shares: int = 100


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

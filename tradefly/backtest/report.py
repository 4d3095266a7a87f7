"""Report of a backtest run: JSON-ready summary, terminal table, and ``reports/<run-id>/`` files.

The run folder holds ``summary.json`` (:func:`summary_dict`), ``risk.csv`` (the risk guard's
log, columns :data:`RISK_COLUMNS`, when a guard ran), ``trades.csv`` (one row per owner
trade, columns :data:`TRADE_COLUMNS`), ``legs.csv`` (one row per position, columns
:data:`LEG_COLUMNS`), ``equity.csv`` (the mark-to-market curve, columns
:data:`EQUITY_COLUMNS`) and ``report.html`` (:func:`tradefly.backtest.html_report.report_html`).
Every timestamp is ISO-8601 UTC in one format (:data:`actors.records.ISO_UTC_FORMAT`).
"""

import csv
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from actors.records import TradeRecord, iso_utc
from journal.export import write_journal
from strategies.toolkit.wheel import REPORT_COLUMNS as WHEEL_COLUMNS
from tradefly.backtest.benchmark import buy_and_hold
from tradefly.backtest.formatting import (
    SYNTHETIC_BANNER,
    TRADE_TABLE_COLUMNS,
    format_number,
    format_percent,
    key_figures,
    trade_cells,
)
from tradefly.backtest.html_report import report_html
from tradefly.backtest.metrics import SESSION_TIMEZONE, equity_series
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.statistics import (
    benchmark_statistics,
    breakdowns,
    curve_statistics,
    period_returns,
    trade_statistics,
)
from tradefly.backtest.trades import Trade, group_trades

LEG_COLUMNS = (
    "trade",
    "entry_time",
    "symbol",
    "side",
    "quantity",
    "entry_price",
    "exit_time",
    "exit_reason",
    "exit_price",
    "pnl",
    "fees",
)
TRADE_COLUMNS = (
    "trade",
    "entry_time",
    "exit_time",
    "structure",
    "symbols",
    "expiration",
    "dte",
    "quantity",
    "exit_reason",
    "credit",
    "pnl",
    "fees",
    "n_legs",
)
EQUITY_COLUMNS = ("time", "equity", "underlying_close")
SUMMARY_FILE = "summary.json"
TRADES_FILE = "trades.csv"
LEGS_FILE = "legs.csv"
EQUITY_FILE = "equity.csv"
HTML_FILE = "report.html"
RISK_FILE = "risk.csv"
WHEEL_FILE = "wheel_cycles.csv"
RISK_COLUMNS = ("time", "rule", "action", "factor", "rules", "reason")

_PRICE_DECIMALS = 4  # catalog price precision (underlyings 4 decimals, options 2)
_MONEY_FIGURES = frozenset(
    {
        "max_drawdown_usd",
        "expectancy",
        "average_win",
        "average_loss",
        "largest_win",
        "largest_loss",
        "fees",
    }
)


def summary_dict(result: BacktestResult) -> dict[str, Any]:
    """Return the JSON-ready summary of a backtest run.

    Money is rounded to cents (half up), prices to 4 decimals; ratios stay full floats.
    Values that cannot be computed (``nan``) are ``None`` (JSON ``null``). Metrics are
    computed over ``result.equity_curve`` as given (one point per session close).

    Parameters
    ----------
    result : BacktestResult
        The run's outcome.

    Returns
    -------
    dict[str, Any]
        Keys: ``run_id``, ``config_name``, ``synthetic``; ``start_date``, ``end_date`` (New
        York dates of the first and last equity points, ISO strings); ``starting_balance``,
        ``ending_balance`` (cash, USD); ``ending_equity`` (last equity point, USD);
        ``total_return`` (decimal: ending equity, or ending balance when the curve is empty,
        over starting balance, minus 1); ``realized_pnl``, ``premium_collected``, ``fees``,
        ``slippage`` (option fills against the quote's mid; USD); ``n_trades`` (owner
        trades), ``n_legs`` (option positions), ``n_assigned``;
        ``max_drawdown`` (decimal fraction of the running peak); ``max_drawdown_usd``;
        ``sharpe``, ``sortino`` (annualised over session returns, 252 a year, risk-free 0,
        target 0); ``ulcer_index`` (percent); ``figures``
        (:func:`~tradefly.backtest.statistics.curve_statistics` and
        :func:`~tradefly.backtest.statistics.trade_statistics`); ``benchmark``
        (:func:`~tradefly.backtest.statistics.benchmark_statistics` of one share of
        ``result.underlying`` held through its splits,
        :func:`~tradefly.backtest.benchmark.buy_and_hold`; ``None`` without closes);
        ``monthly_returns``, ``yearly_returns``; ``breakdowns``;
        ``run`` (``result.run_info``: resolved config, catalog, data span, versions);
        ``risk_gates`` (:func:`risk_gate_counts`: entries each gate blocked or resized);
        ``trades``: one dict per owner trade with the keys of :data:`TRADE_COLUMNS` (``symbols``
        a list) and ``legs``, one dict per position with the keys of :data:`LEG_COLUMNS`.

    Raises
    ------
    ValueError
        If the equity curve is malformed (see :func:`tradefly.backtest.metrics.equity_series`).

    """
    equity = equity_series(result.equity_curve)
    trades = group_trades(result.trades)
    local_dates = equity.index.tz_convert(SESSION_TIMEZONE)
    ending_equity = float(equity.iloc[-1]) if len(equity) else None
    final_value = ending_equity if ending_equity is not None else result.ending_balance
    total_return = (
        final_value / result.starting_balance - 1.0 if result.starting_balance > 0 else math.nan
    )
    curve = curve_statistics(equity)
    figures = {**curve, **trade_statistics(trades, equity)}
    closes = buy_and_hold(result)
    periods = period_returns(equity)
    return {
        "run_id": result.run_id,
        "config_name": result.config_name,
        "synthetic": bool(result.synthetic),
        "start_date": local_dates[0].date().isoformat() if len(equity) else None,
        "end_date": local_dates[-1].date().isoformat() if len(equity) else None,
        "starting_balance": _money(result.starting_balance),
        "ending_balance": _money(result.ending_balance),
        "ending_equity": _money(ending_equity),
        "total_return": _ratio(total_return),
        "realized_pnl": _money(result.realized_pnl),
        "premium_collected": _money(result.premium_collected),
        "fees": _money(result.fees),
        "slippage": _money(result.slippage),
        "n_trades": int(result.n_trades),
        "n_legs": int(result.n_legs),
        "n_assigned": int(result.n_assigned),
        "max_drawdown": _ratio(curve["max_drawdown"]),
        "max_drawdown_usd": _money(curve["max_drawdown_usd"]),
        "sharpe": _ratio(curve["sharpe"]),
        "sortino": _ratio(curve["sortino"]),
        "ulcer_index": _ratio(curve["ulcer_index"]),
        "figures": {k: _money(v) if k in _MONEY_FIGURES else _ratio(v) for k, v in figures.items()},
        "benchmark": (
            {k: _ratio(v) for k, v in benchmark_statistics(closes, equity).items()}
            if len(closes)
            else None
        ),
        "monthly_returns": periods["monthly"],
        "yearly_returns": periods["yearly"],
        "breakdowns": {
            name: [
                {**row, "pnl": _money(row["pnl"]), "average_pnl": _money(row["average_pnl"])}
                for row in rows
            ]
            for name, rows in breakdowns(trades).items()
        },
        "run": result.run_info,
        "risk_gates": risk_gate_counts(result),
        "trades": [_trade_dict(trade) for trade in trades],
    }


def risk_gate_counts(result: BacktestResult) -> dict[str, dict[str, int]]:
    """Return, per gate (the deciding rules of an entry event), the entries it stopped.

    Returns
    -------
    dict[str, dict[str, int]]
        ``{rules: {"blocked": n, "reduced": n}}``, e.g. ``{"sizing,greeks": {"blocked": 9,
        "reduced": 0}}``; empty without a risk guard or gated entries.

    """
    counts: dict[str, dict[str, int]] = {}
    for event in result.risk_events:
        if event.rule != "entry":
            continue
        row = counts.setdefault(event.rules, {"blocked": 0, "reduced": 0})
        row["blocked" if event.action == "entry_blocked" else "reduced"] += 1
    return counts


def format_summary_table(summary: Mapping[str, Any]) -> str:
    """Return a fixed-width text table of a run summary for the terminal.

    Parameters
    ----------
    summary : Mapping[str, Any]
        A :func:`summary_dict` result, or the same object read back from ``summary.json``.

    Returns
    -------
    str
        The key figures, then one line per owner trade (dates are the UTC dates of the
        fills); a ``SYNTHETIC DATA`` banner heads the table when the run used the synthetic
        market. No trailing newline.

    """
    figures = key_figures(summary)
    label_width = max(len(label) for label, _ in figures)
    title = f"Tradefly backtest  run {summary['run_id']}  config {summary['config_name']}"
    lines = [title]
    if summary["synthetic"]:
        banner = f"*** {SYNTHETIC_BANNER} ***"
        lines = ["*" * len(banner), banner, "*" * len(banner), title]
    rule = "=" * max(len(line) for line in lines)
    lines = [rule, *lines, rule]
    lines += [f"{label:<{label_width}}  {value}" for label, value in figures]
    trades: Sequence[Mapping[str, Any]] = summary["trades"]
    lines += ["", f"Trades ({len(trades)})"]
    if trades:
        lines += _trade_table_lines(trades)
    else:
        lines.append("(no trades)")
    return "\n".join(lines)


def one_line_summary(summary: Mapping[str, Any]) -> str:
    """Return one line: trades, win rate, total return, max drawdown, Sharpe, benchmark."""
    figures = summary["figures"]
    benchmark = summary["benchmark"] or {}
    return (
        f"{summary['config_name']}: {summary['n_trades']} trades, "
        f"win rate {format_percent(figures['win_rate'])}, "
        f"return {format_percent(summary['total_return'])}, "
        f"max drawdown {format_percent(summary['max_drawdown'])}, "
        f"Sharpe {format_number(summary['sharpe'])}; "
        f"buy-and-hold {format_percent(benchmark.get('total_return'))}"
    )


def write_report(result: BacktestResult, reports_dir: Path) -> Path:
    """Write ``summary.json``, ``trades.csv``, ``legs.csv``, ``equity.csv``, ``report.html``.

    Also the trade journal, ``journal.csv`` and ``journal.parquet`` (:mod:`journal.export`).
    With a risk guard in the run also ``risk.csv``, its log; with a wheel
    ``wheel_cycles.csv``, one row per cycle (:data:`strategies.toolkit.wheel.REPORT_COLUMNS`).

    Each file is written to a temporary name and then renamed, so a failed write never
    leaves a half-written report file. Existing files of the same run are replaced.

    Parameters
    ----------
    result : BacktestResult
        The run's outcome; ``result.run_id`` names the folder.
    reports_dir : Path
        Parent folder of run folders (created if missing).

    Returns
    -------
    Path
        The run folder, ``reports_dir / result.run_id``.

    Raises
    ------
    ValueError
        If ``result.run_id`` is not a plain folder name, or the equity curve is malformed.
    OSError
        If a file cannot be written.

    """
    run_id = result.run_id
    if run_id in {"", ".", ".."} or Path(run_id).name != run_id or "\\" in run_id:
        raise ValueError(f"run_id was not a plain folder name: {run_id!r}")
    summary = summary_dict(result)
    run_dir = reports_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    summary_json = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    trade_rows = [{**t, "symbols": " ".join(t["symbols"])} for t in summary["trades"]]
    leg_rows = [leg for t in summary["trades"] for leg in t["legs"]]
    _write_atomically(run_dir / SUMMARY_FILE, summary_json)
    _write_atomically(run_dir / TRADES_FILE, _csv(TRADE_COLUMNS, trade_rows))
    _write_atomically(run_dir / LEGS_FILE, _csv(LEG_COLUMNS, leg_rows))
    _write_atomically(run_dir / EQUITY_FILE, _csv(EQUITY_COLUMNS, _equity_rows(result)))
    _write_atomically(run_dir / HTML_FILE, report_html(result, summary))
    write_journal(result.journal, run_dir)
    if result.risk_events:
        risk_rows = [{c: getattr(e, c) for c in RISK_COLUMNS} for e in result.risk_events]
        _write_atomically(run_dir / RISK_FILE, _csv(RISK_COLUMNS, risk_rows))
    if result.wheel_cycles:
        _write_atomically(run_dir / WHEEL_FILE, _csv(WHEEL_COLUMNS, result.wheel_cycles))
    return run_dir


def _equity_rows(result: BacktestResult) -> list[dict[str, Any]]:
    closes = {
        pd.Timestamp(p.ts_ns, tz="UTC").tz_convert(SESSION_TIMEZONE).date(): p.close
        for p in result.underlying_closes
    }
    rows = []
    for i, point in enumerate(result.equity_curve):
        day = pd.Timestamp(point.ts_ns, tz="UTC").tz_convert(SESSION_TIMEZONE).date()
        rows.append(
            {
                "time": iso_utc(point.ts_ns),
                "equity": _money(point.equity),
                "underlying_close": closes.get(day) if i > 0 else None,
            }
        )
    return rows


def _money(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    cents = Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(cents) + 0.0  # + 0.0 turns -0.0 into 0.0


def _ratio(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _price(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), _PRICE_DECIMALS) + 0.0


def _leg_dict(number: int, leg: TradeRecord) -> dict[str, Any]:
    return {
        "trade": number,
        "entry_time": leg.entry_time,
        "symbol": leg.symbol,
        "side": leg.side,
        "quantity": int(leg.quantity),
        "entry_price": _price(leg.entry_price),
        "exit_time": leg.exit_time,
        "exit_reason": leg.exit_reason,
        "exit_price": _price(leg.exit_price),
        "pnl": _money(leg.pnl),
        "fees": _money(leg.fees),
    }


def _trade_dict(trade: Trade) -> dict[str, Any]:
    options = bool(trade.option_legs)
    return {
        "trade": trade.number,
        "entry_time": trade.entry_time,
        "exit_time": trade.exit_time,
        "structure": trade.structure,
        "symbols": [leg.symbol for leg in trade.legs],
        "expiration": trade.expiration.isoformat() if options else None,
        "dte": trade.dte if options else None,
        "quantity": trade.quantity if options else trade.legs[0].quantity,
        "exit_reason": trade.exit_reason,
        "credit": _money(trade.credit),
        "pnl": _money(trade.pnl),
        "fees": _money(trade.fees),
        "n_legs": len(trade.legs),
        "legs": [_leg_dict(trade.number, leg) for leg in trade.legs],
    }


def _trade_table_lines(trades: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [trade_cells(trade) for trade in trades]
    widths = [
        max(len(label), *(len(row[i]) for row in rows))
        for i, (label, _) in enumerate(TRADE_TABLE_COLUMNS)
    ]

    def line(cells: Sequence[str]) -> str:
        aligned = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, (_, right) in zip(cells, widths, TRADE_TABLE_COLUMNS, strict=True)
        ]
        return " ".join(aligned).rstrip()

    header = line([label for label, _ in TRADE_TABLE_COLUMNS])
    return [header, "-" * len(header), *(line(row) for row in rows)]


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)  # None becomes an empty cell
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8", newline="")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)

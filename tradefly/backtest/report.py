"""Report of a backtest run: JSON-ready summary, terminal table, and ``reports/<run-id>/`` files.

The run folder holds ``summary.json`` (:func:`summary_dict`), ``trades.csv`` (one row per
trade, columns :data:`TRADE_COLUMNS`) and ``report.html``, a self-contained page (plotly.js
embedded once, no network) with the equity, drawdown and per-trade P&L plots.
"""

import csv
import html
import io
import json
import math
import os
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from tradefly.backtest.metrics import (
    SESSION_TIMEZONE,
    daily_returns,
    drawdown_series,
    equity_series,
    max_drawdown,
    max_drawdown_usd,
    sharpe_ratio,
    sortino_ratio,
    ulcer_index,
)
from tradefly.backtest.results import BacktestResult, TradeRecord

TRADE_COLUMNS = (
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
SUMMARY_FILE = "summary.json"
TRADES_FILE = "trades.csv"
HTML_FILE = "report.html"
EQUITY_DIV_ID = "equity-curve"
DRAWDOWN_DIV_ID = "drawdown-curve"
TRADES_DIV_ID = "trade-pnl"
SYNTHETIC_BANNER = "SYNTHETIC DATA: seeded demo market, not real prices"

_PRICE_DECIMALS = 4  # catalog price precision (underlyings 4 decimals, options 2)
_NOT_AVAILABLE = "n/a"
_EXIT_REASON_COLOURS = {
    "expired": "#2ca02c",
    "take_profit": "#17becf",
    "dte_exit": "#1f77b4",
    "stop_loss": "#d62728",
    "assigned": "#ff7f0e",
    "exercised": "#9467bd",
    "assigned_shares_sold": "#8c564b",
    "open": "#7f7f7f",
}
_OTHER_REASON_COLOUR = "#bcbd22"
# (label, right-aligned) of the trades table; a column is as wide as its longest cell.
_TRADE_TABLE_COLUMNS = (
    ("#", True),
    ("entry", False),
    ("symbol", False),
    ("side", False),
    ("qty", True),
    ("entry $", True),
    ("exit", False),
    ("reason", False),
    ("exit $", True),
    ("P&L $", True),
    ("fees $", True),
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
        over starting balance, minus 1); ``realized_pnl``, ``premium_collected``, ``fees``
        (USD); ``n_trades``, ``n_assigned``; ``max_drawdown`` (decimal fraction of the
        running peak); ``max_drawdown_usd``; ``sharpe``, ``sortino`` (annualised over
        session returns, 252 a year, risk-free 0, target 0); ``ulcer_index`` (percent);
        ``trades``: one dict per trade with the keys of :data:`TRADE_COLUMNS`.

    Raises
    ------
    ValueError
        If the equity curve is malformed (see :func:`tradefly.backtest.metrics.equity_series`).

    """
    equity = equity_series(result.equity_curve)
    returns = daily_returns(equity)
    local_dates = equity.index.tz_convert(SESSION_TIMEZONE)
    ending_equity = float(equity.iloc[-1]) if len(equity) else None
    final_value = ending_equity if ending_equity is not None else result.ending_balance
    total_return = (
        final_value / result.starting_balance - 1.0 if result.starting_balance > 0 else math.nan
    )
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
        "n_trades": int(result.n_trades),
        "n_assigned": int(result.n_assigned),
        "max_drawdown": _ratio(max_drawdown(equity)),
        "max_drawdown_usd": _money(max_drawdown_usd(equity)),
        "sharpe": _ratio(sharpe_ratio(returns)),
        "sortino": _ratio(sortino_ratio(returns)),
        "ulcer_index": _ratio(ulcer_index(equity)),
        "trades": [_trade_dict(trade) for trade in result.trades],
    }


def format_summary_table(summary: Mapping[str, Any]) -> str:
    """Return a fixed-width text table of a run summary for the terminal.

    Parameters
    ----------
    summary : Mapping[str, Any]
        A :func:`summary_dict` result, or the same object read back from ``summary.json``.

    Returns
    -------
    str
        The key figures, then one line per trade (dates are the UTC dates of the fills);
        a ``SYNTHETIC DATA`` banner heads the table when the run used the synthetic market.
        No trailing newline.

    """
    figures = _key_figures(summary)
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


def write_report(result: BacktestResult, reports_dir: Path) -> Path:
    """Write ``summary.json``, ``trades.csv`` and ``report.html`` for a run.

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
    _write_atomically(run_dir / SUMMARY_FILE, summary_json)
    _write_atomically(run_dir / TRADES_FILE, _trades_csv(summary["trades"]))
    _write_atomically(run_dir / HTML_FILE, _report_html(result, summary))
    return run_dir


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


def _trade_dict(trade: TradeRecord) -> dict[str, Any]:
    return {
        "entry_time": trade.entry_time,
        "symbol": trade.symbol,
        "side": trade.side,
        "quantity": int(trade.quantity),
        "entry_price": _price(trade.entry_price),
        "exit_time": trade.exit_time,
        "exit_reason": trade.exit_reason,
        "exit_price": _price(trade.exit_price),
        "pnl": _money(trade.pnl),
        "fees": _money(trade.fees),
    }


def _format_money(value: float | None) -> str:
    if value is None:
        return _NOT_AVAILABLE
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _format_percent(fraction: float | None) -> str:
    return _NOT_AVAILABLE if fraction is None else f"{100.0 * fraction:.2f} %"


def _format_number(value: float | None) -> str:
    return _NOT_AVAILABLE if value is None else f"{value:.2f}"


def _key_figures(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    start, end = summary["start_date"], summary["end_date"]
    drawdown_usd = _format_money(summary["max_drawdown_usd"])
    ulcer = summary["ulcer_index"]
    return [
        ("Data", "SYNTHETIC (seeded demo market)" if summary["synthetic"] else "catalog"),
        ("Period", f"{start} to {end}" if start is not None else _NOT_AVAILABLE),
        ("Starting balance", _format_money(summary["starting_balance"])),
        ("Ending balance", _format_money(summary["ending_balance"])),
        ("Ending equity", _format_money(summary["ending_equity"])),
        ("Total return", _format_percent(summary["total_return"])),
        ("Realized P&L", _format_money(summary["realized_pnl"])),
        ("Premium collected", _format_money(summary["premium_collected"])),
        ("Fees", _format_money(summary["fees"])),
        ("Trades", f"{summary['n_trades']} ({summary['n_assigned']} assigned)"),
        ("Max drawdown", f"{_format_percent(summary['max_drawdown'])} ({drawdown_usd})"),
        ("Sharpe (annualised)", _format_number(summary["sharpe"])),
        ("Sortino (annualised)", _format_number(summary["sortino"])),
        ("Ulcer index", _NOT_AVAILABLE if ulcer is None else f"{ulcer:.2f} %"),
    ]


def _trade_cells(number: int, trade: Mapping[str, Any]) -> list[str]:
    def optional(value: Any, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    exit_time = trade["exit_time"]
    return [
        str(number),
        str(trade["entry_time"])[:10],
        str(trade["symbol"]),
        str(trade["side"]),
        str(trade["quantity"]),
        optional(trade["entry_price"], ".4f"),
        "-" if exit_time is None else str(exit_time)[:10],
        str(trade["exit_reason"]),
        optional(trade["exit_price"], ".4f"),
        optional(trade["pnl"], ",.2f"),
        optional(trade["fees"], ",.2f"),
    ]


def _trade_table_lines(trades: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [_trade_cells(number, trade) for number, trade in enumerate(trades, start=1)]
    widths = [
        max(len(label), *(len(row[i]) for row in rows))
        for i, (label, _) in enumerate(_TRADE_TABLE_COLUMNS)
    ]

    def line(cells: Sequence[str]) -> str:
        aligned = [
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, (_, right) in zip(cells, widths, _TRADE_TABLE_COLUMNS, strict=True)
        ]
        return " ".join(aligned).rstrip()

    header = line([label for label, _ in _TRADE_TABLE_COLUMNS])
    return [header, "-" * len(header), *(line(row) for row in rows)]


def _trades_csv(trades: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRADE_COLUMNS)
    writer.writeheader()
    writer.writerows(trades)  # None becomes an empty cell
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8", newline="")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _figure_html(figure: go.Figure, div_id: str, *, include_plotlyjs: bool) -> str:
    html_div: str = figure.to_html(
        full_html=False,
        include_plotlyjs=include_plotlyjs,
        div_id=div_id,
        config={"displaylogo": False},
    )
    return html_div


def _figures(result: BacktestResult, summary: Mapping[str, Any]) -> list[str]:
    equity = equity_series(result.equity_curve)
    drawdown = drawdown_series(equity)
    times = [
        ts.strftime("%Y-%m-%d %H:%M")
        for ts in equity.index.tz_convert(SESSION_TIMEZONE)  # plotly.js ignores UTC offsets
    ]
    layout: dict[str, Any] = {"template": "plotly_white", "height": 360, "hovermode": "x"}

    equity_figure = go.Figure(
        go.Scatter(x=times, y=equity.to_numpy(), mode="lines", name="equity"),
        layout={**layout, "title": "Equity (USD)", "xaxis_title": "New York time"},
    )
    drawdown_figure = go.Figure(
        go.Scatter(
            x=times,
            y=-100.0 * drawdown.to_numpy(),
            mode="lines",
            fill="tozeroy",
            line={"color": "#d62728"},
            name="drawdown",
        ),
        layout={
            **layout,
            "title": "Drawdown from running peak (%)",
            "xaxis_title": "New York time",
        },
    )
    trades_figure = go.Figure(
        layout={
            **layout,
            "hovermode": "closest",
            "title": "Realized P&L per trade after fees (USD), coloured by exit reason",
            "xaxis_title": "trade number",
        }
    )
    trades: Sequence[Mapping[str, Any]] = summary["trades"]
    for reason in dict.fromkeys(trade["exit_reason"] for trade in trades):
        numbered = [(n, t) for n, t in enumerate(trades, start=1) if t["exit_reason"] == reason]
        trades_figure.add_trace(
            go.Bar(
                x=[n for n, _ in numbered],
                y=[t["pnl"] for _, t in numbered],
                name=reason,
                marker_color=_EXIT_REASON_COLOURS.get(reason, _OTHER_REASON_COLOUR),
                hovertext=[
                    f"{t['symbol']} {t['side']} {t['quantity']} "
                    f"{str(t['entry_time'])[:10]} to {str(t['exit_time'] or 'open')[:10]}"
                    for _, t in numbered
                ],
            )
        )
    return [
        _figure_html(equity_figure, EQUITY_DIV_ID, include_plotlyjs=True),
        _figure_html(drawdown_figure, DRAWDOWN_DIV_ID, include_plotlyjs=False),
        _figure_html(trades_figure, TRADES_DIV_ID, include_plotlyjs=False),
    ]


def _html_table(header: Sequence[str] | None, rows: Sequence[Sequence[str]], css: str) -> str:
    parts = [f'<table class="{css}">']
    if header is not None:
        cells = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        parts.append(f"<thead><tr>{cells}</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>")
    parts.append("</tbody></table>")
    return "\n".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
.banner { background: #b00020; color: #fff; font-size: 1.4em; font-weight: bold;
          padding: 0.6em 1em; text-align: center; letter-spacing: 0.05em; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.8em; }
table.figures td:nth-child(2) { text-align: right; font-variant-numeric: tabular-nums; }
table.trades { font-size: 0.85em; font-variant-numeric: tabular-nums; }
"""


def _report_html(result: BacktestResult, summary: Mapping[str, Any]) -> str:
    title = html.escape(f"Tradefly backtest {summary['run_id']} ({summary['config_name']})")
    banner = (
        f'<div class="banner synthetic" id="synthetic-banner">{html.escape(SYNTHETIC_BANNER)}</div>'
        if summary["synthetic"]
        else ""
    )
    figures = _html_table(None, _key_figures(summary), "figures")
    trades: Sequence[Mapping[str, Any]] = summary["trades"]
    trade_rows = [_trade_cells(n, trade) for n, trade in enumerate(trades, start=1)]
    trade_header = [label for label, _ in _TRADE_TABLE_COLUMNS]
    trade_table = _html_table(trade_header, trade_rows, "trades") if trades else "<p>No trades.</p>"
    plots = "\n".join(_figures(result, summary))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{_STYLE}</style>
</head>
<body>
{banner}
<h1>{title}</h1>
<h2>Key figures</h2>
{figures}
<h2>Plots</h2>
{plots}
<h2>Trades</h2>
{trade_table}
</body>
</html>
"""

"""The self-contained ``report.html`` of a backtest run: inline SVG charts, no script.

The page has a mobile viewport, sets every table in a horizontally scrolling box so nothing
widens the page on a 390-px phone, and labels chart axes in dollars and percent.
"""

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from charts.svg import Line, bar_chart, dollars, line_chart, percent
from tradefly.backtest.benchmark import buy_and_hold
from tradefly.backtest.formatting import (
    SYNTHETIC_BANNER,
    TRADE_TABLE_COLUMNS,
    format_percent,
    key_figures,
    trade_cells,
)
from tradefly.backtest.metrics import drawdown_series, equity_series
from tradefly.backtest.results import BacktestResult

EQUITY_CHART_ID = "equity-curve"
DRAWDOWN_CHART_ID = "drawdown-curve"
TRADES_CHART_ID = "trade-pnl"
FIGURES_TABLE_ID = "key-figures"
TRADES_TABLE_ID = "trades"
EXIT_REASON_COLOURS = {
    "expired": "#2ca02c",
    "take_profit": "#17becf",
    "dte_exit": "#1f77b4",
    "stop_loss": "#d62728",
    "assigned": "#ff7f0e",
    "exercised": "#9467bd",
    "open": "#7f7f7f",
}
OTHER_REASON_COLOUR = "#bcbd22"
_BREAKDOWN_TITLES = {
    "exit_reason": "By exit reason",
    "weekday": "By weekday of entry",
    "dte": "By DTE at entry",
    "structure": "By structure",
}

_NUMBER = re.compile(r"-?\$?[0-9]")
_STYLE = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 0.8em; max-width: 1100px;
       color: #222; }
h1 { font-size: 1.3em; overflow-wrap: anywhere; }
.banner { background: #b00020; color: #fff; font-size: 1.2em; font-weight: bold;
          padding: 0.6em 1em; text-align: center; }
.scroll { overflow-x: auto; max-width: 100%; margin: 0.8em 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9em; }
td, th { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; white-space: nowrap; }
td.num { text-align: right; }
#key-figures td { white-space: normal; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 0.8em 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8em; }
"""


def report_html(result: BacktestResult, summary: Mapping[str, Any]) -> str:
    """Return the report page of a run.

    Parameters
    ----------
    result : BacktestResult
        The run (equity curve and underlying closes for the charts).
    summary : Mapping[str, Any]
        Its :func:`tradefly.backtest.report.summary_dict`.

    Returns
    -------
    str
        One HTML document with no external resources: key figures (table
        ``#key-figures``), charts (``<svg>`` ``#equity-curve`` with the buy-and-hold
        benchmark scaled to the starting equity, ``#drawdown-curve``, ``#trade-pnl``), monthly
        and yearly returns, breakdowns, the trades (table ``#trades``), with a risk guard the
        entries its gates blocked or resized (table ``#risk-gates``), and the run's resolved
        config. Text from the run is HTML-escaped.

    """
    title = html.escape(f"Tradefly backtest {summary['run_id']} ({summary['config_name']})")
    banner = (
        f'<div class="banner synthetic" id="synthetic-banner">{html.escape(SYNTHETIC_BANNER)}</div>'
        if summary["synthetic"]
        else ""
    )
    figures = _table(None, key_figures(summary), FIGURES_TABLE_ID)
    trades: Sequence[Mapping[str, Any]] = summary["trades"]
    trade_table = (
        _table(
            [label for label, _ in TRADE_TABLE_COLUMNS],
            [trade_cells(t) for t in trades],
            TRADES_TABLE_ID,
        )
        if trades
        else f'<p id="{TRADES_TABLE_ID}">No trades.</p>'
    )
    run = html.escape(_run_text(summary))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_STYLE}</style>
</head>
<body>
{banner}
<h1>{title}</h1>
<h2>Key figures</h2>
{figures}
<h2>Charts</h2>
{_charts(result, summary)}
<h2>Returns by period</h2>
{_period_tables(summary)}
<h2>Breakdowns (closed trades)</h2>
{_breakdown_tables(summary)}
<h2>Trades ({len(trades)})</h2>
{trade_table}
{_risk_section(result)}
<h2>Run</h2>
<pre>{run}</pre>
</body>
</html>
"""


def _risk_section(result: BacktestResult) -> str:
    if not result.risk_events:
        return ""
    rows = [
        [e.time, e.action.removeprefix("entry_"), e.rules, e.reason]
        for e in result.risk_events
        if e.rule == "entry"
    ]
    if not rows:
        return '<h2>Risk gates</h2>\n<p id="risk-gates">No entry was blocked or resized.</p>'
    table = _table(["Time", "Entry", "Gate", "Reason"], rows, "risk-gates")
    return f"<h2>Risk gates ({len(rows)} entries)</h2>\n{table}"


def _charts(result: BacktestResult, summary: Mapping[str, Any]) -> str:
    equity = equity_series(result.equity_curve)
    if equity.empty:
        return "<p>No equity curve.</p>"
    lines = [Line(equity.to_numpy(), "#1f77b4", "strategy")]
    benchmark = _benchmark_line(result, equity)
    if benchmark is not None:
        lines.append(benchmark)
    trades: Sequence[Mapping[str, Any]] = summary["trades"]
    return "\n".join(
        [
            line_chart(EQUITY_CHART_ID, "Equity (USD)", equity.index, lines, dollars),
            line_chart(
                DRAWDOWN_CHART_ID,
                "Drawdown from running peak",
                equity.index,
                [Line(-drawdown_series(equity).to_numpy(), "#d62728", "drawdown")],
                percent,
            ),
            bar_chart(
                TRADES_CHART_ID,
                "P&L per trade after fees (USD), coloured by exit reason",
                [t["pnl"] or 0.0 for t in trades],
                [EXIT_REASON_COLOURS.get(t["exit_reason"], OTHER_REASON_COLOUR) for t in trades],
                [
                    f"#{t['trade']} {t['structure']} {str(t['entry_time'])[:10]} "
                    f"{t['exit_reason']} {t['pnl']}"
                    for t in trades
                ],
                dollars,
            ),
        ]
    )


def _benchmark_line(result: BacktestResult, equity: pd.Series) -> Line | None:
    """Buy-and-hold of the underlying (through its splits), as equity starting as the strategy."""
    if not result.underlying_closes:
        return None
    closes = buy_and_hold(result)
    at_points = closes.reindex(equity.index, method="ffill").to_numpy()
    first = at_points[np.isfinite(at_points)]
    if first.size == 0:
        return None
    scaled = np.where(np.isfinite(at_points), at_points / first[0], 1.0) * equity.iloc[0]
    return Line(scaled, "#999999", f"buy-and-hold {result.underlying}")


def _period_tables(summary: Mapping[str, Any]) -> str:
    monthly: Mapping[str, float] = summary["monthly_returns"]
    if not monthly:
        return "<p>No returns.</p>"
    years = sorted({key[:4] for key in monthly})
    header = ["year", *[f"{m:02d}" for m in range(1, 13)], "year"]
    rows = [
        [
            year,
            *[_percent_cell(monthly.get(f"{year}-{m:02d}")) for m in range(1, 13)],
            _percent_cell(summary["yearly_returns"].get(year)),
        ]
        for year in years
    ]
    return _table(header, rows, "period-returns")


def _percent_cell(value: float | None) -> str:
    return "" if value is None else format_percent(value)


def _breakdown_tables(summary: Mapping[str, Any]) -> str:
    parts = []
    header = ["group", "trades", "wins", "win rate", "P&L $", "avg P&L $"]
    for name, rows in summary["breakdowns"].items():
        cells = [
            [
                str(r["group"]),
                str(r["trades"]),
                str(r["wins"]),
                format_percent(r["win_rate"]),
                f"{r['pnl']:,.2f}",
                f"{r['average_pnl']:,.2f}",
            ]
            for r in rows
        ]
        parts.append(f"<h3>{html.escape(_BREAKDOWN_TITLES.get(name, name))}</h3>")
        parts.append(_table(header, cells, f"breakdown-{name}") if cells else "<p>None.</p>")
    return "\n".join(parts)


def _run_text(summary: Mapping[str, Any]) -> str:
    return json.dumps(summary.get("run", {}), indent=2)


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]], table_id: str) -> str:
    parts = [f'<div class="scroll"><table id="{html.escape(table_id)}">']
    if header is not None:
        cells = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        parts.append(f"<thead><tr>{cells}</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        parts.append(
            "<tr>"
            + "".join(
                f'<td class="{"num" if _numeric(cell) else "text"}">{html.escape(cell)}</td>'
                for cell in row
            )
            + "</tr>"
        )
    parts.append("</tbody></table></div>")
    return "\n".join(parts)


def _numeric(cell: str) -> bool:
    return _NUMBER.match(cell) is not None

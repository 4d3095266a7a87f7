"""Text forms of a run summary's figures, shared by the terminal table and the HTML page."""

from collections.abc import Mapping
from typing import Any

SYNTHETIC_BANNER = "SYNTHETIC DATA: seeded demo market, not real prices"
NOT_AVAILABLE = "n/a"

# (label, right-aligned) of the trades table; a column is as wide as its longest cell.
TRADE_TABLE_COLUMNS = (
    ("#", True),
    ("entry", False),
    ("structure", False),
    ("symbols", False),
    ("qty", True),
    ("exit", False),
    ("reason", False),
    ("credit $", True),
    ("P&L $", True),
)


def format_money(value: float | None) -> str:
    """Format USD as ``$1,234.56`` or ``-$1,234.56``; ``n/a`` for ``None``."""
    if value is None:
        return NOT_AVAILABLE
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def format_percent(fraction: float | None) -> str:
    """Format a decimal fraction as ``12.34 %``; ``n/a`` for ``None``."""
    return NOT_AVAILABLE if fraction is None else f"{100.0 * fraction:.2f} %"


def format_number(value: float | None) -> str:
    """Format a ratio with two decimals; ``n/a`` for ``None``."""
    return NOT_AVAILABLE if value is None else f"{value:.2f}"


def key_figures(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return the report's key figures as (label, formatted value) pairs.

    Money is formatted ``$1,234.56``, fractions ``12.34 %``, ratios with two decimals,
    ``n/a`` where a value is ``None``.
    """
    start, end = summary["start_date"], summary["end_date"]
    f = summary["figures"]
    bench = summary["benchmark"]
    drawdown_usd = format_money(summary["max_drawdown_usd"])
    ulcer = summary["ulcer_index"]
    days = f["max_drawdown_days"]
    rows = [
        ("Data", "SYNTHETIC (seeded demo market)" if summary["synthetic"] else "catalog"),
        ("Period", f"{start} to {end}" if start is not None else NOT_AVAILABLE),
        ("Starting balance", format_money(summary["starting_balance"])),
        ("Ending balance", format_money(summary["ending_balance"])),
        ("Ending equity", format_money(summary["ending_equity"])),
        ("Total return", format_percent(summary["total_return"])),
        ("CAGR", format_percent(f["cagr"])),
        ("Volatility (annualised)", format_percent(f["volatility"])),
        ("Realized P&L", format_money(summary["realized_pnl"])),
        ("Premium collected", format_money(summary["premium_collected"])),
        ("Fees", format_money(summary["fees"])),
        ("Slippage vs mid", format_money(summary["slippage"])),
        (
            "Trades",
            f"{summary['n_trades']} ({summary['n_legs']} option legs, "
            f"{summary['n_assigned']} assigned)",
        ),
        ("Win rate", format_percent(f["win_rate"])),
        ("Profit factor", format_number(f["profit_factor"])),
        ("Expectancy per trade", format_money(f["expectancy"])),
        (
            "Average win / loss",
            f"{format_money(f['average_win'])} / {format_money(f['average_loss'])}",
        ),
        ("Payoff ratio", format_number(f["payoff_ratio"])),
        (
            "Largest win / loss",
            f"{format_money(f['largest_win'])} / {format_money(f['largest_loss'])}",
        ),
        ("Exposure", format_percent(f["exposure"])),
        ("Max drawdown", f"{format_percent(summary['max_drawdown'])} ({drawdown_usd})"),
        ("Max drawdown duration", NOT_AVAILABLE if days is None else f"{days:.0f} days"),
        ("Sharpe (annualised)", format_number(summary["sharpe"])),
        ("Sortino (annualised)", format_number(summary["sortino"])),
        ("Calmar", format_number(f["calmar"])),
        ("Ulcer index", NOT_AVAILABLE if ulcer is None else f"{ulcer:.2f} %"),
    ]
    if bench is not None:
        rows += [
            ("Buy-and-hold return", format_percent(bench["total_return"])),
            ("Buy-and-hold Sharpe", format_number(bench["sharpe"])),
            ("Buy-and-hold max drawdown", format_percent(bench["max_drawdown"])),
            ("Correlation with buy-and-hold", format_number(bench["correlation"])),
        ]
    return rows


def trade_cells(trade: Mapping[str, Any]) -> list[str]:
    """Return the cells of one trade row of the terminal and HTML tables."""
    exit_time = trade["exit_time"]
    return [
        str(trade["trade"]),
        str(trade["entry_time"])[:10],
        str(trade["structure"]),
        " ".join(trade["symbols"]),
        str(trade["quantity"]),
        "-" if exit_time is None else str(exit_time)[:10],
        str(trade["exit_reason"]),
        "-" if trade["credit"] is None else f"{trade['credit']:,.2f}",
        "-" if trade["pnl"] is None else f"{trade['pnl']:,.2f}",
    ]

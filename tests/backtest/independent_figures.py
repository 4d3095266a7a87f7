"""Report figures recomputed from a run's equity.csv, legs.csv and trades.csv with plain pandas.

Nothing here calls Tradefly code: the trades are joined by hand (option legs opened at one
instant are one trade; shares opened at an assigned option's exit instant join its trade).
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

NY = "America/New_York"


def independent_figures(run_dir: Path) -> dict[str, float]:
    equity = pd.read_csv(run_dir / "equity.csv")
    equity["time"] = pd.to_datetime(equity["time"], format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True)
    legs = pd.read_csv(run_dir / "legs.csv")
    pnl = _joined_trade_pnl(legs)
    closed = pnl[pnl.index.isin(_closed_trades(legs))]
    wins, losses = closed[closed > 0], closed[closed < 0]

    session = equity["time"].dt.tz_convert(NY).dt.date
    closes = equity.groupby(session)["equity"].last()
    returns = closes.pct_change().dropna()
    years = len(returns) / 252
    cagr = (1 + returns).prod() ** (1 / years) - 1
    session_drawdown = (1 - closes / closes.cummax()).max()
    peak = equity["equity"].cummax()
    downside = math.sqrt((np.minimum(returns, 0) ** 2).mean())
    bench = equity["underlying_close"].dropna()
    bench_returns = equity.dropna().groupby(session)["underlying_close"].last().pct_change()
    both = pd.concat([returns, bench_returns], axis=1, join="inner").dropna()
    return {
        "n_trades": len(pnl),
        "win_rate": len(wins) / len(closed),
        "profit_factor": wins.sum() / -losses.sum(),
        "expectancy": closed.mean(),
        "average_win": wins.mean(),
        "average_loss": losses.mean(),
        "largest_win": wins.max(),
        "largest_loss": losses.min(),
        "total_return": equity["equity"].iloc[-1] / equity["equity"].iloc[0] - 1,
        "cagr": cagr,
        "volatility": returns.std(ddof=1) * math.sqrt(252),
        "sharpe": returns.mean() / returns.std(ddof=1) * math.sqrt(252),
        "sortino": returns.mean() / downside * math.sqrt(252),
        "calmar": cagr / session_drawdown,
        "max_drawdown": ((peak - equity["equity"]) / peak).max(),
        "benchmark_return": bench.iloc[-1] / bench.iloc[0] - 1,
        "correlation": both.iloc[:, 0].corr(both.iloc[:, 1]),
        "yearly": {
            str(year): (1 + r).prod() - 1
            for year, r in returns.groupby([d.year for d in returns.index])
        },
    }


def _joined_trade_pnl(legs: pd.DataFrame) -> pd.Series:
    options = legs[legs["symbol"].str.len() > 10]
    shares = legs[legs["symbol"].str.len() <= 10]
    trade_of_option = {t: n for n, t in enumerate(sorted(options["entry_time"].unique()))}
    pnl = options.groupby(options["entry_time"].map(trade_of_option))["pnl"].sum()
    assigned = options[options["exit_reason"].isin(["assigned", "exercised"])]
    received = {trade: 0 for trade in trade_of_option.values()}
    for _, share in shares.iterrows():
        owners = [
            trade_of_option[option["entry_time"]]
            for _, option in assigned[assigned["exit_time"] == share["entry_time"]].iterrows()
            if received[trade_of_option[option["entry_time"]]] < option["quantity"] * 100
        ]
        assert owners, f"no assigned option delivered the shares at {share['entry_time']}"
        received[owners[0]] += share["quantity"]
        pnl[owners[0]] += share["pnl"]
    return pnl


def _closed_trades(legs: pd.DataFrame) -> set[int]:
    options = legs[legs["symbol"].str.len() > 10]
    trade_of_option = {t: n for n, t in enumerate(sorted(options["entry_time"].unique()))}
    open_times = options[options["exit_reason"] == "open"]["entry_time"]
    return set(trade_of_option.values()) - {trade_of_option[t] for t in open_times}

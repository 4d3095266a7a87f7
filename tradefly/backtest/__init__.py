"""Backtest runs: Tradefly run configs to a Nautilus ``BacktestEngine`` over the catalog, results and reports."""

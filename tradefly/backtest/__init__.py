"""Backtest runs: run configs, a Nautilus ``BacktestEngine`` over the catalog, results, reports."""

"""Tradefly: the command line, run wiring (backtest runner, live node assembly) and reports."""

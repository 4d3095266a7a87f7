"""Variants of the reference run (``configs/backtest/spy2021_weekly_put.yaml``) for engine tests."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import msgspec

from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import run_backtest

REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"


def run_variant(
    catalog: Path,
    *,
    kinds: tuple[str, ...] = ("put",),
    starting_balance: float | None = None,
    end: str | None = None,
    log_level: str = "ERROR",
    **fields: object,
) -> BacktestResult:
    """Run the reference config with `fields` set in its strategy's config.

    `kinds` are the option kinds loaded, `end` (ISO) the last session replayed (``None``: the
    config's default), `starting_balance` the account's cash in USD (``None``: 1,000,000).
    """
    config = load_run_config(REFERENCE).with_strategy_fields(**fields)
    data = msgspec.structs.replace(
        config.data,
        option_kinds=list(kinds),
        end=dt.date.fromisoformat(end) if end is not None else None,
    )
    config = msgspec.structs.replace(config, data=data)
    if starting_balance is not None:
        venue = msgspec.structs.replace(config.venue, starting_balance=starting_balance)
        config = msgspec.structs.replace(config, venue=venue)
    return run_backtest(config, catalog, run_id="engine-variant", log_level=log_level)


def cents(value: float) -> Decimal:
    """Return a float figure of a result rounded to the cent, as a Decimal."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def trades(result: BacktestResult) -> list[tuple[str, str, str, int, Decimal, str, Decimal]]:
    """Return each position of `result` as (entry session, symbol, side, quantity, entry price,
    exit reason, P&L), in entry order."""
    return [
        (
            t.entry_time[:10],
            t.symbol,
            t.side,
            t.quantity,
            cents(t.entry_price),
            t.exit_reason,
            cents(t.pnl),
        )
        for t in result.trades
    ]

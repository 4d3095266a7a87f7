"""A backtest on the real LEAN SPY universes fills against their trade bars.

The universe files have trade OHLC and no bid or ask, so a run uses the
``trade_close_half_spread`` fill model: each short call sells at its bar's close (LEAN's four
decimals rounded half-even to cents) less 0.05.
"""

import csv
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import msgspec

from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import load_run_config
from tradefly.backtest.runner import run_backtest
from tradefly.cli import main

DAYS = ("20231228", "20231229", "20240102", "20240103")


def _closes(paths: list[Path]) -> dict[tuple[str, str], Decimal]:
    """Return {(entry date, OCC symbol): close in dollars} straight from the files."""
    closes = {}
    for path in paths:
        day = dt.datetime.strptime(path.stem, "%Y%m%d").date()  # noqa: DTZ007
        with path.open() as f:
            for row in csv.DictReader(f):
                if not row["#expiry"]:
                    continue
                expiry = dt.datetime.strptime(row["#expiry"], "%Y%m%d").date()  # noqa: DTZ007
                symbol = f"SPY{expiry:%y%m%d}{row['right']}{int(Decimal(row['strike']) * 1000):08d}"
                close = Decimal(row["close"]).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
                closes[(day.isoformat(), symbol)] = close
    return closes


def test_short_calls_sell_at_the_universe_bar_close_less_the_half_spread(tmp_path: Path) -> None:
    paths = [shared_data_path(f"options_chains/lean_universes/spy/{day}.csv") for day in DAYS]
    catalog = tmp_path / "catalog"
    assert (
        main(
            ["ingest", "option-bars", *map(str, paths), "--catalog", str(catalog), "--no-progress"]
        )
        == 0
    )

    base = load_run_config(
        PROJECT_ROOT / "configs" / "backtest" / "spy_monthly_atm_call_2016_2025.yaml"
    )
    data = msgspec.structs.replace(
        base.data, start=dt.date(2023, 12, 28), end=dt.date(2024, 1, 3), strike_band=None
    )
    config = msgspec.structs.replace(base, data=data).with_strategy_fields(
        entry_start="2023-12-28",
        entry_end="2024-01-03",
        entry_schedule="daily",
        monthly_only=False,
        dte_min=0,
        dte_max=30,
    )
    result = run_backtest(config, catalog, run_id="t")

    closes = _closes(paths)
    options = [t for t in result.trades if t.symbol != "SPY"]
    assert len(options) == len(DAYS)  # one call sold each session
    for trade in options:
        close = closes[(trade.entry_time[:10], trade.symbol)]
        assert Decimal(str(trade.entry_price)) == close - Decimal("0.05")
    # 20231229,320,C,156.7250,158.1250,155.9200,156.6400: sold on 2023-12-28 at 156.59
    assert (options[0].symbol, options[0].entry_price) == ("SPY231229C00320000", 156.59)

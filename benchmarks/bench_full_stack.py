"""Full stack against the strategy alone on the ten-year catalog (see benchmarks/README.md).

Both engines replay the same data (`configs/backtest/spy_monthly_atm_call_2016_2025.yaml`,
Polygon day aggregates as quotes, 2016-2025) in one process:

- strategy alone: the bare engine with `StructureEngine` and nothing else;
- full stack: the same strategy plus the `RiskGuard` with every rule and every pre-trade check
  on (limits loose enough that no entry is blocked, so both runs trade alike and the
  difference is the cost of asking) and the `TradeJournal`, both on in-memory state stores.

Reported: events, wall seconds of `engine.run()` each, throughput (events/s) each, and the
ratio full stack ÷ strategy alone (1.0 = free); also the process CPU seconds of each run and
their ratio, which other work on a shared machine disturbs less than wall time. Positions
opened are printed for both runs to show they traded alike.

Usage: .venv/bin/python benchmarks/bench_full_stack.py [--catalog DIR]
(without --catalog it ingests the decade into a temporary folder first, a few minutes)
"""

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from actors.journal import TradeJournal, TradeJournalConfig  # noqa: E402
from actors.risk_guard import RiskGuard, RiskGuardConfig  # noqa: E402
from tradefly.backtest.config import load_run_config  # noqa: E402
from tradefly.backtest.runner import RunData, load_run_data, new_engine  # noqa: E402
from tradefly.cli import main as tradefly  # noqa: E402

DECADE = ROOT / "configs/backtest/spy_monthly_atm_call_2016_2025.yaml"

GUARD: dict[str, Any] = {
    "underlying": "SPY",
    "daily_loss": {"max_loss_fraction": 0.05},
    "drawdown": {},  # warn 10%, halve size 15%, flatten 25%
    "kill_switch": {"file": "/nonexistent/tradefly-bench-KILL"},
    "milestones": {"multiple": 2.0},
    "entry": {
        "sizing": {
            "risk_per_trade": 0.10,
            "max_concurrent_trades": 8,
            "max_trades_per_underlying": 8,
            "max_trades_per_structure": 8,
            "max_underlying_risk": 0.5,
            "max_structure_risk": 0.5,
            "cash_buffer": 0.10,
            "min_notional": 1,
        },
        "greeks": {
            "max_delta_shares": 5000,
            "max_gamma": 500,
            "max_vega": 20000,
            "max_theta": 3000,
        },
        "stress": {"max_loss_fraction": 0.5},
        "trading_window": {"start": "09:30", "end": "16:00", "events": []},
        "order_rate": {"max_orders": 20, "per_secs": 60},
        "data_quality": {"max_quote_age_secs": 60, "require_greeks": False},
    },
}


def _run(engine: Any) -> tuple[float, float, int]:
    start, cpu_start = time.perf_counter(), time.process_time()
    engine.run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    positions = len(engine.cache.positions())
    engine.dispose()
    return seconds, cpu, positions


def compare(catalog: Path) -> dict[str, Any]:
    config = load_run_config(DECADE)
    run_data: RunData = load_run_data(config, catalog)
    events = len(run_data.data)

    alone = new_engine(config, run_data)
    (strategy,) = config.build_strategies()
    alone.add_strategy(strategy)
    alone_seconds, alone_cpu, alone_positions = _run(alone)

    full = new_engine(config, run_data)
    (strategy,) = config.build_strategies()
    full.add_strategy(strategy)
    full.add_actor(RiskGuard(msgspec.convert(GUARD, RiskGuardConfig)))
    journal = TradeJournal(TradeJournalConfig(underlying="SPY"))
    full.add_actor(journal)
    full_seconds, full_cpu, full_positions = _run(full)
    return {
        "events": events,
        "strategy_alone_seconds": round(alone_seconds, 2),
        "full_stack_seconds": round(full_seconds, 2),
        "strategy_alone_events_per_s": round(events / alone_seconds),
        "full_stack_events_per_s": round(events / full_seconds),
        "ratio_full_stack_to_strategy_alone": round(alone_seconds / full_seconds, 3),
        "strategy_alone_cpu_seconds": round(alone_cpu, 2),
        "full_stack_cpu_seconds": round(full_cpu, 2),
        "cpu_ratio_full_stack_to_strategy_alone": round(alone_cpu / full_cpu, 3),
        "positions_strategy_alone": alone_positions,
        "positions_full_stack": full_positions,
    }


def _ingest(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert tradefly([*argv, "--no-progress"]) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, help="an already ingested decade catalog")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.catalog is not None:
        print(json.dumps(compare(args.catalog), indent=2))
        return
    spy_daily = SHARED / "underlying_daily/yfinance_rjdabest/daily_SPY.csv"
    option_bars = sorted(
        str(p) for p in (SHARED / "options_chains/polygon_dayaggs_monthly/SPY").glob("*.csv")
    )
    with tempfile.TemporaryDirectory() as tmp:
        decade = Path(tmp) / "decade"
        _ingest(["ingest", "option-bars", *option_bars, "--catalog", str(decade)])
        _ingest(["ingest", "bars", str(spy_daily), "--ticker", "SPY", "--catalog", str(decade)])
        print(json.dumps(compare(decade), indent=2))


if __name__ == "__main__":
    main()

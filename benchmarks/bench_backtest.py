"""Backtest benchmarks on real data (see benchmarks/README.md).

1. Event throughput of the reference run (configs/backtest/spy2021_weekly_put.yaml) against a
   bare Nautilus engine replaying the same catalog data with an empty strategy, in one process,
   reported as a ratio.
2. The same ratio on the 2016-2025 monthly run (trade bars turned into quotes), and that run's
   wall time and peak memory (max RSS) through `tradefly backtest`, in a child process.

Usage: .venv/bin/python benchmarks/bench_backtest.py [--skip-decade]
"""

import argparse
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from nautilus_trader.config import StrategyConfig
from nautilus_trader.trading.strategy import Strategy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from tradefly.backtest.config import load_run_config  # noqa: E402
from tradefly.backtest.runner import build_engine, load_run_data, new_engine  # noqa: E402
from tradefly.cli import main as tradefly  # noqa: E402

REFERENCE = ROOT / "configs/backtest/spy2021_weekly_put.yaml"
DECADE = ROOT / "configs/backtest/spy_monthly_atm_call_2016_2025.yaml"


class EmptyStrategy(Strategy):
    """Subscribes to nothing and does nothing."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="EMPTY-001"))


def _timed_run(engine) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    engine.run()
    return time.perf_counter() - start


def throughput(config_path: Path, catalog: Path) -> dict[str, float]:
    config = load_run_config(config_path)
    run_data = load_run_data(config, catalog)
    events = len(run_data.data)

    bare = new_engine(config, run_data)
    bare.add_strategy(EmptyStrategy())
    bare_seconds = _timed_run(bare)
    bare.dispose()

    engine, _recorder = build_engine(config, catalog)
    ours_seconds = _timed_run(engine)
    engine.dispose()
    return {
        "events": events,
        "bare_engine_events_per_s": round(events / bare_seconds),
        "tradefly_events_per_s": round(events / ours_seconds),
        "ratio_tradefly_to_bare": round(bare_seconds / ours_seconds, 3),
    }


def decade_run(catalog: Path) -> dict[str, float]:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tradefly.cli",
            "backtest",
            str(DECADE),
            "--catalog",
            str(catalog),
            "--json",
            "--reports",
            str(catalog.parent / "reports"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_seconds": round(wall, 1), "peak_rss_mib": round(peak_kib / 1024, 1)}


def _ingest(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert tradefly([*argv, "--no-progress"]) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-decade", action="store_true", help="skip the 2016-2025 run")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    results: dict[str, object] = {}
    chains = SHARED / "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
    spy_2021 = SHARED / "underlying_daily/lambdaclass_SPY_daily_2021.csv"
    spy_daily = SHARED / "underlying_daily/yfinance_rjdabest/daily_SPY.csv"
    option_bars = sorted(
        str(p) for p in (SHARED / "options_chains/polygon_dayaggs_monthly/SPY").glob("*.csv")
    )
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "ref"
        _ingest(
            ["ingest", "eod-chains", str(chains), "--bars", str(spy_2021), "--catalog", str(ref)]
        )
        results["reference_throughput"] = throughput(REFERENCE, ref)
        if not args.skip_decade:
            decade = Path(tmp) / "decade"
            _ingest(["ingest", "option-bars", *option_bars, "--catalog", str(decade)])
            _ingest(["ingest", "bars", str(spy_daily), "--ticker", "SPY", "--catalog", str(decade)])
            results["decade_throughput"] = throughput(DECADE, decade)
            results["decade_run"] = decade_run(decade)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

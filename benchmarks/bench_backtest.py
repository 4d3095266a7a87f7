"""Backtest benchmarks on real data (see benchmarks/README.md).

1. Event throughput of the reference run (configs/backtest/spy2021_weekly_put.yaml) against a
   bare Nautilus engine replaying the same catalog data with an empty strategy, in one process,
   reported as a ratio. Beside them, the "Nautilus floor": the same data with a strategy that
   does nothing but what Nautilus must do for the Tradefly run's decisions and trades (a timer
   1 ms after each daily bar, as the strategy engine's decision, and at those instants the same
   market orders the Tradefly run sent): Tradefly CPU above the floor is our code.
2. The same ratio on the 2016-2025 monthly run (trade bars turned into quotes), and that run's
   wall time and peak memory through `tradefly backtest` in a fresh child process, first with
   no read index (the first run after an ingest, which builds it) and then with it: the wall
   time from spawn to exit (interpreter start, imports, catalog load, run, report), the
   child's own CPU time (user + system: other work on a shared machine disturbs it much less
   than the wall time), the peak memory the child's own high-water mark (VmHWM, read by the
   child itself at its end, so nothing of this process is counted). Ratios are given from
   wall time and from CPU time.

Usage: .venv/bin/python benchmarks/bench_backtest.py [--skip-decade] [--decade-catalog DIR]
(--decade-catalog: a catalog already holding the Polygon SPY option bars and SPY daily bars,
ingested as configs/backtest/spy_monthly_atm_call_2016_2025.yaml says; skips that ingest)
"""

import argparse
import contextlib
import io
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from nautilus_trader.common.events import TimeEvent
from nautilus_trader.config import StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import Bar, BarType
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.orders import Order
from nautilus_trader.trading.strategy import Strategy

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

from catalog.contract_index import INDEX_DIR  # noqa: E402
from options.instruments import VENUE, daily_bar_type, equity_id  # noqa: E402
from strategies.structure_engine import DECISION_DELAY_NS  # noqa: E402
from tradefly.backtest.config import load_run_config  # noqa: E402
from tradefly.backtest.runner import build_engine, load_run_data, new_engine  # noqa: E402
from tradefly.cli import main as tradefly  # noqa: E402

REFERENCE = ROOT / "configs/backtest/spy2021_weekly_put.yaml"
DECADE = ROOT / "configs/backtest/spy_monthly_atm_call_2016_2025.yaml"


class EmptyStrategy(Strategy):
    """Subscribes to nothing and does nothing."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="EMPTY-001"))


class OrderReplay(Strategy):
    """Nautilus's part of a run: the decision timers and the same orders, nothing else.

    A timer fires `DECISION_DELAY_NS` after each daily bar of the underlying (as the strategy
    engine's session decision) and sends the market orders the Tradefly run created at that
    instant; a reduce-only order (assigned shares sold) closes this strategy's open position in
    its instrument (one position each).
    """

    def __init__(self, bar_type: BarType, orders: list[Order]) -> None:
        super().__init__(StrategyConfig(strategy_id="REPLAY-001"))
        self._bar_type = bar_type
        self._orders: dict[int, list[Order]] = {}
        for order in orders:
            self._orders.setdefault(order.ts_init, []).append(order)

    def on_start(self) -> None:
        self.subscribe_bars(self._bar_type)

    def on_bar(self, bar: Bar) -> None:
        self.clock.set_time_alert_ns(
            name=f"decision-{bar.ts_event}",
            alert_time_ns=bar.ts_event + DECISION_DELAY_NS,
            callback=self._decide,
        )

    def _decide(self, event: TimeEvent) -> None:
        closing: set[PositionId] = set()
        for sent in self._orders.get(event.ts_event, []):
            order = self.order_factory.market(
                instrument_id=sent.instrument_id,
                order_side=sent.side,
                quantity=sent.quantity,
                reduce_only=sent.is_reduce_only,
            )
            position_id = None
            if sent.is_reduce_only:
                held = self.cache.positions_open(
                    instrument_id=sent.instrument_id, strategy_id=self.id
                )
                position_id = next(p.id for p in held if p.id not in closing)
                closing.add(position_id)
            self.submit_order(order, position_id=position_id)


def _balance(engine) -> float:  # type: ignore[no-untyped-def]
    return float(engine.portfolio.account(VENUE).balance_total(USD).as_double())


def _timed_run(engine) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Return the wall and CPU seconds of one ``engine.run()``."""
    start, cpu = time.perf_counter(), time.process_time()
    engine.run()
    return time.perf_counter() - start, time.process_time() - cpu


def throughput(config_path: Path, catalog: Path) -> dict[str, float | bool]:
    config = load_run_config(config_path)
    run_data = load_run_data(config, catalog)
    events = len(run_data.data)

    bare = new_engine(config, run_data)
    bare.add_strategy(EmptyStrategy())
    bare_seconds, bare_cpu = _timed_run(bare)
    bare.dispose()

    engine, _recorder = build_engine(config, catalog)
    ours_seconds, ours_cpu = _timed_run(engine)
    # The orders the strategies created (the order factory's ``O-`` ids), not the venue's own
    # expiry and assignment orders.
    orders = [o for o in engine.cache.orders() if o.client_order_id.value.startswith("O-")]
    balance = _balance(engine)
    engine.dispose()

    floor = new_engine(config, run_data)
    bar_type = daily_bar_type(equity_id(config.underlyings()[0]))
    floor.add_strategy(OrderReplay(bar_type, orders))
    _floor_seconds, floor_cpu = _timed_run(floor)
    replayed = sum(1 for o in floor.cache.orders() if o.client_order_id.value.startswith("O-"))
    same_cash = _balance(floor) == balance  # the same fills, fees and settlements
    floor.dispose()
    return {
        "events": events,
        "bare_engine_events_per_s": round(events / bare_seconds),
        "tradefly_events_per_s": round(events / ours_seconds),
        "ratio_tradefly_to_bare": round(bare_seconds / ours_seconds, 3),
        "bare_engine_cpu_seconds": round(bare_cpu, 2),
        "tradefly_cpu_seconds": round(ours_cpu, 2),
        "ratio_cpu": round(bare_cpu / ours_cpu, 3),
        "orders": len(orders),
        "nautilus_floor_cpu_seconds": round(floor_cpu, 2),
        "nautilus_floor_orders": replayed,
        "nautilus_floor_same_ending_cash": same_cash,
        "ratio_cpu_bare_to_floor": round(bare_cpu / floor_cpu, 3),
    }


def decade_run(catalog: Path, config: Path = DECADE) -> dict[str, float]:
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, str(Path(__file__)), "--child-run", str(config), str(catalog)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    summary = json.loads(child.stdout.splitlines()[-1])
    return {
        "wall_seconds": round(wall, 1),
        "cpu_seconds": summary["cpu_seconds"],
        "peak_rss_mib": summary["vmhwm_mib"],
        "n_trades": summary["n_trades"],
        "realized_pnl": summary["realized_pnl"],
    }


def child_run(config: Path, catalog: Path) -> None:
    """Run `tradefly backtest` in this process; print its result and this process's VmHWM."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = tradefly(
            [
                "backtest",
                str(config),
                "--catalog",
                str(catalog),
                "--json",
                "--reports",
                str(catalog.parent / "reports"),
            ]
        )
    assert code == 0
    result = json.loads(out.getvalue())
    status = Path("/proc/self/status").read_text().splitlines()
    (hwm,) = (int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    summary = {
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "vmhwm_mib": round(hwm / 1024, 1),
        "n_trades": result["n_trades"],
        "realized_pnl": result["realized_pnl"],
    }
    print(json.dumps(summary))


def _ingest(argv: list[str]) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert tradefly([*argv, "--no-progress"]) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-decade", action="store_true", help="skip the 2016-2025 run")
    parser.add_argument("--decade-catalog", type=Path, help="reuse this ingested catalog")
    parser.add_argument(
        "--child-run", nargs=2, metavar=("CONFIG", "CATALOG"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.child_run:
        child_run(Path(args.child_run[0]), Path(args.child_run[1]))
        return
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
            decade = args.decade_catalog or Path(tmp) / "decade"
            if args.decade_catalog is None:
                _ingest(["ingest", "option-bars", *option_bars, "--catalog", str(decade)])
                spy = ["ingest", "bars", str(spy_daily), "--ticker", "SPY"]
                _ingest([*spy, "--catalog", str(decade)])
            # The first run after an ingest reads the contract files and builds the catalog's
            # read index (catalog.contract_index); later runs read the index.
            shutil.rmtree(decade / INDEX_DIR, ignore_errors=True)
            results["decade_run_first"] = decade_run(decade)
            results["decade_throughput"] = throughput(DECADE, decade)
            results["decade_run"] = decade_run(decade)
            every_strike = Path(tmp) / "decade_every_strike.yaml"
            text = DECADE.read_text(encoding="utf-8")
            every_strike.write_text(re.sub(r"  strike_band: .*\n", "", text), encoding="utf-8")
            results["decade_run_every_strike"] = decade_run(decade, every_strike)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Feature building for many symbols x years of daily bars, then one walk-forward training.

The bars are SYNTHETIC (seeded geometric Brownian motion with a volatility regime), labelled as
such; only their count matters for the timing. VIX is Cboe's real history. The features are
those of ``tradefly train`` (:func:`research.dataset.build_features`); the training pools every
symbol's rows into one float32 panel and runs the walk-forward of
:func:`research.training.train` (5 purged folds and the final fit, each LightGBM fit
single-threaded).

    .venv/bin/python benchmarks/bench_research.py                   # 500 symbols x 10 years
    .venv/bin/python benchmarks/bench_research.py --ray             # symbols and folds on Ray
    .venv/bin/python benchmarks/bench_research.py --symbols 50      # a quick look
    .venv/bin/python benchmarks/bench_research.py --trees 200 --learning-rate 0.03  # as before

With ``--ray`` a local Ray (``--cpus`` CPUs, default 2) builds the symbols' features and fits
the folds and the final model (:func:`research.fanout.train_on_ray`, equal to the sequential
fits). Prints wall and CPU time per phase (CPU of the driver and of every
process it started, Ray's included) and the peak resident memory of the driver and of the
largest other process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from options.market_calendar import session_close_ns, sessions_between
from research.context import load_cboe_vix
from research.dataset import FeatureInputs, build_features
from research.labels import forward_log_return
from research.training import Dataset, ModelConfig, TrainConfig, ValidationConfig, train

VIX = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "underlying_daily"
    / "cboe_VIX_History.csv"
)


def synthetic_bars(sessions: list[dt.date], close_ns: np.ndarray, seed: int) -> pd.DataFrame:
    """Return SYNTHETIC daily bars: GBM whose daily vol switches between 0.8% and 2%."""
    rng = np.random.default_rng(seed)
    n = len(sessions)
    vol = np.where(np.sin(np.arange(n) / 90.0 + seed) > 0.6, 0.02, 0.008)
    ret = rng.normal(0.0003, vol)
    close = 50.0 * np.exp(np.cumsum(ret))
    open_ = close * np.exp(rng.normal(0, vol / 3))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, vol / 2)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, vol / 2)))
    volume = rng.lognormal(15, 0.4, n)
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": volume,
            "ts_ns": close_ns,
        },
        index=pd.DatetimeIndex(sessions, name="session"),
    )
    return frame


def peak_rss_mib() -> float:
    """Return the driver's peak resident memory, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _descendants() -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    me, out = os.getpid(), []
    for pid in parents:
        p = parents.get(pid, 0)
        while p > 1 and p != me:
            p = parents.get(p, 0)
        if p == me:
            out.append(pid)
    return out


def children_usage() -> tuple[float, float]:
    """Return (CPU seconds, largest peak RSS in MiB) of the live processes this one started."""
    ticks = os.sysconf("SC_CLK_TCK")
    cpu, peak = 0.0, 0.0
    for pid in _descendants():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024.0)
        except OSError:
            continue
    return cpu, peak


def cpu_seconds() -> float:
    """Return CPU seconds of this process and of its children already waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def symbol_rows(
    k: int, sessions: list[dt.date], close_ns: np.ndarray, vix: pd.Series, horizon: int
) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Return one SYNTHETIC symbol's float32 feature rows, forward returns and session numbers."""
    bars = synthetic_bars(sessions, close_ns, seed=k)
    features = build_features(FeatureInputs(bars=bars, vix=vix))
    fwd = forward_log_return(bars["close"], horizon)
    keep = fwd.notna().to_numpy() & (np.arange(len(bars)) >= 252)
    return features[keep].astype(np.float32), fwd[keep], np.flatnonzero(keep)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=5)
    parser.add_argument("--trees", type=int, default=60)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--ray", action="store_true", help="symbols and folds on a local Ray")
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    args = parser.parse_args()
    sessions = sessions_between(dt.date(2025 - args.years, 1, 2), dt.date(2024, 12, 31))
    close_ns = np.array([session_close_ns(d) for d in sessions], dtype=np.int64)
    vix = load_cboe_vix(VIX)

    started, cpu0 = time.perf_counter(), cpu_seconds()
    ray = None
    if args.ray:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        import ray

        ray.init(
            num_cpus=args.cpus,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
        remote = ray.remote(symbol_rows)
        refs = [ray.put(x) for x in (sessions, close_ns, vix)]
        rows = ray.get([remote.remote(k, *refs, args.horizon) for k in range(args.symbols)])
    else:
        rows = [symbol_rows(k, sessions, close_ns, vix, args.horizon) for k in range(args.symbols)]
    features_s = time.perf_counter() - started
    print(
        f"features: {args.symbols} symbols x {len(sessions)} sessions (SYNTHETIC bars)"
        f"{' on Ray' if args.ray else ''}: {features_s:.1f} s, "
        f"peak RSS {peak_rss_mib():,.0f} MiB",
        flush=True,
    )

    started = time.perf_counter()
    pos = np.concatenate([p for _, _, p in rows])
    order = np.argsort(pos, kind="stable")
    panel = pd.concat([f for f, _, _ in rows]).iloc[order]
    fwd = pd.concat([r for _, r, _ in rows]).iloc[order]
    del rows
    dataset = Dataset(
        features=panel,
        label=(fwd > 0).astype(np.int64),
        forward_return=fwd,
        horizon=args.horizon,
        session_positions=pos[order],
    )
    config = TrainConfig(
        name="bench",
        underlying="SYNTH",
        start=sessions[0],
        end=sessions[-1],
        validation=ValidationConfig(n_splits=5, embargo=args.horizon),
        model=ModelConfig(n_estimators=args.trees, learning_rate=args.learning_rate),
    )
    if ray is not None:
        from research.fanout import train_on_ray

        result = train_on_ray(dataset, config)
    else:
        result = train(dataset, config)
    train_s = time.perf_counter() - started
    print(
        f"walk-forward training: {len(panel):,} rows x {panel.shape[1]} features, "
        f"5 folds + final fit{' on Ray' if args.ray else ''}, {args.trees} trees at "
        f"{args.learning_rate:g}: {train_s:.1f} s, "
        f"OOS AUC {result.metrics['oos_auc']:.3f} (synthetic: ~0.5 expected)",
        flush=True,
    )
    workers_cpu, workers_peak = children_usage()
    cpu = cpu_seconds() - cpu0 + workers_cpu
    if ray is not None:
        ray.shutdown()
    print(
        f"total {features_s + train_s:.1f} s wall, {cpu:.0f} s CPU; peak RSS driver "
        f"{peak_rss_mib():,.0f} MiB, largest other process {workers_peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()

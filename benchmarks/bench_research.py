"""Feature building for many symbols x years of daily bars, then one walk-forward training.

The bars are SYNTHETIC (seeded geometric Brownian motion with a volatility regime), labelled as
such; only their count matters for the timing. VIX is Cboe's real history. The features are
those of ``tradefly train`` (:func:`research.dataset.build_features`, 96 columns); the training
pools every symbol's rows into one panel and runs the walk-forward of
:func:`research.training.train` (5 purged folds and the final fit, LightGBM single-threaded).

    .venv/bin/python benchmarks/bench_research.py                  # 500 symbols x 10 years
    .venv/bin/python benchmarks/bench_research.py --symbols 50     # a quick look

Prints wall time per phase and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=5)
    args = parser.parse_args()
    sessions = sessions_between(dt.date(2025 - args.years, 1, 2), dt.date(2024, 12, 31))
    close_ns = np.array([session_close_ns(d) for d in sessions], dtype=np.int64)
    vix = load_cboe_vix(VIX)

    started = time.perf_counter()
    frames, labels, fwds, positions = [], [], [], []
    for k in range(args.symbols):
        bars = synthetic_bars(sessions, close_ns, seed=k)
        features = build_features(FeatureInputs(bars=bars, vix=vix))
        fwd = forward_log_return(bars["close"], args.horizon)
        keep = fwd.notna().to_numpy() & (np.arange(len(bars)) >= 252)
        frames.append(features[keep].astype(np.float32))
        fwds.append(fwd[keep])
        labels.append((fwd[keep] > 0).astype(np.int64))
        positions.append(np.flatnonzero(keep))
    features_s = time.perf_counter() - started
    print(
        f"features: {args.symbols} symbols x {len(sessions)} sessions (SYNTHETIC bars): "
        f"{features_s:.1f} s, peak RSS {peak_rss_mib():,.0f} MiB"
    )

    started = time.perf_counter()
    pos = np.concatenate(positions)
    order = np.argsort(pos, kind="stable")
    panel = pd.concat(frames).iloc[order]
    dataset = Dataset(
        features=panel,
        label=pd.concat(labels).iloc[order],
        forward_return=pd.concat(fwds).iloc[order],
        horizon=args.horizon,
        session_positions=pos[order],
    )
    del frames
    config = TrainConfig(
        name="bench",
        underlying="SYNTH",
        start=sessions[0],
        end=sessions[-1],
        validation=ValidationConfig(n_splits=5, embargo=args.horizon),
        model=ModelConfig(n_estimators=200),
    )
    result = train(dataset, config)
    train_s = time.perf_counter() - started
    print(
        f"walk-forward training: {len(panel):,} rows x {panel.shape[1]} features, "
        "5 folds + final fit: "
        f"{train_s:.1f} s, OOS AUC {result.metrics['oos_auc']:.3f} (synthetic: ~0.5 expected)"
    )
    print(f"total {features_s + train_s:.1f} s, peak RSS {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()

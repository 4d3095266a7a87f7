"""Ray fan-out on a local Ray: results equal the same work run one by one.

Part of the default suite. The local Ray is started once for the module with 2 CPUs, an 80 MB
object store and no dashboard. Measured on the 2-core machine at a load average of 9-13: Ray's
start, its workers, the four runs on Ray and the four one by one take about 15 s of CPU and
1.5-2 minutes of wall time (most of it waiting for the busy CPUs).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from research.dataset import load_inputs
from research.fanout import init_ray, train_on_ray
from research.training import (
    LabelConfig,
    ModelConfig,
    TrainConfig,
    ValidationConfig,
    make_dataset,
    train,
)
from tradefly.sweep import parse_grid, run_sweep, sweep_configs

REFERENCE = Path(__file__).resolve().parents[3] / "configs" / "backtest" / "spy2021_weekly_put.yaml"


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    ray.init(
        num_cpus=2,
        object_store_memory=80 * 1024**2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    assert init_ray(None) is ray  # the fan-out reuses the running local Ray
    yield ray
    ray.shutdown()


def test_a_two_parameter_sweep_on_ray_equals_the_runs_one_by_one(
    ray_local: Any, spy2021_catalog: Path
) -> None:
    grid = parse_grid(
        REFERENCE, ["strategy.dte_max=40,50", "venue.commission_per_contract=0.65,1.0"]
    )
    configs = sweep_configs(REFERENCE, grid, dt.date(2021, 1, 4), dt.date(2021, 3, 31))
    assert [a for a, _ in configs] == [
        {"strategy.dte_max": d, "venue.commission_per_contract": c}
        for d in ("40", "50")
        for c in ("0.65", "1.0")
    ]
    on_ray = run_sweep(configs, spy2021_catalog, use_ray=True)
    one_by_one = run_sweep(configs, spy2021_catalog, use_ray=False)
    assert on_ray == one_by_one
    pnl = [s["realized_pnl"] for s in on_ray]
    assert len(set(pnl)) == 4  # every parameter moves the result
    trades = on_ray[2]["n_trades"]
    assert pnl[2] - pnl[3] == pytest.approx(0.35 * trades, abs=0.011)  # commission per contract


def test_walk_forward_folds_and_final_fit_on_ray_equal_the_sequential_run(
    ray_local: Any, spy_catalog: Path
) -> None:
    config = TrainConfig(
        name="ray-test",
        underlying="SPY",
        start=dt.date(2018, 1, 2),
        end=dt.date(2021, 12, 31),
        vix_csv=None,
        seed=3,
        label=LabelConfig(horizon=5),
        validation=ValidationConfig(n_splits=3, embargo=5),
        model=ModelConfig(n_estimators=30, num_leaves=7),
    )
    dataset = make_dataset(load_inputs(spy_catalog, "SPY", None), config)
    fanned = train_on_ray(dataset, config)
    sequential = train(dataset, config)
    assert fanned.folds == sequential.folds
    assert fanned.metrics == sequential.metrics
    assert np.array_equal(fanned.oos_probability.to_numpy(), sequential.oos_probability.to_numpy())
    assert fanned.booster.model_to_string() == sequential.booster.model_to_string()

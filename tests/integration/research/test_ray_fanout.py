"""Ray fan-out on a local Ray: results equal the same work run one by one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from research.dataset import load_inputs
from research.fanout import fit_folds_on_ray, init_ray
from research.training import (
    LabelConfig,
    ModelConfig,
    TrainConfig,
    ValidationConfig,
    make_dataset,
    train,
)


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    ray = init_ray(None)
    yield ray
    ray.shutdown()


def test_walk_forward_folds_on_ray_equal_the_sequential_run(
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
    on_ray = fit_folds_on_ray(dataset, config)
    sequential = train(dataset, config)
    fanned = train(dataset, config, on_ray)
    assert fanned.folds == sequential.folds
    assert fanned.metrics == sequential.metrics
    assert np.array_equal(fanned.oos_probability.to_numpy(), sequential.oos_probability.to_numpy())
    assert fanned.booster.model_to_string() == sequential.booster.model_to_string()

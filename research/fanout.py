"""Fan-out of walk-forward folds on Ray (a local Ray by default, a cluster by address).

Each fold is fitted by :func:`research.training.fit_fold`, the same function a one-by-one run
calls, with the same config and seed, so the gathered results equal a sequential run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from research.training import Dataset, FoldResult, TrainConfig, fit_fold, make_folds


def init_ray(address: str | None) -> Any:
    """Connect to the Ray cluster at `address`, or start a local one; return the ``ray`` module.

    A local Ray is started with the dashboard and usage statistics off and logs kept out of
    the terminal; an already initialised Ray is reused.
    """
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    return ray


def fit_folds_on_ray(
    dataset: Dataset, config: TrainConfig, address: str | None = None
) -> list[tuple[FoldResult, np.ndarray]]:
    """Fit every fold of the config on Ray; return the results in fold order.

    Parameters
    ----------
    dataset : Dataset
        The labelled rows (sent once to the object store).
    config : TrainConfig
        The config.
    address : str, optional
        A Ray cluster address (``ray://host:10001`` or ``host:6379``); a local Ray when None.

    """
    ray = init_ray(address)
    remote_fit = ray.remote(fit_fold)
    data_ref = ray.put(dataset)
    folds = make_folds(dataset, config.validation)
    refs = [remote_fit.remote(data_ref, fold, k, config) for k, fold in enumerate(folds)]
    results: list[tuple[FoldResult, np.ndarray]] = ray.get(refs)
    return results

"""Fan-out of walk-forward training on Ray (a local Ray by default, a cluster by address).

Each fold is fitted by :func:`research.training.fit_fold` and the final model by
:func:`research.training.fit_final`, the functions a one-by-one run calls, with the same config
and seed, all as Ray tasks at once, so the gathered result equals a sequential run.
"""

from __future__ import annotations

from typing import Any

from research.training import (
    Dataset,
    TrainConfig,
    TrainResult,
    fit_final,
    fit_fold,
    make_folds,
    train,
)


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


def train_on_ray(dataset: Dataset, config: TrainConfig, address: str | None = None) -> TrainResult:
    """Fit every fold and the final model on Ray at once; return :func:`train`'s result.

    Parameters
    ----------
    dataset : Dataset
        The labelled rows (sent once to the object store).
    config : TrainConfig
        The config.
    address : str, optional
        A Ray cluster address (``ray://host:10001`` or ``host:6379``); a local Ray when None.

    Returns
    -------
    TrainResult
        Equal to ``train(dataset, config)`` (same folds, metrics and model).

    """
    ray = init_ray(address)
    data_ref = ray.put(dataset)
    final_ref = ray.remote(fit_final).remote(data_ref, config)  # the longest fit first
    remote_fit = ray.remote(fit_fold)
    folds = make_folds(dataset, config.validation)
    refs = [remote_fit.remote(data_ref, fold, k, config) for k, fold in enumerate(folds)]
    return train(dataset, config, ray.get(refs), ray.get(final_ref))

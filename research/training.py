"""Walk-forward LightGBM training of a direction model on one underlying's feature matrix.

The label of session ``t`` is whether the log return from ``t``'s close to the close
``horizon`` sessions later is positive. Folds come from :mod:`research.splits` (purged, with
an embargo); each fold's model is scored on its test block only (out of sample): ROC AUC of
the probability against the label and Spearman rank correlation of the probability with the
forward return. The registered model is then fitted on every labelled session of the span.
Everything runs single-threaded with fixed seeds, so the same config gives the same model and
metrics, bit for bit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import lightgbm as lgb
import msgspec
import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

from research.dataset import FeatureInputs, build_features
from research.labels import forward_log_return, label_window_end
from research.splits import Fold, purged_kfold, walk_forward


class LabelConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The label: sign of the forward log return over ``horizon`` sessions (>= 1)."""

    horizon: int = 5


class ValidationConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Out-of-sample scheme: ``walk_forward`` or ``purged_kfold``; folds; embargo in sessions."""

    scheme: Literal["walk_forward", "purged_kfold"] = "walk_forward"
    n_splits: int = 5
    embargo: int = 5


class ModelConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """LightGBM parameters (``lightgbm.LGBMClassifier`` names)."""

    n_estimators: int = 200
    learning_rate: float = 0.03
    num_leaves: int = 15
    min_child_samples: int = 50
    subsample: float = 0.8
    subsample_freq: int = 1
    colsample_bytree: float = 0.8
    reg_lambda: float = 1.0


class TrainConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A ``tradefly train`` config (YAML).

    Parameters
    ----------
    name : str
        Model name; the registry folder is ``<registry>/<name>/<version>``.
    underlying : str
        The ticker whose daily bars are in the catalog.
    start, end : datetime.date
        Sessions whose decisions are trained on; no bar after `end` is read (the last
        ``horizon`` sessions before `end` have no label and are dropped).
    vix_csv : str | None
        Cboe's VIX history file (relative paths from the working directory); None: no VIX.
    registry : str
        The model registry folder.
    seed : int
        Seed of LightGBM and the volatility-regime mixture.
    label, validation, model
        See :class:`LabelConfig`, :class:`ValidationConfig`, :class:`ModelConfig`.

    """

    name: str
    underlying: str
    start: dt.date
    end: dt.date
    vix_csv: str | None = None
    registry: str = "models"
    seed: int = 7
    label: LabelConfig = LabelConfig()
    validation: ValidationConfig = ValidationConfig()
    model: ModelConfig = ModelConfig()

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"end was {self.end}, must be after start {self.start}")
        if self.label.horizon < 1:
            raise ValueError(f"label.horizon was {self.label.horizon}, must be >= 1")
        if self.validation.n_splits < 2:
            raise ValueError(f"validation.n_splits was {self.validation.n_splits}, must be >= 2")
        if self.validation.embargo < 0:
            raise ValueError(f"validation.embargo was {self.validation.embargo}, must be >= 0")
        if not self.name or "/" in self.name or self.name.startswith("."):
            raise ValueError(f"name was {self.name!r}, must be a plain folder name")


@dataclass(frozen=True)
class Dataset:
    """The labelled rows of a training span: features, binary label, forward return.

    ``session_positions`` gives each row's session number when rows of several underlyings
    share sessions (a panel, rows in session order); None: one row per session.
    """

    features: pd.DataFrame
    label: pd.Series
    forward_return: pd.Series
    horizon: int
    session_positions: np.ndarray | None = None


@dataclass(frozen=True)
class FoldResult:
    """Out-of-sample scores of one fold."""

    fold: int
    train_rows: int
    test_rows: int
    test_first: str
    test_last: str
    auc: float
    rank_corr: float
    hit_rate: float


@dataclass(frozen=True)
class TrainResult:
    """A trained model and everything the registry records about it."""

    booster: lgb.Booster
    feature_names: list[str]
    folds: list[FoldResult]
    oos_probability: pd.Series
    calibration: list[tuple[float, float]]
    metrics: dict[str, float]
    importance_gain: dict[str, float]
    span: tuple[str, str]


def make_dataset(inputs: FeatureInputs, config: TrainConfig) -> Dataset:
    """Return the labelled feature rows of the config's span, reading no bar after its end.

    Raises
    ------
    ValueError
        If fewer than ``10 * n_splits`` sessions of the span have a label.

    """
    end = pd.Timestamp(config.end)
    bars = inputs.bars.loc[:end]
    decision_end = int(bars["ts_ns"].iloc[-1]) if len(bars) else 0
    clipped = FeatureInputs(
        bars=bars,
        vix=None if inputs.vix is None else inputs.vix.loc[:end],
        articles=inputs.articles[inputs.articles["known_ns"] <= decision_end],
        earnings=inputs.earnings[inputs.earnings["known_ns"] <= decision_end],
        chains=inputs.chains[inputs.chains["ts_ns"] <= decision_end],
    )
    features = build_features(clipped, regime_seed=config.seed)
    fwd = forward_log_return(bars["close"].astype(np.float64), config.label.horizon)
    keep = (features.index >= pd.Timestamp(config.start)) & fwd.notna().to_numpy()
    if keep.sum() < 10 * config.validation.n_splits:
        raise ValueError(
            f"only {int(keep.sum())} labelled sessions of {config.underlying} between "
            f"{config.start} and {config.end}; need at least {10 * config.validation.n_splits}"
        )
    fwd = fwd[keep]
    return Dataset(
        features=features[keep],
        label=(fwd > 0).astype(np.int64).rename("label"),
        forward_return=fwd,
        horizon=config.label.horizon,
    )


def make_folds(dataset: Dataset, validation: ValidationConfig) -> list[Fold]:
    """Return the config's folds over the dataset's rows (label windows ``t .. t+horizon``)."""
    n = len(dataset.label)
    if dataset.session_positions is None:
        starts = np.arange(n, dtype=np.int64)
        ends = label_window_end(n, dataset.horizon)
    else:
        starts = np.asarray(dataset.session_positions, dtype=np.int64)
        ends = starts + dataset.horizon
    split = walk_forward if validation.scheme == "walk_forward" else purged_kfold
    return split(starts, ends, validation.n_splits, validation.embargo)


def _classifier(model: ModelConfig, seed: int) -> lgb.LGBMClassifier:
    return lgb.LGBMClassifier(
        **msgspec.structs.asdict(model),
        random_state=seed,
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,
        verbose=-1,
    )


def _fit(x: pd.DataFrame, y: pd.Series, model: ModelConfig, seed: int) -> lgb.Booster:
    classifier = _classifier(model, seed)
    classifier.fit(x, y)
    booster: lgb.Booster = classifier.booster_
    return booster


def _safe_auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")


def fit_fold(
    dataset: Dataset, fold: Fold, number: int, config: TrainConfig
) -> tuple[FoldResult, np.ndarray]:
    """Fit one fold's model on its training rows; return its scores and test probabilities."""
    x, y = dataset.features, dataset.label
    booster = _fit(x.iloc[fold.train], y.iloc[fold.train], config.model, config.seed)
    p = np.asarray(booster.predict(x.iloc[fold.test]), dtype=np.float64)
    yt = y.iloc[fold.test].to_numpy()
    rank = spearmanr(p, dataset.forward_return.iloc[fold.test].to_numpy()).statistic
    result = FoldResult(
        fold=number,
        train_rows=len(fold.train),
        test_rows=len(fold.test),
        test_first=str(x.index[fold.test[0]].date()),
        test_last=str(x.index[fold.test[-1]].date()),
        auc=_safe_auc(yt, p),
        rank_corr=float(rank),
        hit_rate=float(np.mean((p > 0.5) == (yt == 1))),
    )
    return result, p


def fit_final(dataset: Dataset, config: TrainConfig) -> lgb.Booster:
    """Fit the model registered at the end of :func:`train`: every row of the dataset."""
    return _fit(dataset.features, dataset.label, config.model, config.seed)


def train(
    dataset: Dataset,
    config: TrainConfig,
    fold_results: list[tuple[FoldResult, np.ndarray]] | None = None,
    final: lgb.Booster | None = None,
) -> TrainResult:
    """Train walk-forward, score every fold out of sample, then fit the model on all rows.

    Parameters
    ----------
    dataset : Dataset
        From :func:`make_dataset`.
    config : TrainConfig
        The config.
    fold_results : list, optional
        Results of :func:`fit_fold` for every fold of :func:`make_folds`, in order, when they
        were computed elsewhere (fanned out on Ray); computed here one by one when None.
    final : lightgbm.Booster, optional
        The result of :func:`fit_final` when it was computed elsewhere; fitted here when None.

    Returns
    -------
    TrainResult
        Metrics: ``oos_auc`` and ``oos_rank_corr`` over every test row, their per-fold means,
        ``brier`` (Brier score of the out-of-sample probabilities), ``base_rate`` (share of
        positive labels in the test rows).

    """
    folds = make_folds(dataset, config.validation)
    if fold_results is None:
        fold_results = [fit_fold(dataset, fold, k, config) for k, fold in enumerate(folds)]
    test_rows = np.concatenate([fold.test for fold in folds])
    oos = np.concatenate([p for _, p in fold_results])
    y = dataset.label.to_numpy()[test_rows]
    fwd = dataset.forward_return.to_numpy()[test_rows]
    frac_pos, mean_pred = calibration_curve(y, oos, n_bins=10, strategy="quantile")
    booster = final if final is not None else fit_final(dataset, config)
    names = list(dataset.features.columns)
    gains = booster.feature_importance(importance_type="gain")
    results = [r for r, _ in fold_results]
    metrics = {
        "oos_auc": _safe_auc(y, oos),
        "oos_rank_corr": float(spearmanr(oos, fwd).statistic),
        "mean_fold_auc": float(np.nanmean([r.auc for r in results])),
        "mean_fold_rank_corr": float(np.nanmean([r.rank_corr for r in results])),
        "brier": float(brier_score_loss(y, oos)),
        "base_rate": float(y.mean()),
        "rows": float(len(dataset.label)),
        "features": float(len(names)),
    }
    return TrainResult(
        booster=booster,
        feature_names=names,
        folds=results,
        oos_probability=pd.Series(oos, index=dataset.features.index[test_rows], name="p_up"),
        calibration=[(float(a), float(b)) for a, b in zip(mean_pred, frac_pos, strict=True)],
        metrics=metrics,
        importance_gain={n: float(g) for n, g in zip(names, gains, strict=True)},
        span=(str(dataset.features.index[0].date()), str(dataset.features.index[-1].date())),
    )

"""The model registry: one folder per trained model version.

``<registry>/<name>/<version>/`` holds ``model.txt`` (the LightGBM booster), ``manifest.json``
(feature list and the feature code version, training span, config, per-fold and overall
metrics, calibration, importance, mean absolute SHAP per feature), ``shap_summary.png`` and
``report.html``. The version is a hash of the model, its features, the feature code and the
config, so retraining the same config on the same data gives the same version. A folder is
written under a temporary name and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib.metadata
import json
import os
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import msgspec
import numpy as np
import pandas as pd

from research.training import TrainConfig, TrainResult

FEATURE_MODULES = ("technical.py", "context.py", "news.py", "option_features.py", "dataset.py")


def feature_code_version() -> str:
    """Return the SHA-256 (hex, 16 characters) of the feature modules' source."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in FEATURE_MODULES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _library_versions() -> dict[str, str]:
    names = ("tradefly", "lightgbm", "TA-Lib", "scikit-learn", "shap", "numpy", "pandas")
    return {name: importlib.metadata.version(name) for name in names}


@dataclass(frozen=True)
class RegisteredModel:
    """A model loaded from the registry.

    Parameters
    ----------
    path : Path
        Its folder.
    booster : lightgbm.Booster
        The model.
    manifest : dict
        ``manifest.json``.

    """

    path: Path
    booster: lgb.Booster
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        """``<name>/<version>``, the ``model_version`` of the signals it produces."""
        return f"{self.manifest['name']}/{self.manifest['version']}"

    @property
    def feature_names(self) -> list[str]:
        """The columns the model reads, in order."""
        names: list[str] = self.manifest["feature_names"]
        return names


def shap_mean_abs(booster: lgb.Booster, features: pd.DataFrame) -> dict[str, float]:
    """Return the mean absolute SHAP value (log-odds) per feature over `features` rows.

    Computed with ``shap.TreeExplainer`` (Lundberg et al., 2020, "From local explanations to
    global understanding with explainable AI for trees").
    """
    import shap

    with warnings.catch_warnings():
        # shap warns that a binary LightGBM model's output is one array, which is what we read
        warnings.simplefilter("ignore", UserWarning)
        values = np.asarray(shap.TreeExplainer(booster).shap_values(features))
    if values.ndim == 3:  # one array per class
        values = values[..., -1]
    return {n: float(v) for n, v in zip(features.columns, np.abs(values).mean(axis=0), strict=True)}


def _shap_png(mean_abs: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = sorted(mean_abs.items(), key=lambda kv: kv[1], reverse=True)[:20][::-1]
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.barh([k for k, _ in top], [v for _, v in top])
    ax.set_xlabel("mean |SHAP value| (log-odds)")
    ax.set_title("Top 20 features by mean absolute SHAP value")
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)


def _report_html(manifest: dict[str, Any]) -> str:
    def table(header: list[str], rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in rows
        )
        return f"<table><tr>{head}</tr>{body}</table>"

    folds = [
        [
            f[k]
            for k in (
                "fold",
                "train_rows",
                "test_rows",
                "test_first",
                "test_last",
                "auc",
                "rank_corr",
                "hit_rate",
            )
        ]
        for f in manifest["folds"]
    ]
    shap_rows = sorted(manifest["shap_mean_abs"].items(), key=lambda kv: kv[1], reverse=True)[:30]
    gain_rows = sorted(manifest["importance_gain"].items(), key=lambda kv: kv[1], reverse=True)[:30]
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(manifest['name'])} {html.escape(manifest['version'])}</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}</style>"
        "</head><body>"
        f"<h1>{html.escape(manifest['name'])} / {html.escape(manifest['version'])}</h1>"
        f"<p>{html.escape(manifest['underlying'])}, "
        f"sessions {manifest['span'][0]} to {manifest['span'][1]}, "
        f"label: forward {manifest['config']['label']['horizon']}-session return &gt; 0</p>"
        "<h2>Metrics (out of sample)</h2>"
        + table(["metric", "value"], [[k, f"{v:.4f}"] for k, v in manifest["metrics"].items()])
        + "<h2>Folds</h2>"
        + table(["fold", "train", "test", "first", "last", "AUC", "rank corr", "hit rate"], folds)
        + "<h2>Calibration (deciles of the predicted probability)</h2>"
        + table(
            ["mean predicted", "fraction up"],
            [[f"{a:.3f}", f"{b:.3f}"] for a, b in manifest["calibration"]],
        )
        + "<h2>SHAP</h2><img src='shap_summary.png' alt='SHAP summary'>"
        + table(["feature", "mean |SHAP|"], [[k, f"{v:.5f}"] for k, v in shap_rows])
        + "<h2>Importance (gain)</h2>"
        + table(["feature", "gain"], [[k, f"{v:.1f}"] for k, v in gain_rows])
        + "</body></html>"
    )


def register(
    result: TrainResult, config: TrainConfig, features: pd.DataFrame, registry: Path
) -> Path:
    """Write a trained model into the registry; return its folder.

    Parameters
    ----------
    result : TrainResult
        From :func:`research.training.train`.
    config : TrainConfig
        Its config.
    features : pandas.DataFrame
        The training rows (for the SHAP values).
    registry : Path
        The registry folder (created if missing).

    Returns
    -------
    Path
        ``registry/<name>/<version>``. An existing folder of the same version is kept as is
        (same inputs, same model).

    """
    model_text = result.booster.model_to_string()
    config_json = msgspec.json.encode(config).decode()
    code_version = feature_code_version()
    digest = hashlib.sha256()
    for part in (model_text, "\n".join(result.feature_names), code_version, config_json):
        digest.update(part.encode())
        digest.update(b"\0")
    version = "v" + digest.hexdigest()[:12]
    target = registry / config.name / version
    if target.is_dir():
        return target
    mean_abs = shap_mean_abs(result.booster, features)
    manifest: dict[str, Any] = {
        "name": config.name,
        "version": version,
        "underlying": config.underlying,
        "feature_names": result.feature_names,
        "feature_code_version": code_version,
        "library_versions": _library_versions(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "span": list(result.span),
        "config": json.loads(config_json),
        "metrics": result.metrics,
        "folds": [asdict(f) for f in result.folds],
        "calibration": result.calibration,
        "importance_gain": result.importance_gain,
        "shap_mean_abs": mean_abs,
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{version}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    (staging / "model.txt").write_text(model_text, encoding="utf-8")
    (staging / "manifest.json").write_text(
        json.dumps(manifest, indent=2, allow_nan=True), encoding="utf-8"
    )
    _shap_png(mean_abs, staging / "shap_summary.png")
    (staging / "report.html").write_text(_report_html(manifest), encoding="utf-8")
    os.replace(staging, target)
    return target


def load_model(path: Path) -> RegisteredModel:
    """Load a registered model folder and check it was built by the running feature code.

    Raises
    ------
    FileNotFoundError
        If the folder has no ``model.txt`` or ``manifest.json``.
    ValueError
        If the manifest is not JSON, or its ``feature_code_version`` differs from the running
        code's (the features would not be computed as in training; retrain the model).

    """
    manifest_path = path / "manifest.json"
    model_path = path / "model.txt"
    for required in (manifest_path, model_path):
        if not required.is_file():
            raise FileNotFoundError(
                2, "not a registered model folder (missing file)", str(required)
            )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{manifest_path}: not valid JSON ({exc})") from None
    running = feature_code_version()
    if manifest.get("feature_code_version") != running:
        raise ValueError(
            f"{manifest_path}: feature_code_version was {manifest.get('feature_code_version')!r}, "
            f"the running feature code is {running!r}; retrain the model with tradefly train"
        )
    booster = lgb.Booster(model_str=model_path.read_text(encoding="utf-8"))
    return RegisteredModel(path=path, booster=booster, manifest=manifest)

"""``tradefly train CONFIG``: train a signal model walk-forward and register it.

Builds the feature matrix from the catalog, trains LightGBM walk-forward, prints the
out-of-sample scores and registers the model (:mod:`research.registry`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from configfile.fields import ConfigError, read_config_yaml, validation_problem

EXIT_NO_DATA = 1


def load_train_config(path: Path) -> Any:
    """Return the :class:`research.training.TrainConfig` a YAML file holds.

    Raises
    ------
    ConfigError
        If the file is missing, not YAML, has an unknown key, a wrong type or a bad value
        (one line naming the file and field).

    """
    from research.training import TrainConfig

    raw = read_config_yaml(path)
    try:
        return msgspec.convert(raw, TrainConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(path, [validation_problem(exc, "")]) from None


def add_train_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``tradefly train``."""
    parser = commands.add_parser(
        "train",
        help="Train a LightGBM signal model walk-forward and register it.",
        description=(
            "Build the feature matrix of CONFIG's underlying from the catalog, train LightGBM "
            "walk-forward with purged folds and an embargo, print each fold's out-of-sample AUC "
            "and rank correlation, and register the model (model.txt, manifest.json, "
            "shap_summary.png, report.html) under <registry>/<name>/<version>/."
        ),
    )
    parser.add_argument("config", type=Path, help="training config YAML (configs/train/)")
    parser.add_argument(
        "--catalog",
        default=None,
        help="catalog folder (default: $TRADEFLY_CATALOG or data/catalog)",
    )
    parser.add_argument(
        "--registry", type=Path, default=None, help="registry folder (default: the config's)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the table"
    )
    parser.add_argument(
        "--ray",
        action="store_true",
        help="fit the folds in parallel on Ray (a local Ray unless --address)",
    )
    parser.add_argument("--address", default=None, help="Ray cluster address (implies --ray)")
    parser.set_defaults(handler=_train)


def _train(args: argparse.Namespace) -> int:
    from catalog.cli import resolve_catalog_dir

    config = load_train_config(args.config)
    catalog_dir = resolve_catalog_dir(args.catalog)
    if not catalog_dir.is_dir():
        raise ConfigError(catalog_dir, ["catalog folder not found"])
    vix = Path(config.vix_csv) if config.vix_csv else None
    if vix is not None and not vix.is_file():
        raise ConfigError(args.config, [f"vix_csv: file not found: {vix}"])
    from research.dataset import load_inputs
    from research.registry import register
    from research.training import make_dataset, train

    try:
        dataset = make_dataset(load_inputs(catalog_dir, config.underlying, vix), config)
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_NO_DATA
    if args.ray or args.address:
        from research.fanout import train_on_ray

        result = train_on_ray(dataset, config, address=args.address)
    else:
        result = train(dataset, config)
    registry = args.registry if args.registry is not None else Path(config.registry)
    folder = register(result, config, dataset.features, registry)
    if args.json:
        payload = {
            "model": str(folder),
            "metrics": result.metrics,
            "folds": [f.__dict__ for f in result.folds],
            "span": list(result.span),
        }
        sys.stdout.write(json.dumps(payload, allow_nan=True) + "\n")
        return 0
    header = ("fold", "train", "test", "first", "last", "AUC", "rank", "hit")
    widths = (4, 6, 5, 10, 10, 6, 6, 5)
    lines = [" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True))]
    for f in result.folds:
        lines.append(
            f"{f.fold:>4} {f.train_rows:>6} {f.test_rows:>5} {f.test_first:>10} {f.test_last:>10} "
            f"{f.auc:>6.3f} {f.rank_corr:>6.3f} {f.hit_rate:>5.3f}"
        )
    m = result.metrics
    lines.append(
        f"out of sample: AUC {m['oos_auc']:.3f}, rank correlation {m['oos_rank_corr']:.3f}, "
        f"Brier {m['brier']:.4f} (base rate {m['base_rate']:.3f}); {int(m['features'])} features, "
        f"{int(m['rows'])} sessions {result.span[0]}..{result.span[1]}"
    )
    lines.append(f"registered: {folder}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0

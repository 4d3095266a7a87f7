"""``tradefly sweep CONFIG --grid KEY=V1,V2 ...``: backtest every combination of values.

Each combination is the base config with ``--set KEY=VALUE`` overrides (checked as
``tradefly backtest --set`` checks them) and runs through the same
:func:`tradefly.backtest.runner.run_backtest`, one by one (``--serial``) or fanned out on Ray
(a local Ray by default, a cluster with ``--address``). The results are gathered into one
table in grid order; ``--monte-carlo N`` adds a bootstrap of each run's trades
(:func:`research.montecarlo.bootstrap_trades`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from configfile.fields import ConfigError

SUMMARY_KEYS = ("n_trades", "realized_pnl", "ending_balance", "max_drawdown", "sharpe")


def parse_grid(source: Path, grid: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Return ``[(key, [values])]`` from ``KEY=V1,V2`` strings.

    Raises
    ------
    ConfigError
        If an item has no ``=``, no key or no value, or a key is repeated.

    """
    parsed: list[tuple[str, list[str]]] = []
    for item in grid:
        key, equals, text = item.partition("=")
        values = [v.strip() for v in text.split(",") if v.strip()]
        if not equals or not key or not values:
            raise ConfigError(source, [f"--grid: expected KEY=V1,V2,..., got {item!r}"])
        if key in dict(parsed):
            raise ConfigError(source, [f"--grid: {key} given twice"])
        parsed.append((key, values))
    return parsed


def sweep_configs(
    source: Path,
    grid: list[tuple[str, list[str]]],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[tuple[dict[str, str], Any]]:
    """Return every combination of the grid as ``(assignments, RunConfig)``, in grid order.

    Raises
    ------
    ConfigError
        If the base config or an override is invalid (one line naming the file and key).

    """
    from tradefly.backtest.config import load_run_config
    from tradefly.backtest.overrides import apply_overrides

    base = load_run_config(source)
    keys = [k for k, _ in grid]
    out = []
    for combo in itertools.product(*(values for _, values in grid)):
        assignments = dict(zip(keys, combo, strict=True))
        config = apply_overrides(
            base, source, [f"{k}={v}" for k, v in assignments.items()], start, end
        )
        out.append((assignments, config))
    return out


def run_one(config: Any, catalog_dir: str, run_id: str) -> dict[str, Any]:
    """Run one backtest and return its summary (:func:`tradefly.backtest.report.summary_dict`)."""
    from tradefly.backtest.report import summary_dict
    from tradefly.backtest.runner import run_backtest

    summary: dict[str, Any] = summary_dict(run_backtest(config, Path(catalog_dir), run_id=run_id))
    return summary


def run_sweep(
    configs: list[tuple[dict[str, str], Any]],
    catalog_dir: Path,
    use_ray: bool = True,
    address: str | None = None,
) -> list[dict[str, Any]]:
    """Run every config; return their summaries in the given order.

    Run ``i`` gets the run id ``sweep-<i>``, so a run's summary is the same on Ray and alone.
    """
    if not use_ray:
        return [
            run_one(config, str(catalog_dir), f"sweep-{i}") for i, (_, config) in enumerate(configs)
        ]
    from research.fanout import init_ray

    ray = init_ray(address)
    remote = ray.remote(run_one)
    refs = [
        remote.remote(config, str(catalog_dir), f"sweep-{i}")
        for i, (_, config) in enumerate(configs)
    ]
    results: list[dict[str, Any]] = ray.get(refs)
    return results


def add_sweep_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``tradefly sweep``."""
    parser = commands.add_parser(
        "sweep",
        help="Backtest every combination of config values, on Ray, into one table.",
        description=(
            "Run CONFIG once per combination of the --grid values (each like --set of tradefly "
            "backtest), on a local Ray (or the cluster at --address, or one by one with "
            "--serial), and print one row per run."
        ),
    )
    parser.add_argument("config", type=Path, help="backtest config YAML")
    parser.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="KEY=V1,V2",
        help="values of one field (repeatable)",
    )
    parser.add_argument("--start", type=dt.date.fromisoformat, default=None, help="first session")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=None, help="last session")
    parser.add_argument(
        "--catalog", default=None, help="catalog folder (default $TRADEFLY_CATALOG or data/catalog)"
    )
    parser.add_argument("--serial", action="store_true", help="run one by one, without Ray")
    parser.add_argument("--address", default=None, help="Ray cluster address")
    parser.add_argument(
        "--monte-carlo",
        type=int,
        default=0,
        metavar="N",
        help="bootstrap each run's trades over N paths",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON list instead of the table"
    )
    parser.set_defaults(handler=_sweep)


def monte_carlo_columns(summary: dict[str, Any], n_paths: int) -> dict[str, float | None]:
    """Return the 5th/50th/95th percentile final equity and 95th percentile drawdown of a run."""
    from research.montecarlo import bootstrap_trades

    pnl = np.array(
        [t["pnl"] for t in summary["trades"] if t.get("pnl") is not None], dtype=np.float64
    )
    if pnl.size == 0:
        return {
            "mc_final_p5": None,
            "mc_final_p50": None,
            "mc_final_p95": None,
            "mc_max_dd_p95": None,
        }
    mc = bootstrap_trades(pnl, float(summary["starting_balance"]), n_paths=n_paths, seed=0)
    return {
        "mc_final_p5": mc.final_equity[5],
        "mc_final_p50": mc.final_equity[50],
        "mc_final_p95": mc.final_equity[95],
        "mc_max_dd_p95": mc.max_drawdown[95],
    }


def _sweep(args: argparse.Namespace) -> int:
    from catalog.cli import resolve_catalog_dir

    grid = parse_grid(args.config, args.grid)
    configs = sweep_configs(args.config, grid, args.start, args.end)
    catalog_dir = resolve_catalog_dir(args.catalog)
    if not catalog_dir.is_dir():
        raise ConfigError(catalog_dir, ["catalog folder not found"])
    summaries = run_sweep(configs, catalog_dir, use_ray=not args.serial, address=args.address)
    rows = []
    for (assignments, _), summary in zip(configs, summaries, strict=True):
        row: dict[str, Any] = {**assignments, **{k: summary.get(k) for k in SUMMARY_KEYS}}
        if args.monte_carlo:
            row.update(monte_carlo_columns(summary, args.monte_carlo))
        rows.append(row)
    if args.json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return 0
    columns = list(rows[0])
    widths = [max(len(c), *(len(_cell(r[c])) for r in rows)) for c in columns]
    sys.stdout.write(" ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)) + "\n")
    for r in rows:
        sys.stdout.write(
            " ".join(_cell(r[c]).rjust(w) for c, w in zip(columns, widths, strict=True)) + "\n"
        )
    return 0


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 10 else f"{value:,.2f}"
    return "" if value is None else str(value)

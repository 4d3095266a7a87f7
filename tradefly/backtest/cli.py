"""``tradefly backtest`` and ``tradefly demo``."""

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import msgspec

from catalog.cli import resolve_catalog_dir
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.report import format_summary_table, summary_dict, write_report
from tradefly.backtest.runner import CatalogDataMissingError, run_backtest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = PROJECT_ROOT / "configs" / "backtest" / "demo_put_spread.yaml"
DEMO_CATALOG = PROJECT_ROOT / "data" / "demo_catalog"
DEFAULT_REPORTS = Path("reports")


def add_backtest_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly backtest``."""
    parser = commands.add_parser(
        "backtest",
        help="Run a backtest config over the catalog and write a report.",
        description=(
            "Run CONFIG (a YAML file under configs/backtest/) over the Parquet catalog. Prints a "
            "summary table (or one JSON object with --json) and writes reports/<run>/summary.json, "
            "trades.csv and report.html."
        ),
    )
    parser.add_argument("config", type=Path, help="run config YAML")
    _add_run_options(parser)
    parser.set_defaults(handler=_backtest)


def add_demo_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly demo``."""
    parser = commands.add_parser(
        "demo",
        help="Backtest a put credit spread on the seeded SYNTHETIC demo market (no data, no keys).",
        description=(
            "Generate the seeded synthetic demo market (clearly labelled SYNTHETIC; not market "
            "data) into its own catalog if it is not there yet, then run "
            "configs/backtest/demo_put_spread.yaml over it."
        ),
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument(
        "--start", type=dt.date.fromisoformat, default=None, help="first session (ISO date)"
    )
    parser.add_argument(
        "--end", type=dt.date.fromisoformat, default=None, help="last session (ISO date)"
    )
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG, help="run config YAML")
    _add_run_options(parser, default_catalog=DEMO_CATALOG)
    parser.set_defaults(handler=_demo)


def _add_run_options(parser: argparse.ArgumentParser, default_catalog: Path | None = None) -> None:
    where = (
        f" (default {default_catalog})"
        if default_catalog
        else " (default $TRADEFLY_CATALOG or data/catalog)"
    )
    parser.add_argument("--catalog", default=None, help="catalog folder" + where)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.add_argument(
        "--reports", type=Path, default=DEFAULT_REPORTS, help="reports folder (default reports/)"
    )
    parser.add_argument("--log-level", default="ERROR", help="Nautilus log level (default ERROR)")


def _backtest(args: argparse.Namespace) -> int:
    try:
        config = load_run_config(args.config)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _run(config, resolve_catalog_dir(args.catalog), args)


def _demo(args: argparse.Namespace) -> int:
    from catalog.demo_market import DEFAULT_END, DEFAULT_START, write_demo_catalog

    config = load_run_config(args.config)
    start = args.start or DEFAULT_START
    end = args.end or DEFAULT_END
    config = _with_dates(config, start, end)
    catalog_dir = Path(args.catalog) if args.catalog else DEMO_CATALOG
    marker = catalog_dir / f".demo-seed{args.seed}-{start}-{end}"
    if not marker.exists():
        print(
            f"Generating the SYNTHETIC demo market (seed {args.seed}) into {catalog_dir}",
            file=sys.stderr,
        )
        if catalog_dir.exists():
            _clear_demo_catalog(catalog_dir)
        partial = catalog_dir.with_name(catalog_dir.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)  # left by an interrupted generation
        write_demo_catalog(partial, seed=args.seed, start=start, end=end)
        (partial / marker.name).touch()
        partial.rename(catalog_dir)
    return _run(config, catalog_dir, args)


def _clear_demo_catalog(catalog_dir: Path) -> None:
    if any(catalog_dir.iterdir()) and not any(catalog_dir.glob(".demo-seed*")):
        raise SystemExit(f"error: {catalog_dir} exists and is not a demo catalog; pass --catalog")
    shutil.rmtree(catalog_dir)


def _with_dates(config: RunConfig, start: dt.date, end: dt.date) -> RunConfig:
    strategy = dict(config.strategy)
    strategy["entry_start"] = start.isoformat()
    strategy["entry_end"] = (end - dt.timedelta(days=int(strategy.get("dte_max", 0)))).isoformat()
    data = msgspec.structs.replace(config.data, start=start, end=end)
    return msgspec.structs.replace(config, data=data, strategy=strategy)


def _run(config: RunConfig, catalog_dir: Path, args: argparse.Namespace) -> int:
    try:
        result = run_backtest(config, catalog_dir, log_level=args.log_level)
    except CatalogDataMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    run_dir = write_report(result, args.reports)
    summary = summary_dict(result)
    if args.json:
        print(json.dumps(summary, allow_nan=False))
    else:
        print(format_summary_table(summary))
        print(f"\nReport: {run_dir / 'report.html'}")
    return 0

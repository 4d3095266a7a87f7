"""``tradefly backtest`` and ``tradefly demo``."""

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from catalog.cli import resolve_catalog_dir
from options.market_calendar import sessions_between
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.overrides import apply_overrides
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import CatalogDataMissingError, run_backtest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = PROJECT_ROOT / "configs" / "backtest" / "demo_put_spread.yaml"
DEMO_CATALOG = PROJECT_ROOT / "data" / "demo_catalog"
DEFAULT_REPORTS = Path("reports")
LOG_LEVELS = ("OFF", "ERROR", "WARNING", "INFO", "DEBUG")


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
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=None,
        help="first session (ISO date); also the first entry day",
    )
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        help="last session (ISO date); each strategy's last entry day is END less its dte_max days",
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=(
            "override a config field, e.g. --set strategy.dte_max=40 (one strategy) or "
            "strategies[1].config.quantity=2 (repeatable)"
        ),
    )
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
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no table and no progress bar; only the one-line summary, on stderr",
    )
    parser.add_argument(
        "--log-level",
        default="ERROR",
        type=str.upper,
        choices=LOG_LEVELS,
        help=f"Nautilus log level: {', '.join(LOG_LEVELS)} (default ERROR)",
    )


def _backtest(args: argparse.Namespace) -> int:
    config = load_run_config(args.config)
    config = apply_overrides(config, args.config, args.assignments, args.start, args.end)
    catalog_dir = resolve_catalog_dir(args.catalog)
    if not catalog_dir.is_dir():
        print(
            f"error: catalog folder {catalog_dir} does not exist; pass --catalog DIR or set "
            "TRADEFLY_CATALOG, or ingest data into it first",
            file=sys.stderr,
        )
        return 2
    return _run(config, catalog_dir, args)


def _demo(args: argparse.Namespace) -> int:
    from catalog.demo_market import DEFAULT_END, DEFAULT_START, write_demo_catalog

    config = load_run_config(args.config)
    start = args.start or DEFAULT_START
    end = args.end or DEFAULT_END
    config = apply_overrides(config, args.config, [], start, end)
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
    return _run(config, catalog_dir, args, after=lambda result: _leave_demo_store(result, args))


def _leave_demo_store(result: BacktestResult, args: argparse.Namespace) -> None:
    from tradefly.backtest.demo_store import DEMO_STORE_NAME, write_demo_store

    path = write_demo_store(result, args.reports / DEMO_STORE_NAME)
    print(f"State store: {path} (browse it: tradefly control --demo)", file=sys.stderr)


def _clear_demo_catalog(catalog_dir: Path) -> None:
    if any(catalog_dir.iterdir()) and not any(catalog_dir.glob(".demo-seed*")):
        raise SystemExit(f"error: {catalog_dir} exists and is not a demo catalog; pass --catalog")
    shutil.rmtree(catalog_dir)


def _run(
    config: RunConfig,
    catalog_dir: Path,
    args: argparse.Namespace,
    after: Callable[[BacktestResult], None] | None = None,
) -> int:
    # Here, not at the top: its statistics import empyrical and scipy (0.8 s), which every
    # other command (`tradefly --help` too) would pay for when it builds the parser.
    from tradefly.backtest.report import (
        format_summary_table,
        one_line_summary,
        summary_dict,
        write_report,
    )

    problem = _unwritable(args.reports)
    if problem:
        print(f"error: reports folder {args.reports}: {problem}", file=sys.stderr)
        return 2
    sessions = len(sessions_between(config.data.start, config.replay_end()))
    with tqdm(
        total=sessions, unit="session", desc="replaying", file=sys.stderr, disable=args.quiet
    ) as progress:
        try:
            result = run_backtest(
                config, catalog_dir, log_level=args.log_level, on_session=progress.update
            )
        except CatalogDataMissingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    run_dir = write_report(result, args.reports)
    if after is not None:
        after(result)
    summary = summary_dict(result)
    if not result.trades:
        span = result.run_info["data_span"]
        print(
            f"warning: the run made no trades ({span['sessions']} sessions of "
            f"{result.underlying} replayed from {config.data.start} to {config.replay_end()}); "
            "check the dates against the data in the catalog",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(summary, allow_nan=False))
    elif args.quiet:
        print(one_line_summary(summary), file=sys.stderr)
    else:
        print(format_summary_table(summary))
        print(f"\nReport: {run_dir / 'report.html'}")
        print(one_line_summary(summary))
    return 0


def _unwritable(reports: Path) -> str | None:
    """Say why run folders cannot be written under `reports` (checked before a run)."""
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return str(exc.strerror or exc)
    if not os.access(reports, os.W_OK | os.X_OK):
        return "not writable"
    return None

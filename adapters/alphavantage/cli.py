"""``tradefly ingest alphavantage``: Alpha Vantage history into the catalog.

Wire it with :func:`add_alphavantage_ingest_parser` on the ``tradefly ingest`` sources
(:func:`catalog.cli.add_ingest_parser` returns them).
"""

import argparse
import asyncio
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from adapters.alphavantage.loaders import (
    DEFAULT_FLUSH_ROWS,
    AlphaVantageIngest,
    Dataset,
    IngestSettings,
    describe_plan,
    plan_ingest,
)
from catalog.cli import resolve_catalog_dir

DEFAULT_REQUESTS_PER_MINUTE = 75
EXIT_OK = 0
EXIT_INCOMPLETE = 1


def add_alphavantage_ingest_parser(ingest_commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``alphavantage`` under the subcommands of ``tradefly ingest``.

    Parameters
    ----------
    ingest_commands : argparse._SubParsersAction
        The subparsers object of ``tradefly ingest``.

    """
    parser = ingest_commands.add_parser(
        "alphavantage",
        help="Fetch Alpha Vantage history (options, daily bars, news, fundamentals, earnings).",
        description=(
            "Fetch Alpha Vantage history into the catalog. Replies are cached on disk, so a "
            "re-run makes no repeat calls and an interrupted run resumes where it stopped. "
            "The API key is read from ALPHAVANTAGE_API_KEY."
        ),
    )
    parser.add_argument("--symbols", required=True, help="comma-separated tickers, e.g. SPY,QQQ")
    parser.add_argument("--start", required=True, type=_date, help="first date, YYYY-MM-DD")
    parser.add_argument("--end", required=True, type=_date, help="last date, YYYY-MM-DD")
    parser.add_argument(
        "--datasets",
        default="options,daily",
        type=_datasets,
        help=f"comma-separated, from {', '.join(d.value for d in Dataset)} (default options,daily)",
    )
    parser.add_argument(
        "--catalog", default=None, help="catalog directory (default TRADEFLY_CATALOG)"
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        type=Path,
        help="raw reply cache (default alphavantage_cache next to the catalog)",
    )
    parser.add_argument(
        "--requests-per-minute",
        type=int,
        default=int(
            os.environ.get("ALPHAVANTAGE_REQUESTS_PER_MINUTE", DEFAULT_REQUESTS_PER_MINUTE)
        ),
        help="your plan's rate (default 75, or ALPHAVANTAGE_REQUESTS_PER_MINUTE)",
    )
    parser.add_argument(
        "--daily-limit", type=int, default=None, help="daily request cap (free tier: 25)"
    )
    parser.add_argument(
        "--no-resume", action="store_true", help="rewrite calls an earlier run completed"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--flush-rows",
        type=int,
        default=DEFAULT_FLUSH_ROWS,
        help="rows buffered per catalog write (more: faster, more memory; default %(default)s)",
    )
    parser.add_argument(
        "--plan-only", action="store_true", help="print the plan and exit without calling"
    )
    parser.set_defaults(handler=run_alphavantage_ingest)


def run_alphavantage_ingest(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the command for parsed `args`; return the exit code (0 when everything completed).

    The plan and summary go to `out`, by default the current ``sys.stdout``.
    """
    # Here, not at the top: every other command (a backtest too) builds this parser.
    from adapters.alphavantage.http.client import AlphaVantageHttpClient
    from adapters.alphavantage.http.rate_limit import RateLimiter

    out = out or sys.stdout
    symbols = [symbol.strip().upper() for symbol in args.symbols.split(",") if symbol.strip()]
    try:
        plan = plan_ingest(symbols, args.start, args.end, args.datasets)
    except ValueError as exc:
        out.write(f"error: {exc}\n")
        return EXIT_INCOMPLETE
    catalog_dir = resolve_catalog_dir(args.catalog)
    cache_dir = args.cache_dir or catalog_dir.parent / "alphavantage_cache"
    settings = IngestSettings(
        catalog_dir=catalog_dir,
        cache_dir=cache_dir,
        resume=not args.no_resume,
        flush_rows=args.flush_rows,
        progress=not args.no_progress,
    )
    rpm, daily_limit = args.requests_per_minute, args.daily_limit

    def client_factory() -> AlphaVantageHttpClient:
        return AlphaVantageHttpClient(rate_limiter=RateLimiter(rpm, daily_limit))

    ingest = AlphaVantageIngest(settings, client_factory)
    out.write(describe_plan(plan, ingest.answered_count(plan), rpm, daily_limit) + "\n")
    out.write(f"Catalog: {catalog_dir}\nCache: {cache_dir}\n")
    if args.plan_only:
        return EXIT_OK
    out.flush()
    summary = asyncio.run(ingest.run(plan))
    out.write(summary.format() + "\n")
    return EXIT_OK if not summary.stopped and not summary.failed else EXIT_INCOMPLETE


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date was not YYYY-MM-DD: {text!r}") from None


def _datasets(text: str) -> set[Dataset]:
    names = {name.strip().lower() for name in text.split(",") if name.strip()}
    known = {dataset.value for dataset in Dataset}
    unknown = names - known
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"datasets were {sorted(unknown) or text!r}; choose from {', '.join(sorted(known))}"
        )
    return {Dataset(name) for name in names}

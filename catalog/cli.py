"""``tradefly ingest`` subcommands: vendor files into the Parquet catalog.

``tradefly ingest eod-chains``, ``option-bars`` and ``bars`` each read files, reject and count
malformed rows, write once (atomically, without duplicates) and print a summary naming each
file with its rows read and rejected. Exit code 0 on success; 1 when an input could not be
read at all (nothing is then written), when every row of a file was rejected, or when nothing
was written (and nothing was already in the catalog).
"""

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from catalog import eod_chains, lean_minute, option_bars, underlying_bars
from catalog.ingest import (
    IngestReport,
    ingest_eod_chains,
    ingest_lean_minute,
    ingest_option_bars,
    ingest_underlying_bars,
)
from catalog.layout_hints import COMMAND_LAYOUTS, command_hint
from catalog.validation import Layout

CATALOG_ENV = "TRADEFLY_CATALOG"
DEFAULT_CATALOG = Path("data") / "catalog"


def resolve_catalog_dir(arg: str | None) -> Path:
    """Return the catalog directory: `arg`, else ``$TRADEFLY_CATALOG``, else ``data/catalog``.

    Parameters
    ----------
    arg : str, optional
        A ``--catalog`` command-line value.

    Returns
    -------
    Path
        The directory (relative paths are relative to the working directory).

    """
    if arg:
        return Path(arg)
    from_env = os.environ.get(CATALOG_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_CATALOG


def _layout_names(layouts: Sequence[Layout]) -> list[str]:
    return [layout.name for layout in layouts]


def _add_inputs(
    parser: argparse.ArgumentParser, files_help: str, layouts: Sequence[Layout], layout_help: str
) -> None:
    parser.add_argument("files", metavar="FILE", type=Path, nargs="+", help=files_help)
    parser.add_argument(
        "--layout",
        choices=_layout_names(layouts),
        help=f"{layout_help} (default: detected from the header)",
    )


def _add_common(
    parser: argparse.ArgumentParser, handler: Callable[[argparse.Namespace], int]
) -> None:
    parser.add_argument(
        "--catalog",
        metavar="DIR",
        help=f"catalog directory (default: ${CATALOG_ENV}, else {DEFAULT_CATALOG})",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="do not show progress bars on stderr"
    )
    parser.set_defaults(handler=handler)


def _add_bars_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bars",
        metavar="FILE",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        help="daily bar CSV(s) of the underlying to ingest in the same write",
    )
    parser.add_argument(
        "--ticker",
        help="ticker of the --bars files (default: the options' underlying if only one)",
    )
    parser.add_argument(
        "--bars-layout",
        choices=_layout_names(underlying_bars.LAYOUTS),
        help="layout of the --bars files (default: detected from the header)",
    )
    parser.add_argument(
        "--deliverables",
        metavar="CSV",
        type=Path,
        help="deliverables table of adjusted roots such as XYZ1 (root,underlying,effective,"
        "shares,cash,multiplier; see README); without it their rows are rejected",
    )


def _run(args: argparse.Namespace, ingest: Callable[..., IngestReport], **options: object) -> int:
    """Run `ingest` on the catalog and files `args` name, print its summary; return the exit code.

    `options` are the ingest's keyword arguments besides the catalog, files and progress.
    """
    try:
        report = ingest(
            resolve_catalog_dir(args.catalog),
            args.files,
            show_progress=not args.no_progress,
            **options,
        )
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"tradefly ingest: error: {exc}\n")
        if args.source in COMMAND_LAYOUTS:
            for hint in command_hint(args.source, list(args.files)):
                sys.stderr.write(f"tradefly ingest: hint: {hint}\n")
        sys.stderr.write("nothing was written\n")
        return 1
    sys.stdout.write(report.summary() + "\n")
    failures = report.failures()
    for failure in failures:
        sys.stderr.write(f"tradefly ingest: error: {failure}\n")
    return 1 if failures else 0


def _options(ingest: Callable[..., IngestReport], args: argparse.Namespace) -> int:
    """Run an option ingest (`ingest_eod_chains` or `ingest_option_bars`) from its arguments."""
    extra: dict[str, object] = (
        {"quote_date": args.quote_date} if getattr(args, "quote_date", None) else {}
    )
    if args.deliverables is not None:
        extra["deliverables"] = args.deliverables
    return _run(
        args,
        ingest,
        layout=args.layout,
        bar_files=args.bars,
        ticker=args.ticker,
        bar_layout=args.bars_layout,
        **extra,
    )


def _session_date(text: str) -> dt.date:
    """Parse ``--quote-date``: an ISO date."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"was {text!r}; expected YYYY-MM-DD") from exc


def _chains(args: argparse.Namespace) -> int:
    return _run(
        args,
        ingest_eod_chains,
        layout=args.layout,
        bar_files=args.bars,
        ticker=args.ticker,
        bar_layout=args.bars_layout,
        quote_date=args.quote_date,
        audit_rate=args.audit_rate,
        audit_dividend_yield=args.audit_dividend_yield,
        deliverables=args.deliverables,
    )


def _bars(args: argparse.Namespace) -> int:
    return _run(args, ingest_underlying_bars, ticker=args.ticker, layout=args.layout)


def _lean(args: argparse.Namespace) -> int:
    return _run(args, ingest_lean_minute, layout=args.layout)


def _describe(args: argparse.Namespace) -> int:
    from catalog.access import open_catalog
    from catalog.greeks_audit import flagged_lines, stored_audit
    from catalog.inventory import describe_catalog

    path = resolve_catalog_dir(args.path)
    sys.stdout.write(describe_catalog(path).render() + "\n")
    if args.flagged:
        lines = flagged_lines(stored_audit(open_catalog(path)))
        sys.stdout.write(f"flagged rows ({len(lines):,}):\n")
        sys.stdout.writelines(line + "\n" for line in lines)
    return 0


def add_catalog_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    """Register ``tradefly catalog [PATH]`` on the top-level `commands`."""
    parser = commands.add_parser(
        "catalog",
        help="Say what a catalog holds.",
        description="Print what a catalog holds: underlyings, instrument kinds and counts, "
        "per underlying and data type the rows, span and NYSE sessions missing inside the "
        "span, and the vendor-greeks audit summary.",
    )
    parser.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        help=f"catalog directory (default: ${CATALOG_ENV}, else {DEFAULT_CATALOG})",
    )
    parser.add_argument(
        "--flagged",
        action="store_true",
        help="also list the rows the vendor-greeks audit flagged (date, option, mid, vendor "
        "and model IV and delta)",
    )
    parser.set_defaults(handler=_describe)


def add_ingest_parser(
    commands: "argparse._SubParsersAction[Any]",
) -> "argparse._SubParsersAction[Any]":
    """Register ``tradefly ingest`` and its file subcommands; return its sources.

    Vendor-API sources (``alphavantage``) are registered on the returned sources by the
    command line (:mod:`tradefly.cli`), since ``catalog`` imports no adapter.
    """
    parser = commands.add_parser(
        "ingest",
        help="Ingest vendor files into the Parquet catalog.",
        description="Read vendor files, reject and count malformed rows, and write the rest "
        "into the catalog in one atomic, duplicate-free write.",
    )
    sources: argparse._SubParsersAction[Any] = parser.add_subparsers(
        dest="source", required=True, metavar="SOURCE"
    )

    chains = sources.add_parser(
        "eod-chains",
        help="End-of-day option chains: contracts, bid/ask quotes and vendor greeks.",
        description="Ingest end-of-day option chain CSVs (layouts: "
        f"{', '.join(_layout_names(eod_chains.LAYOUTS))}) as option contracts, bid/ask "
        "quotes and vendor greeks stamped at the session close; optionally the underlying's "
        "daily bars in the same write.",
    )
    _add_inputs(chains, "chain CSV file(s)", eod_chains.LAYOUTS, "chain file layout")
    chains.add_argument(
        "--quote-date",
        metavar="YYYY-MM-DD",
        type=_session_date,
        help="cboe-quotetable: the session of the snapshots (default: the last session "
        "opened at the time their 'Date:' line names)",
    )
    _add_bars_options(chains)
    chains.add_argument(
        "--audit-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="flat risk-free rate (decimal per year) for the vendor-greeks audit (default 0)",
    )
    chains.add_argument(
        "--audit-dividend-yield",
        type=float,
        default=0.0,
        metavar="Q",
        help="flat dividend yield (decimal per year) for the vendor-greeks audit (default 0)",
    )
    _add_common(chains, _chains)

    aggs = sources.add_parser(
        "option-bars",
        help="Daily option bars (Polygon day aggregates, LEAN universes): contracts and "
        "OHLCV bars.",
        description="Ingest daily option bar CSVs (layouts: "
        f"{', '.join(_layout_names(option_bars.LAYOUTS))}) as option contracts and "
        "daily LAST bars stamped at the session close; optionally the underlying's daily "
        "bars in the same write.",
    )
    _add_inputs(aggs, "option bar CSV file(s)", option_bars.LAYOUTS, "option bar file layout")
    _add_bars_options(aggs)
    _add_common(aggs, partial(_options, ingest_option_bars))

    bars = sources.add_parser(
        "bars",
        help="Daily bars of underlyings (Tiingo, yfinance, Alpha Vantage, nasdaq.com, LEAN).",
        description="Ingest daily OHLCV CSVs of stocks/ETFs (layouts: "
        f"{', '.join(_layout_names(underlying_bars.LAYOUTS))}) as equities and daily "
        "LAST bars stamped at the session close (the OHLC columns as written: raw, except "
        "nasdaq.com's, which are split-adjusted).",
    )
    bars.add_argument(
        "--ticker",
        help="the underlying's ticker: required for files without a ticker column "
        "(yfinance, alpha-vantage, nasdaq); lean-daily: default the file name; otherwise "
        "rows of other tickers are rejected",
    )
    _add_inputs(bars, "daily bar CSV file(s)", underlying_bars.LAYOUTS, "file layout")
    _add_common(bars, _bars)

    lean = sources.add_parser(
        "lean-minute",
        help="QuantConnect LEAN minute zips: option quotes and trades, equity and index bars.",
        description="Ingest LEAN minute zips (option and index-option quotes and trades, "
        "equity quotes and trades, index trades; prices x10,000 except index bars, times New "
        "York except index bars in Central time) as option contracts, quotes and 1-minute "
        "LAST bars stamped at the end of their minute. The layout is detected from each "
        "zip's folder and name.",
    )
    lean.add_argument("files", metavar="ZIP", type=Path, nargs="+", help="LEAN minute zip(s)")
    lean.add_argument(
        "--layout",
        choices=list(lean_minute.LAYOUTS),
        help="layout of every zip (default: detected from its folder and name)",
    )
    _add_common(lean, _lean)
    return sources

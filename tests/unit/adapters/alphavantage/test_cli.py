"""``tradefly ingest alphavantage`` argument handling and the up-front plan."""

import argparse
import io
from pathlib import Path

import pytest

from adapters.alphavantage.cli import add_alphavantage_ingest_parser


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tradefly ingest")
    add_alphavantage_ingest_parser(parser.add_subparsers())
    return parser.parse_args(["alphavantage", *argv])


def test_plan_only_prints_the_plan_without_calling(tmp_path: Path) -> None:
    argv = [
        "--symbols", "SPY,qqq",
        "--start", "2021-06-01",
        "--end", "2021-06-30",
        "--datasets", "options,daily,news",
        "--catalog", str(tmp_path / "catalog"),
        "--requests-per-minute", "75",
        "--daily-limit", "25",
        "--plan-only",
    ]  # fmt: skip
    args = parse(argv)
    out = io.StringIO()
    assert args.handler(args, out) == 0
    text = out.getvalue()
    assert "Plan: 48 calls (2 TIME_SERIES_DAILY_ADJUSTED, 2 NEWS_SENTIMENT, " in text
    assert "44 HISTORICAL_OPTIONS" in text  # 22 sessions in June 2021, two symbols
    assert "at 75 requests/min about 38 s" in text
    assert "daily cap of 25: about 2 days" in text
    assert not (tmp_path / "catalog").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["--symbols", "SPY", "--start", "2021-06-01", "--end", "x"],
        ["--symbols", "SPY", "--start", "2021-06-01", "--end", "2021-06-02", "--datasets", "bars"],
    ],
)
def test_bad_arguments_exit_with_usage(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        parse(argv)
    assert info.value.code == 2


def test_bad_symbol_or_range_is_reported(tmp_path: Path) -> None:
    out = io.StringIO()
    args = parse(["--symbols", "SP Y", "--start", "2021-06-01", "--end", "2021-06-02"])
    assert args.handler(args, out) == 1 and "ticker was invalid" in out.getvalue()
    args = parse(["--symbols", "SPY", "--start", "2021-06-02", "--end", "2021-06-01"])
    out = io.StringIO()
    assert args.handler(args, out) == 1 and "before start" in out.getvalue()


def test_the_catalog_is_resolved_as_every_ingest_resolves_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # no --catalog: $TRADEFLY_CATALOG, through catalog.cli.resolve_catalog_dir
    monkeypatch.setenv("TRADEFLY_CATALOG", str(tmp_path / "env"))
    args = parse(
        ["--symbols", "SPY", "--start", "2021-06-01", "--end", "2021-06-01", "--plan-only"]
    )
    out = io.StringIO()
    assert args.handler(args, out) == 0
    assert f"Catalog: {tmp_path / 'env'}\n" in out.getvalue()

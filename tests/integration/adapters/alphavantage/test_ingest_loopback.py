"""``tradefly ingest alphavantage`` end to end against a loopback server on 127.0.0.1.

The server serves real recorded replies (IBM daily, fundamentals, earnings, news) and, as no
real options capture exists, the documented-layout chains, with throttle bodies and an HTTP
429 in between, through the real HTTP client, rate limiter and catalog writer.
"""

import argparse
import io
import logging
from pathlib import Path

import pytest
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.instruments import Equity, OptionContract
from nautilus_trader.persistence.catalog import ParquetDataCatalog

from adapters.alphavantage.cli import add_alphavantage_ingest_parser
from adapters.alphavantage.data_types import (
    CompanyOverview,
    CorporateAction,
    EarningsEvent,
    FinancialStatement,
    NewsSentiment,
)
from tests.conftest import shared_data_path
from tests.integration.adapters.alphavantage.loopback import Script, serve
from tests.unit.adapters.alphavantage.test_http_client import BURST, DAILY_CAP, LEGACY_NOTE

TEST_KEY = "LOOPBACKKEY987654"
FIXTURES = Path(__file__).parents[4] / "tests/unit/adapters/alphavantage/fixtures"
EMPTY_CHAIN = b'{"endpoint": "Historical Options", "message": "success", "data": []}'


def recorded(relative: str) -> bytes:
    return shared_data_path(f"alpha_vantage/{relative}").read_bytes()


def chain(day: str) -> bytes:
    return (FIXTURES / f"documented_layout_historical_options_SPY_{day}.json").read_bytes()


def run_cli(argv: list[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="tradefly ingest")
    add_alphavantage_ingest_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    out = io.StringIO()
    code: int = args.handler(args, out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ALPHAVANTAGE_API_KEY", TEST_KEY)
    caplog.set_level(logging.DEBUG)


def assert_key_never_shown(caplog: pytest.LogCaptureFixture, *texts: str) -> None:
    assert all(TEST_KEY not in record.getMessage() for record in caplog.records)
    assert all(TEST_KEY not in text for text in texts)


def options_script() -> Script:
    script = Script()
    script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-01"), chain("2021-06-01"))
    script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-02"), (429, b""), chain("2021-06-02"))
    script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-03"), EMPTY_CHAIN)
    script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-04"), BURST.encode(), chain("2021-06-04"))
    return script


def options_argv(tmp_path: Path) -> list[str]:
    return [
        "alphavantage",
        "--symbols", "SPY",
        "--start", "2021-06-01",
        "--end", "2021-06-04",
        "--datasets", "options",
        "--catalog", str(tmp_path / "catalog"),
        "--requests-per-minute", "600",
        "--no-progress",
    ]  # fmt: skip


def test_options_ingest_writes_catalog_and_reruns_from_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    script = options_script()
    with serve(script) as base_url:
        monkeypatch.setenv("ALPHAVANTAGE_BASE_URL", base_url)
        code, output = run_cli(options_argv(tmp_path))
        assert code == 0, output
        assert "Plan: 4 calls (4 HISTORICAL_OPTIONS)" in output
        assert "requested 6 (HTTP), cached 0" in output  # 4 calls + the 429 + the throttle
        assert "retried 2, throttled 2, refused 0, failed 0" in output
        assert "gaps found 1" in output and "SPY 2021-06-03: no option chain" in output
        assert script.keys_seen == {TEST_KEY} and not script.unrouted

        catalog = ParquetDataCatalog(str(tmp_path / "catalog"))
        instruments = catalog.instruments()
        assert sum(isinstance(i, OptionContract) for i in instruments) == 12
        assert [i.id.value for i in instruments if isinstance(i, Equity)] == ["SPY.US"]
        quotes = catalog.query(QuoteTick)
        assert len(quotes) == 12 + 11 + 12  # 2021-06-02 has one row without an ask
        assert len(catalog.query(OptionGreeks)) == 36

        rerun_code, rerun = run_cli(options_argv(tmp_path))
        assert rerun_code == 0
        assert script.requests == 6  # nothing requested again
        assert "skipped (done before) 4" in rerun and "rows written 0" in rerun
        assert len(ParquetDataCatalog(str(tmp_path / "catalog")).query(QuoteTick)) == 35
    assert_key_never_shown(caplog, output, rerun)


def test_quota_stop_keeps_finished_days_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    script = options_script()
    script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-02"), DAILY_CAP.encode())
    with serve(script) as base_url:
        monkeypatch.setenv("ALPHAVANTAGE_BASE_URL", base_url)
        code, output = run_cli(options_argv(tmp_path))
        assert code == 1
        assert "stopped early" in output and "daily limit" in output
        quotes = ParquetDataCatalog(str(tmp_path / "catalog")).query(QuoteTick)
        assert len(quotes) == 12  # 2021-06-01 complete, nothing of 2021-06-02
        assert script.hits[("HISTORICAL_OPTIONS", "SPY", "2021-06-03")] == 0

        script.add(("HISTORICAL_OPTIONS", "SPY", "2021-06-02"), chain("2021-06-02"))
        code, output = run_cli(options_argv(tmp_path))
        assert code == 0, output
        assert script.hits[("HISTORICAL_OPTIONS", "SPY", "2021-06-01")] == 1
        assert "skipped (done before) 1" in output
        assert len(ParquetDataCatalog(str(tmp_path / "catalog")).query(QuoteTick)) == 35
    assert_key_never_shown(caplog, output)


def test_research_datasets_from_recorded_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script()
    ibm = ("IBM", "")
    script.add(
        ("TIME_SERIES_DAILY_ADJUSTED", *ibm),
        LEGACY_NOTE.encode(),
        recorded("crazzyghost_alphavantage_java/timeseries__dailyadjusted.json"),
    )
    script.add(("EARNINGS", *ibm), recorded("xrgarcia_alphavantage_api_client/mock_earnings.json"))
    script.add(
        ("OVERVIEW", *ibm), recorded("xrgarcia_alphavantage_api_client/mock_company_profile.json")
    )
    for function, name in (
        ("INCOME_STATEMENT", "mock_income_statement"),
        ("BALANCE_SHEET", "mock_balance_sheet"),
        ("CASH_FLOW", "mock_cash_flow"),
    ):
        script.add((function, *ibm), recorded(f"xrgarcia_alphavantage_api_client/{name}.json"))
    script.add(
        ("EARNINGS_CALENDAR", *ibm),
        recorded("trantorvector_validation_raw/earnings_calendar_IBM_20260111.csv"),
    )
    script.add(
        ("NEWS_SENTIMENT", *ibm),
        recorded("xrgarcia_alphavantage_api_client/mock_news_an_sentiment.json"),
    )
    catalog_dir = tmp_path / "catalog"
    argv = [
        "alphavantage",
        "--symbols", "IBM",
        "--start", "2020-05-07",
        "--end", "2020-05-08",
        "--datasets", "daily,fundamentals,earnings,news",
        "--catalog", str(catalog_dir),
        "--cache-dir", str(tmp_path / "cache"),
        "--requests-per-minute", "600",
        "--no-progress",
    ]  # fmt: skip
    with serve(script) as base_url:
        monkeypatch.setenv("ALPHAVANTAGE_BASE_URL", base_url)
        code, output = run_cli(argv)
    assert code == 0, output
    assert "Plan: 8 calls" in output
    assert "throttled 1" in output and "gaps found 0" in output
    assert not script.unrouted

    catalog = ParquetDataCatalog(str(catalog_dir))
    bars = catalog.query(Bar)
    assert {str(b.bar_type) for b in bars} == {
        "IBM.US-1-DAY-LAST-EXTERNAL",
        "IBM.ADJ.US-1-DAY-LAST-EXTERNAL",
    }
    assert len(bars) == 4
    actions = [d.data for d in catalog.query(CorporateAction)]
    assert [(a.ex_date, a.dividend_amount) for a in actions] == [("2020-05-07", 1.63)]
    assert len(catalog.query(CompanyOverview)) == 1
    statements = [d.data for d in catalog.query(FinancialStatement)]
    assert {s.statement for s in statements} == {"income", "balance", "cash_flow"}
    events = [d.data for d in catalog.query(EarningsEvent)]
    assert {e.status for e in events} == {"reported", "scheduled"}
    assert len(catalog.query(NewsSentiment)) > 100
    assert (tmp_path / "cache" / "OVERVIEW" / "IBM").is_dir()
    assert_key_never_shown(caplog, output)

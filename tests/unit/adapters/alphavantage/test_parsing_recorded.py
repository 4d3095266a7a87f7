"""Parse every real recorded Alpha Vantage reply of a supported endpoint (../shared/data).

Each file passes the HTTP layer's vendor checks, decodes into the schema structs and parses
into Nautilus objects with row counts checked against the raw file. Files of endpoints the
adapter does not support are listed explicitly, so a new recording cannot be skipped silently.
"""

import csv
import datetime as dt
import json

import pytest
from nautilus_trader.model.data import Bar, TradeTick

from adapters.alphavantage.data_types import (
    CompanyOverview,
    EarningsEvent,
    FinancialStatement,
    NewsSentiment,
)
from adapters.alphavantage.http.vendor_errors import check_body
from adapters.alphavantage.parsing.bars import DailyBars, parse_daily_adjusted_csv
from adapters.alphavantage.parsing.fundamentals import Parsed
from adapters.alphavantage.parsing.news import NewsBatch
from adapters.alphavantage.schemas.time_series import decode_daily_adjusted_csv
from options.market_calendar import nyse_calendar
from tests.conftest import shared_data_path
from tests.unit.adapters.alphavantage.pipelines import CSV_PIPELINES, JSON_PIPELINES

AV = "alpha_vantage"
SUPPORTED: dict[str, tuple[str, bool]] = {
    "crazzyghost_alphavantage_java/timeseries__dailyadjusted.json": (
        "TIME_SERIES_DAILY_ADJUSTED",
        False,
    ),
    "csv/daily_adjusted_AAPL.csv": ("TIME_SERIES_DAILY_ADJUSTED", True),
    "csv/daily_adjusted_IBM.csv": ("TIME_SERIES_DAILY_ADJUSTED", True),
    "csv/daily_adjusted_SPY.csv": ("TIME_SERIES_DAILY_ADJUSTED", True),
    "crazzyghost_alphavantage_java/timeseries__daily.json": ("TIME_SERIES_DAILY", False),
    "csv/daily_SPY.csv": ("TIME_SERIES_DAILY", True),
    "csv/compact_recent/IWM.csv": ("TIME_SERIES_DAILY", True),
    "csv/compact_recent/QQQ.csv": ("TIME_SERIES_DAILY", True),
    "csv/compact_recent/SPY.csv": ("TIME_SERIES_DAILY", True),
    "crazzyghost_alphavantage_java/timeseries__intraday.json": ("TIME_SERIES_INTRADAY", False),
    "romeltorres_alpha_vantage/mock_time_series.json": ("TIME_SERIES_INTRADAY", False),
    "xrgarcia_alphavantage_api_client/mock_stock_price_full.json": ("TIME_SERIES_INTRADAY", False),
    "crazzyghost_alphavantage_java/timeseries__globalquote.json": ("GLOBAL_QUOTE", False),
    "romeltorres_alpha_vantage/global_quote.json": ("GLOBAL_QUOTE", False),
    "xrgarcia_alphavantage_api_client/mock_stock_quote.json": ("GLOBAL_QUOTE", False),
    "xrgarcia_alphavantage_api_client/mock_news_an_sentiment.json": ("NEWS_SENTIMENT", False),
    "crazzyghost_alphavantage_java/fundamentaldata__companyoverview.json": ("OVERVIEW", False),
    "romeltorres_alpha_vantage/mock_company_overview.json": ("OVERVIEW", False),
    "trantorvector_validation_raw/overview_AAPL_20260111.json": ("OVERVIEW", False),
    "xrgarcia_alphavantage_api_client/mock_company_profile.json": ("OVERVIEW", False),
    "crazzyghost_alphavantage_java/fundamentaldata__earnings.json": ("EARNINGS", False),
    "romeltorres_alpha_vantage/mock_earnings_data.json": ("EARNINGS", False),
    "xrgarcia_alphavantage_api_client/mock_earnings.json": ("EARNINGS", False),
    "trantorvector_validation_raw/earnings_calendar_IBM_20260111.csv": ("EARNINGS_CALENDAR", True),
    "crazzyghost_alphavantage_java/fundamentaldata__incomestatement.json": (
        "INCOME_STATEMENT",
        False,
    ),
    "romeltorres_alpha_vantage/mock_fundamental_data.json": ("INCOME_STATEMENT", False),
    "trantorvector_validation_raw/income_statement_AAPL_20260111.json": (
        "INCOME_STATEMENT",
        False,
    ),
    "xrgarcia_alphavantage_api_client/mock_income_statement.json": ("INCOME_STATEMENT", False),
    "crazzyghost_alphavantage_java/fundamentaldata__balancesheet.json": ("BALANCE_SHEET", False),
    "xrgarcia_alphavantage_api_client/mock_balance_sheet.json": ("BALANCE_SHEET", False),
    "crazzyghost_alphavantage_java/fundamentaldata__cashflow.json": ("CASH_FLOW", False),
    "xrgarcia_alphavantage_api_client/mock_cash_flow.json": ("CASH_FLOW", False),
    "crazzyghost_alphavantage_java/marketstatus__data.json": ("MARKET_STATUS", False),
}
UNSUPPORTED = {
    # technical indicators, economic indicators, weekly/monthly series, bulk quotes, FX,
    # sector performance, symbol search, call transcripts: not endpoints of this adapter
    "crazzyghost_alphavantage_java/economicindicator__federalfundsrate.json",
    "crazzyghost_alphavantage_java/economicindicator__treasuryyield.json",
    "crazzyghost_alphavantage_java/technicalindicator__atr.json",
    "crazzyghost_alphavantage_java/technicalindicator__bbands.json",
    "crazzyghost_alphavantage_java/technicalindicator__ema.json",
    "crazzyghost_alphavantage_java/technicalindicator__macd.json",
    "crazzyghost_alphavantage_java/technicalindicator__rsi.json",
    "crazzyghost_alphavantage_java/technicalindicator__sma.json",
    "crazzyghost_alphavantage_java/timeseries__monthly.json",
    "crazzyghost_alphavantage_java/timeseries__monthlyadjusted.json",
    "crazzyghost_alphavantage_java/timeseries__realtimebulkquote.json",
    "crazzyghost_alphavantage_java/timeseries__weekly.json",
    "crazzyghost_alphavantage_java/timeseries__weeklyadjusted.json",
    "romeltorres_alpha_vantage/mock_foreign_exchange.json",
    "romeltorres_alpha_vantage/mock_sector.json",
    "romeltorres_alpha_vantage/mock_technical_indicator.json",
    "romeltorres_alpha_vantage/symbol_search.json",
    "trantorvector_validation_raw/earnings_call_transcript_AAPL_empty_20260111.json",
    "xrgarcia_alphavantage_api_client/mock_real_gdp.json",
    "xrgarcia_alphavantage_api_client/mock_technical_indicator_ema.json",
    "xrgarcia_alphavantage_api_client/mock_technical_indicator_sma_equity.json",
}
FIRST_SESSION = nyse_calendar().first_session.date()


def test_every_recorded_file_is_classified() -> None:
    root = shared_data_path(AV)
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert files == set(SUPPORTED) | UNSUPPORTED


def parse_recorded(relative: str) -> tuple[str, bytes, object]:
    function, is_csv = SUPPORTED[relative]
    body = shared_data_path(f"{AV}/{relative}").read_bytes()
    check_body(body, function, csv=is_csv)
    pipelines = CSV_PIPELINES if is_csv else JSON_PIPELINES
    return function, body, pipelines[function](body)


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(body.decode().splitlines()))


@pytest.mark.parametrize("relative", sorted(SUPPORTED))
def test_recorded_reply_parses(relative: str) -> None:
    function, body, result = parse_recorded(relative)
    is_csv = SUPPORTED[relative][1]
    raw = _csv_rows(body) if is_csv else json.loads(body)
    match function:
        case "TIME_SERIES_DAILY_ADJUSTED" | "TIME_SERIES_DAILY":
            assert isinstance(result, DailyBars)
            days = [row["timestamp"] for row in raw] if is_csv else list(raw["Time Series (Daily)"])
            pre_calendar = [d for d in days if dt.date.fromisoformat(d) < FIRST_SESSION]
            assert len(result.bars) == len(days) - len(pre_calendar)
            assert sorted(r.key for r in result.rejected) == sorted(pre_calendar)
            ts = [bar.ts_event for bar in result.bars]
            assert ts == sorted(ts) and len(set(ts)) == len(ts)
            if function == "TIME_SERIES_DAILY_ADJUSTED":
                assert len(result.adjusted_bars) == len(result.bars)
                events = sum(
                    1
                    for d, row in _daily_adjusted_rows(raw, is_csv)
                    if dt.date.fromisoformat(d) >= FIRST_SESSION
                    and (float(row[0]) != 0 or float(row[1]) != 1)
                )
                assert len(result.actions) == events
        case "TIME_SERIES_INTRADAY":
            bars, rejected = result  # type: ignore[misc]
            series = next(v for k, v in raw.items() if k.startswith("Time Series"))
            assert not rejected
            assert len(bars) == len(series)
            assert all(isinstance(bar, Bar) for bar in bars)
        case "GLOBAL_QUOTE":
            assert isinstance(result, TradeTick)
            assert result.price.as_double() == pytest.approx(
                float(raw["Global Quote"]["05. price"])
            )
        case "NEWS_SENTIMENT":
            assert isinstance(result, NewsBatch)
            assert not result.rejected
            pairs = sum(len(article["ticker_sentiment"]) for article in raw["feed"])
            assert len(result.records) == pairs
            assert all(isinstance(r, NewsSentiment) for r in result.records)
            assert {r.label for r in result.records} <= {
                "Bearish",
                "Somewhat-Bearish",
                "Neutral",
                "Somewhat-Bullish",
                "Bullish",
            }
        case "OVERVIEW":
            assert isinstance(result, CompanyOverview)
            assert result.instrument_id.symbol.value == raw["Symbol"]
            assert result.market_capitalization == float(raw["MarketCapitalization"])
        case "EARNINGS":
            parsed, releases = result  # type: ignore[misc]
            dated = [q for q in raw["quarterlyEarnings"] if q.get("reportedDate")]
            assert len(parsed.records) + len(parsed.rejected) == len(raw["quarterlyEarnings"])
            assert len(parsed.records) >= len(dated) - len(parsed.rejected)
            assert all(isinstance(e, EarningsEvent) for e in parsed.records)
            assert len(releases) == len(parsed.records)
        case "EARNINGS_CALENDAR":
            assert isinstance(result, Parsed)
            assert len(result.records) == len(raw) and not result.rejected
        case "INCOME_STATEMENT" | "BALANCE_SHEET" | "CASH_FLOW":
            assert isinstance(result, Parsed)
            assert not result.rejected
            assert len(result.records) == len(raw["annualReports"]) + len(raw["quarterlyReports"])
            assert all(isinstance(r, FinancialStatement) for r in result.records)
        case "MARKET_STATUS":
            assert result is (
                next(m for m in raw["markets"] if m["region"] == "United States")["current_status"]
                == "open"
            )
        case _:
            pytest.fail(f"no assertions for {function}")


def _daily_adjusted_rows(raw: object, is_csv: bool) -> list[tuple[str, tuple[str, str]]]:
    if is_csv:
        assert isinstance(raw, list)
        return [(r["timestamp"], (r["dividend_amount"], r["split_coefficient"])) for r in raw]
    assert isinstance(raw, dict)
    return [
        (d, (v["7. dividend amount"], v["8. split coefficient"]))
        for d, v in raw["Time Series (Daily)"].items()
    ]


def test_daily_adjusted_aapl_keeps_splits_and_adjusts_prices() -> None:
    body = shared_data_path(f"{AV}/csv/daily_adjusted_AAPL.csv").read_bytes()
    result = parse_daily_adjusted_csv(decode_daily_adjusted_csv(body), "AAPL")
    splits = {a.ex_date: a.split_coefficient for a in result.actions if a.split_coefficient != 1}
    assert splits["2020-08-31"] == 4.0
    assert splits["2014-06-09"] == pytest.approx(7.0, rel=1e-5)
    last_raw, last_adjusted = result.bars[-1], result.adjusted_bars[-1]
    assert str(last_raw.bar_type) == "AAPL.US-1-DAY-LAST-EXTERNAL"
    assert str(last_adjusted.bar_type) == "AAPL.ADJ.US-1-DAY-LAST-EXTERNAL"
    # 2020-11-25, a Wednesday in winter: close 16:00 New York = 21:00 UTC
    assert last_raw.ts_event == last_raw.ts_init == 1_606_338_000_000_000_000
    assert last_raw.close.as_double() == 116.03


def test_news_is_stamped_at_publication_in_new_york_time() -> None:
    _, _, result = parse_recorded("xrgarcia_alphavantage_api_client/mock_news_an_sentiment.json")
    assert isinstance(result, NewsBatch)
    first = next(r for r in result.records if r.title.startswith("Cabaletta Bio"))
    # 20220914T141049 read as New York (EDT, UTC-4) = 18:10:49 UTC
    assert first.ts_event == first.ts_init == 1_663_179_049_000_000_000
    assert first.instrument_id.value == "ACCD.US"
    assert first.topics["Financial Markets"] == pytest.approx(0.684621)


def test_statements_are_stamped_at_the_earnings_release() -> None:
    from adapters.alphavantage.parsing.fundamentals import earnings_release_times, parse_statements
    from adapters.alphavantage.schemas.fundamentals import decode_earnings, decode_statement

    earnings = decode_earnings(
        shared_data_path(f"{AV}/xrgarcia_alphavantage_api_client/mock_earnings.json").read_bytes()
    )
    income = decode_statement(
        shared_data_path(
            f"{AV}/xrgarcia_alphavantage_api_client/mock_income_statement.json"
        ).read_bytes(),
        "INCOME_STATEMENT",
    )
    parsed = parse_statements(income, "INCOME_STATEMENT", earnings_release_times(earnings))
    q1 = next(
        r
        for r in parsed.records
        if r.period == "quarterly" and r.fiscal_date_ending == "2022-03-31"
    )
    # released 2022-04-19 with no time given: known at the next session's open, 2022-04-20 09:30
    assert q1.ts_init == 1_650_461_400_000_000_000
    assert q1.values["totalRevenue"] == 14_197_000_000.0

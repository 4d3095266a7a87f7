"""Earnings blackouts from a catalog of real Alpha Vantage earnings (IBM), known as of release.

Data: the real EARNINGS response for IBM and the real EARNINGS_CALENDAR CSV for IBM captured
2026-01-11 (../shared/data/alpha_vantage), parsed by the project's Alpha Vantage parsers and
written to a temporary catalog, then read by the risk guard's loader.
"""

import dataclasses
from pathlib import Path

import pytest

from actors.risk_guard import load_earnings
from adapters.alphavantage.parsing.fundamentals import parse_earnings, parse_earnings_calendar
from adapters.alphavantage.schemas.fundamentals import decode_earnings, decode_earnings_calendar
from catalog.writer import write_to_catalog
from risk.trading_window import TradingWindowConfig, check_window
from tests.conftest import shared_data_path
from tests.unit.risk.test_pretrade import ny_ns, short_put

EARNINGS = "alpha_vantage/xrgarcia_alphavantage_api_client/mock_earnings.json"
CALENDAR = "alpha_vantage/trantorvector_validation_raw/earnings_calendar_IBM_20260111.csv"
FETCHED = ny_ns("2026-01-11", 12)


@pytest.fixture(scope="module")
def earnings_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reported = parse_earnings(decode_earnings(shared_data_path(EARNINGS).read_bytes())).records
    rows = decode_earnings_calendar(shared_data_path(CALENDAR).read_text())
    scheduled = parse_earnings_calendar(rows, FETCHED).records
    catalog = tmp_path_factory.mktemp("earnings")
    write_to_catalog(catalog, [*reported, *scheduled])
    return catalog


def ibm_put(when: int):  # type: ignore[no-untyped-def]
    return dataclasses.replace(short_put(ts_ns=when), underlying="IBM")


def test_the_scheduled_date_blacks_out_the_days_around_it_once_published(
    earnings_catalog: Path,
) -> None:
    events = load_earnings(earnings_catalog, ["IBM"])
    assert [e for e in events if e.date == "2026-01-28"]  # the calendar's next report
    config = TradingWindowConfig(earnings_days_before=1, earnings_days_after=0)
    allowed = {
        day: check_window(config, ibm_put(ny_ns(day, 15)), events).allowed
        for day in ("2026-01-26", "2026-01-27", "2026-01-28", "2026-01-29")
    }
    assert allowed == {"2026-01-26": 1, "2026-01-27": 0, "2026-01-28": 0, "2026-01-29": 1}
    blocked = check_window(config, ibm_put(ny_ns("2026-01-27", 15)), events)
    assert "earnings of IBM on 2026-01-28" in blocked.reason
    # before the calendar was fetched the date was not known
    early = TradingWindowConfig(earnings_days_before=20, earnings_days_after=0)
    assert check_window(early, ibm_put(ny_ns("2026-01-09", 15)), events).allowed == 1
    assert check_window(early, ibm_put(ny_ns("2026-01-12", 15)), events).allowed == 0


def test_a_reported_release_counts_from_its_publication(earnings_catalog: Path) -> None:
    events = load_earnings(earnings_catalog, ["IBM"])
    reported = sorted(e for e in events if e.date == "2021-04-19")
    assert reported, "IBM reported on 2021-04-19 (post-market)"
    config = TradingWindowConfig(earnings_days_before=0, earnings_days_after=1)
    # 2021-04-19 after the close the release is public: the next session is blacked out
    assert check_window(config, ibm_put(ny_ns("2021-04-20", 15)), events).allowed == 0
    assert check_window(config, ibm_put(ny_ns("2021-04-21", 15)), events).allowed == 1
    # at 15:00 on the day the post-market release was not yet known
    assert check_window(config, ibm_put(ny_ns("2021-04-19", 15)), events).allowed == 1
    assert load_earnings(earnings_catalog, ["SPY"]) == []


def test_a_missing_earnings_catalog_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"earnings_catalog .*nope is not a directory"):
        load_earnings(tmp_path / "nope")

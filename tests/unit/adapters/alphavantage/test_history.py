"""Pure pieces of the request history: windows, bar types served, the session cap."""

import datetime as dt

import pandas as pd
import pytest
from nautilus_trader.model.data import BarType

from adapters.alphavantage.history import DAILY, HistoryClient, Window, bar_interval, window_of
from adapters.alphavantage.http import AlphaVantageHttpClient
from adapters.alphavantage.parsing.bars import intraday_bar_type
from tests.unit.adapters.alphavantage.fakes import TEST_KEY

NOW = pd.Timestamp("2021-06-07 12:00", tz="UTC").value


def test_window_of_reads_naive_as_utc_and_caps_the_end_at_now() -> None:
    window = window_of(pd.Timestamp("2021-06-01"), pd.Timestamp("2030-01-01", tz="UTC"), 3, NOW)
    assert window == Window(pd.Timestamp("2021-06-01", tz="UTC").value, NOW, 3, NOW)
    assert window_of(None, None, 0, NOW) == Window(0, NOW, 0, NOW)
    start = dt.datetime(2021, 6, 1, 4, tzinfo=dt.UTC)
    assert window_of(start, None, 0, NOW).start_day == dt.date(2021, 6, 1)  # 00:00 New York


def test_window_clip_keeps_the_newest_within_bounds() -> None:
    class Stamped:
        def __init__(self, ts: int) -> None:
            self.ts_event = ts

    items = [Stamped(ts) for ts in (50, 10, 40, 20, 30, 5)]
    assert [x.ts_event for x in Window(10, 40, 0, NOW).clip(items)] == [10, 20, 30, 40]
    assert [x.ts_event for x in Window(10, 40, 2, NOW).clip(items)] == [30, 40]


@pytest.mark.parametrize(
    ("bar_type", "interval"),
    [
        ("SPY.US-1-DAY-LAST-EXTERNAL", DAILY),
        ("SPY.US-1-MINUTE-LAST-EXTERNAL", "1min"),
        ("IBM.US-30-MINUTE-LAST-EXTERNAL", "30min"),
        ("IBM.US-1-HOUR-LAST-EXTERNAL", "60min"),
    ],
)
def test_bar_interval(bar_type: str, interval: str) -> None:
    assert bar_interval(BarType.from_str(bar_type)) == interval


def test_vendor_60min_is_the_one_hour_bar_type() -> None:
    assert str(intraday_bar_type("IBM", "60min")) == "IBM.US-1-HOUR-LAST-EXTERNAL"


def test_bar_interval_refuses_option_bars() -> None:
    with pytest.raises(ValueError, match="no option bars"):
        bar_interval(BarType.from_str("SPY210618C00410000.US-1-DAY-LAST-EXTERNAL"))


async def test_history_client_needs_a_positive_session_cap() -> None:
    http = AlphaVantageHttpClient(api_key=TEST_KEY, base_url="https://av.test")
    with pytest.raises(ValueError, match="max_history_sessions was 0"):
        HistoryClient(http, 0)
    await http.close()

"""Buy-and-hold through splits (AAPL's raw closes around 2020-08-31, from LEAN's daily file)."""

import pandas as pd
import pytest

from actors.records import ClosePoint
from tradefly.backtest.benchmark import held_share_values
from tradefly.backtest.results import SplitPoint


def _ns(day: str, time: str) -> int:
    return int(pd.Timestamp(f"{day} {time}", tz="America/New_York").value)


CLOSES = [
    ClosePoint(_ns("2020-08-27", "16:00"), 500.04),
    ClosePoint(_ns("2020-08-28", "16:00"), 499.23),
    ClosePoint(_ns("2020-08-31", "16:00"), 129.04),
    ClosePoint(_ns("2020-09-01", "16:00"), 134.18),
]
SPLIT_2020 = SplitPoint(_ns("2020-08-31", "09:30"), 4.0)


def test_one_share_becomes_four_on_the_ex_date() -> None:
    values = held_share_values(CLOSES, [SPLIT_2020]).tolist()
    assert values == pytest.approx([500.04, 499.23, 4 * 129.04, 4 * 134.18])


def test_without_split_records_the_raw_closes_are_held() -> None:
    assert held_share_values(CLOSES, []).tolist() == [500.04, 499.23, 129.04, 134.18]


def test_a_split_before_the_first_close_changes_nothing() -> None:
    earlier = SplitPoint(_ns("2014-06-09", "09:30"), 7.0)
    values = held_share_values(CLOSES, [earlier, SPLIT_2020]).tolist()
    assert values == pytest.approx([500.04, 499.23, 4 * 129.04, 4 * 134.18])

"""Field parsers, reject counting and layout detection shared by the loaders."""

import datetime as dt
from pathlib import Path

import pytest

from catalog.validation import (
    Layout,
    RejectCounter,
    RejectReason,
    RowRejected,
    check_bar_prices,
    detect_layout,
    parse_count,
    parse_date,
    parse_price,
    session_close,
)
from options.market_calendar import session_close_ns

A = Layout("a", ("x", "y"))
B = Layout("b", ("x", "z"))


def _reason(call: object, *args: object) -> RejectReason:
    with pytest.raises(RowRejected) as info:
        call(*args)  # type: ignore[operator]
    return info.value.reason


def test_parse_price_rounds_half_even_and_rejects_negatives() -> None:
    assert str(parse_price("43.96875", 4)) == "43.9688"
    assert str(parse_price("728.760009765625", 4)) == "728.7600"
    assert str(parse_price("0.125", 2)) == "0.12"
    assert str(parse_price("0", 2)) == "0.00"
    assert _reason(parse_price, "-0.01", 2) is RejectReason.NEGATIVE_PRICE
    assert _reason(parse_price, "abc", 2) is RejectReason.UNPARSEABLE_NUMBER
    assert _reason(parse_price, "nan", 2) is RejectReason.UNPARSEABLE_NUMBER
    assert _reason(parse_price, "inf", 2) is RejectReason.UNPARSEABLE_NUMBER


def test_parse_count_accepts_whole_floats_only() -> None:
    assert parse_count("48199") == 48199
    assert parse_count("12.0") == 12
    assert _reason(parse_count, "1.5") is RejectReason.UNPARSEABLE_NUMBER
    assert _reason(parse_count, "-3") is RejectReason.NEGATIVE_QUANTITY


def test_parse_date_is_strict_iso() -> None:
    assert parse_date("2021-01-05") == dt.date(2021, 1, 5)
    assert _reason(parse_date, "01/05/2021") is RejectReason.UNPARSEABLE_DATE
    assert _reason(parse_date, "2021-02-30") is RejectReason.UNPARSEABLE_DATE


def test_session_close_rejects_holidays_weekends_and_out_of_range() -> None:
    assert session_close(dt.date(2021, 1, 5)) == session_close_ns(dt.date(2021, 1, 5))
    assert _reason(session_close, dt.date(2021, 1, 18)) is RejectReason.NON_SESSION  # MLK day
    assert _reason(session_close, dt.date(2021, 1, 9)) is RejectReason.NON_SESSION  # Saturday
    assert _reason(session_close, dt.date(2100, 1, 4)) is RejectReason.OUTSIDE_CALENDAR


def test_bar_price_checks() -> None:
    p = lambda text: parse_price(text, 2)  # noqa: E731
    check_bar_prices(p("1.00"), p("1.10"), p("0.90"), p("1.05"))
    check_bar_prices(p("1.00"), p("1.00"), p("1.00"), p("1.00"))
    high_below_low = (p("1.00"), p("0.90"), p("1.10"), p("1.00"))
    assert _reason(check_bar_prices, *high_below_low) is RejectReason.HIGH_BELOW_LOW
    open_above_high = (p("1.20"), p("1.10"), p("0.90"), p("1.00"))
    assert _reason(check_bar_prices, *open_above_high) is RejectReason.OPEN_CLOSE_OUTSIDE_RANGE


def test_reject_counter_counts_by_reason_most_frequent_first() -> None:
    counter = RejectCounter()
    counter.add(RejectReason.CROSSED_QUOTE)
    counter.add(RejectReason.NON_SESSION, 3)
    other = RejectCounter()
    other.add(RejectReason.CROSSED_QUOTE, 4)
    counter.update(other)
    assert counter.total == 8
    assert counter[RejectReason.CROSSED_QUOTE] == 5
    assert counter.as_dict() == {"bid above ask": 5, "date is not a NYSE session": 3}


def test_detect_layout_by_header_or_name() -> None:
    assert detect_layout(["X", "y", "extra"], (A, B), Path("f.csv")) is A
    assert detect_layout(["x", "z"], (A, B), Path("f.csv")) is B
    assert detect_layout(["x", "y", "z"], (A, B), Path("f.csv"), name="b") is B


def test_detect_layout_errors_name_the_expected_headers() -> None:
    with pytest.raises(ValueError, match=r"f\.csv: header was 'q,r'.*a: x,y; b: x,z"):
        detect_layout(["q", "r"], (A, B), Path("f.csv"))
    with pytest.raises(ValueError, match=r"Expected headers containing the columns of b: x,z"):
        detect_layout(["x", "y"], (A, B), Path("f.csv"), name="b")
    with pytest.raises(ValueError, match="layout was 'c'; expected one of: a, b"):
        detect_layout(["x", "y"], (A, B), Path("f.csv"), name="c")

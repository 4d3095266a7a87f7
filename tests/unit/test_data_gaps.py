"""Sessions without option data: runs of missing sessions and the one-line warning."""

import datetime as dt

from tradefly.backtest.data_gaps import gap_warning, option_data_gaps

D = dt.date


def test_gaps_are_runs_of_sessions_skipping_weekends_and_holidays() -> None:
    covered = {D(2021, 1, 4), D(2021, 1, 5), D(2021, 1, 13), D(2021, 1, 20)}
    # 2021-01-18 is Martin Luther King Jr. Day: not a session, so 14-19 is one run.
    assert option_data_gaps(D(2021, 1, 4), D(2021, 1, 20), covered) == [
        (D(2021, 1, 6), D(2021, 1, 12), 5),
        (D(2021, 1, 14), D(2021, 1, 19), 3),
    ]


def test_warning_lists_the_longest_gaps_or_nothing_when_complete() -> None:
    covered = {D(2021, 1, 4), D(2021, 1, 5), D(2021, 1, 13), D(2021, 1, 20)}
    assert gap_warning("SPY", D(2021, 1, 4), D(2021, 1, 20), covered) == (
        "warning: 8 of 12 sessions of SPY options from 2021-01-04 to 2021-01-20 have no "
        "option data; longest gaps: 2021-01-06..2021-01-12 (5 sessions), "
        "2021-01-14..2021-01-19 (3 sessions)"
    )
    assert gap_warning("SPY", D(2021, 1, 4), D(2021, 1, 5), covered) is None

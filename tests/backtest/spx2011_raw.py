"""The raw iVolatility SPX week read without project code: each contract's bid and ask per day.

For the hand computations of the tests on ``options_chains/ivolatility/spx_sample_ivolatility.csv``
(SPX, SPXW and SPXPM chains, 2011-01-03..01-07).
"""

import csv
import datetime as dt
import functools
from decimal import Decimal

from tests.backtest.conftest import SPX2011_WEEK
from tests.conftest import shared_data_path

Quotes = dict[tuple[str, dt.date], tuple[Decimal, Decimal]]


@functools.cache
def raw_quotes() -> Quotes:
    """Return (OCC symbol without spaces, date) -> (bid, ask), straight from the file."""
    with shared_data_path(SPX2011_WEEK).open(newline="") as handle:
        return {
            (row["option_symbol"].replace(" ", ""), _date(row["date"])): (
                Decimal(row["bid"]),
                Decimal(row["ask"]),
            )
            for row in csv.DictReader(handle)
        }


def _date(text: str) -> dt.date:
    month, day, year = text.split("/")
    return dt.date(int(year), int(month), int(day))

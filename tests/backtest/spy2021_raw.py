"""The raw SPY 2021 files read without project code: one contract's row, one session's close.

For the hand computations of the engine tests on the real SPY 2021 chain
(``options_chains/lambdaclass_SPY_options_2021_prod_1y.csv``) and its daily bars.
"""

import csv
import datetime as dt
import functools
from decimal import Decimal

from tests.backtest.conftest import SPY2021_BARS, SPY2021_CHAIN
from tests.conftest import shared_data_path


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    with shared_data_path(SPY2021_CHAIN).open(newline="") as handle:
        return tuple(csv.DictReader(handle))


def raw(symbol: str, day: str) -> dict[str, Decimal]:
    """Return the bid, ask, delta, strike and volume of `symbol` on `day` (ISO), from the file."""
    for row in _rows():
        if row["optionroot"] == symbol and row["quotedate"] == day:
            return {k: Decimal(row[k]) for k in ("bid", "ask", "delta", "strike", "volume")}
    raise AssertionError(f"{symbol} not quoted on {day}")


def quoted_days(symbol: str) -> list[str]:
    """Return the sessions (ISO, ascending) on which the file quotes `symbol`."""
    return sorted(row["quotedate"] for row in _rows() if row["optionroot"] == symbol)


def chain_of(
    day: str, kind: str, expiration: str | None = None, dte: tuple[int, int] = (0, 10_000)
) -> dict[str, dict[str, Decimal]]:
    """Return the `kind` (``put``/``call``) rows of `day` on `expiration` (any when None) with
    days to expiration in `dte` (inclusive): OCC symbol -> bid, ask, delta, strike."""
    session = dt.date.fromisoformat(day)
    return {
        row["optionroot"]: raw(row["optionroot"], day)
        for row in _rows()
        if row["quotedate"] == day
        and row["type"] == kind
        and expiration in (None, row["expiration"])
        and dte[0] <= (dt.date.fromisoformat(row["expiration"]) - session).days <= dte[1]
    }


@functools.cache
def _closes() -> dict[str, Decimal]:
    with shared_data_path(SPY2021_BARS).open(newline="") as handle:
        return {row["date"]: Decimal(row["close"]) for row in csv.DictReader(handle)}


def close(day: str) -> Decimal:
    """Return SPY's close of `day` (ISO) from the daily bars file."""
    return _closes()[day]


def closes_between(first: str, last: str) -> dict[str, Decimal]:
    """Return SPY's closes of the sessions from `first` to `last` (ISO, inclusive)."""
    return {day: value for day, value in _closes().items() if first <= day <= last}

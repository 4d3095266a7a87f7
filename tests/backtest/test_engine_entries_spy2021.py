"""Entry rules of ``StructureEngine`` in backtests on the real SPY 2021 chain: liquidity filters
and ``entry_schedule: once_per_expiration``, against hand computations from the raw file.

Runs: the reference config (``configs/backtest/spy2021_weekly_put.yaml``: sell the put whose
vendor delta is nearest -0.50 over every expiration 25-50 days out, at its bid, 0.65 USD a
contract) with the fields each test names.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from tests.backtest.spy2021_raw import chain_of, close, closes_between, raw
from tests.backtest.spy2021_runs import cents, run_variant, trades

START = Decimal(1_000_000)
FEE = Decimal("0.65")
DAY = "2021-02-02"
# The puts 25-50 days out on 2021-02-02 (all expire 2021-03-19), from the raw file:
# symbol: (bid, ask, delta). Width = ask - bid; fraction = width / mid.
PUTS_0202 = {
    "SPY210319P00360000": ("5.79", "5.84", "-0.25309"),  # width 0.05, fraction 0.0086
    "SPY210319P00363000": ("6.33", "6.38", "-0.27591"),  # width 0.05, fraction 0.0079
    "SPY210319P00375000": ("9.11", "9.17", "-0.39882"),  # width 0.06, fraction 0.0066
    "SPY210319P00380000": ("10.69", "10.76", "-0.46310"),  # width 0.07, fraction 0.0065
    "SPY210319P00382000": ("11.37", "11.50", "-0.49114"),  # width 0.13, fraction 0.0114
}


def test_the_raw_puts_of_the_liquidity_session() -> None:
    rows = chain_of(DAY, "put", dte=(25, 50))
    assert {s: (r["bid"], r["ask"], r["delta"]) for s, r in rows.items()} == {
        s: tuple(map(Decimal, v)) for s, v in PUTS_0202.items()
    }
    assert close("2021-03-19") == Decimal("389.48")  # above every strike: all expire worthless


@pytest.mark.parametrize(
    ("filters", "sold"),
    [
        # No filter: the 382 put, delta nearest -0.50.
        ({}, "SPY210319P00382000"),
        # Its width 0.13 is above 0.10: the next nearest delta, the 380 put (width 0.07).
        ({"max_spread": 0.10}, "SPY210319P00380000"),
        # Its width is 0.13 / 11.435 = 1.14 % of its mid, above 1 %: the 380 put (0.65 %).
        ({"max_spread_fraction": 0.01}, "SPY210319P00380000"),
        # Every put in the window is wider than 0.04 dollars, or than 0.6 % of its mid: none.
        ({"max_spread": 0.04}, None),
        ({"max_spread_fraction": 0.006}, None),
    ],
)
def test_liquidity_filters_keep_a_too_wide_put_out(
    spy2021_catalog: Path, filters: dict[str, float], sold: str | None
) -> None:
    quotes = {s: tuple(map(Decimal, v)) for s, v in PUTS_0202.items()}
    width = {s: ask - bid for s, (bid, ask, _) in quotes.items()}
    fraction = {s: width[s] / ((bid + ask) / 2) for s, (bid, ask, _) in quotes.items()}
    assert min(width.values()) == Decimal("0.05") and min(fraction.values()) > Decimal("0.006")
    assert fraction["SPY210319P00382000"] > Decimal("0.01") > fraction["SPY210319P00380000"]

    result = run_variant(
        spy2021_catalog, entry_schedule="daily", entry_start=DAY, entry_end=DAY, **filters
    )

    if sold is None:
        assert result.trades == [] and cents(result.ending_balance) == START
        return
    bid = quotes[sold][0]
    pnl = bid * 100 - FEE  # held to 2021-03-19, expires worthless
    assert trades(result) == [(DAY, sold, "SELL", 1, bid, "expired", pnl)]
    assert cents(result.ending_balance) == START + pnl


def _first_entry(cycle: str, first: str, last: str) -> tuple[str, str]:
    """The first session in [first, last] quoting a put of `cycle` 25-50 days out, and that
    session's put of `cycle` whose delta is nearest -0.50."""
    for day in sorted(closes_between(first, last)):
        puts = chain_of(day, "put", expiration=cycle, dte=(25, 50))
        if puts:
            return day, min(puts, key=lambda s: abs(puts[s]["delta"] + Decimal("0.5")))
    raise AssertionError(f"no put of {cycle} in the window from {first} to {last}")


def test_once_per_expiration_enters_each_monthly_cycle_once(spy2021_catalog: Path) -> None:
    # entry_schedule once_per_expiration, monthly_only, expiration_choice nearest, every
    # session from 2021-01-04 to 2021-03-31 may enter: one put per monthly cycle, sold on the
    # first session that cycle has a put quoted 25-50 days out (the nearest -0.50 delta):
    # - 2021-02-19: 2021-01-04 (46 days out), SPY210219P00370000 at 11.28;
    # - 2021-03-19: in the window from 2021-01-28 (50 days), but the file quotes none of its
    #   puts that session: 2021-01-29, SPY210319P00350000 at 9.39;
    # - 2021-04-16: 2021-02-25 (50 days), SPY210416P00375000 at 10.21;
    # - 2021-05-21 enters the window on 2021-04-01, after the last entry session.
    # Every session between finds its cycle traded and the next not yet in the window: no
    # entry. All three expire worthless (SPY
    # closes 390.03, 389.48, 417.26 on their expirations): P&L = the bids x 100 less 3 x 0.65
    # = 1,127.35 + 938.35 + 1,020.35 = 3,086.05.
    expected = [
        ("2021-01-04", "SPY210219P00370000", "2021-02-19", Decimal("11.28")),
        ("2021-01-29", "SPY210319P00350000", "2021-03-19", Decimal("9.39")),
        ("2021-02-25", "SPY210416P00375000", "2021-04-16", Decimal("10.21")),
    ]
    for day, symbol, cycle, bid in expected:
        assert _first_entry(cycle, "2021-01-04", "2021-03-31") == (day, symbol)
        assert raw(symbol, day)["bid"] == bid
        assert close(cycle) > raw(symbol, day)["strike"]
    assert not chain_of("2021-03-31", "put", expiration="2021-05-21", dte=(25, 50))
    pnls = [bid * 100 - FEE for _, _, _, bid in expected]
    assert sum(pnls) == Decimal("3086.05")

    result = run_variant(
        spy2021_catalog,
        end="2021-04-19",
        entry_schedule="once_per_expiration",
        monthly_only=True,
        expiration_choice="nearest",
        entry_start="2021-01-04",
        entry_end="2021-03-31",
    )

    assert trades(result) == [
        (day, symbol, "SELL", 1, bid, "expired", pnl)
        for (day, symbol, _, bid), pnl in zip(expected, pnls, strict=True)
    ]
    assert cents(result.ending_balance) == START + sum(pnls)
    assert cents(result.realized_pnl) == sum(pnls)

"""30-day ATM IV, IV rank and IV percentile (`options/iv_metrics.py`), by hand and on real data."""

import csv
import datetime as dt
import math
from collections import defaultdict

import pytest
from nautilus_trader.model.enums import OptionKind

from options.chain_selection import ChainQuote
from options.iv_metrics import (
    atm_iv_30d,
    atm_iv_by_expiration,
    atm_ivs_30d,
    constant_maturity_iv,
    contract_ivs,
    iv_percentile,
    iv_rank,
)
from options.pricing import bs_price
from tests.conftest import shared_data_path

C, P = OptionKind.CALL, OptionKind.PUT
TODAY = dt.date(2024, 1, 2)


def priced_quote(kind: OptionKind, days: int, strike: float, vol: float, spot: float) -> ChainQuote:
    price = bs_price(spot, strike, days / 365.0, vol, 0.0, 0.0, kind == C)
    return ChainQuote(TODAY + dt.timedelta(days=days), kind, strike, price, price)


def test_flat_vol_chain_without_vendor_iv_gives_that_vol_from_prices() -> None:
    chain = [
        priced_quote(kind, days, strike, 0.25, 101.0)
        for kind in (C, P)
        for days in (21, 49)
        for strike in (95.0, 100.0, 105.0)
    ]
    assert atm_iv_30d(chain, 101.0, TODAY) == pytest.approx(0.25, abs=1e-9)


def test_atm_iv_interpolates_in_strike_and_averages_call_and_put() -> None:
    expiration = TODAY + dt.timedelta(days=30)
    chain = [
        ChainQuote(expiration, C, 100.0, 1.0, 1.1, implied_vol=0.20),
        ChainQuote(expiration, P, 100.0, 1.0, 1.1, implied_vol=0.22),  # strike 100: 0.21
        ChainQuote(expiration, P, 105.0, 1.0, 1.1, implied_vol=0.26),
        ChainQuote(TODAY, C, 100.0, 1.0, 1.1, implied_vol=0.90),  # expires today: ignored
    ]
    # spot 102: 0.21 + (102 - 100) / (105 - 100) * (0.26 - 0.21) = 0.23
    assert atm_iv_by_expiration(chain, 102.0, TODAY) == {expiration: pytest.approx(0.23)}
    # spot beyond every strike: the nearest strike's IV
    assert atm_iv_by_expiration(chain, 110.0, TODAY) == {expiration: pytest.approx(0.26)}
    assert atm_iv_by_expiration(chain, 90.0, TODAY) == {expiration: pytest.approx(0.21)}


def test_constant_maturity_interpolates_total_variance_by_hand() -> None:
    # w(20) = 0.2^2 * 20 = 0.8, w(40) = 0.3^2 * 40 = 3.6, w(30) = 2.2, sqrt(2.2 / 30)
    assert constant_maturity_iv({20: 0.20, 40: 0.30}) == pytest.approx(math.sqrt(2.2 / 30))
    assert constant_maturity_iv({30: 0.2, 40: 0.3}) == pytest.approx(0.2)
    assert constant_maturity_iv({45: 0.3, 60: 0.4}) == pytest.approx(0.3)  # flat, nearest
    assert constant_maturity_iv({7: 0.1, 14: 0.15}) == pytest.approx(0.15)
    assert constant_maturity_iv({0: 0.5, 10: math.nan}) is None


def test_quotes_without_an_implied_vol_are_left_out() -> None:
    expiration = TODAY + dt.timedelta(days=30)
    # bid 0 / ask 0 is below any put's value: no IV, and no vendor IV either
    chain = [ChainQuote(expiration, P, 100.0, 0.0, 0.0)]
    assert math.isnan(contract_ivs(chain, 100.0, TODAY)[0])
    assert atm_iv_by_expiration(chain, 100.0, TODAY) == {}
    assert atm_iv_30d(chain, 100.0, TODAY) is None


def test_iv_rank_and_percentile_by_hand() -> None:
    history = [0.50, 0.10, 0.30, 0.25, 0.20]
    # window 4 keeps 0.10, 0.30, 0.25, 0.20: rank 100 (0.20 - 0.10) / (0.30 - 0.10) = 50
    assert iv_rank(history, window=4) == pytest.approx(50.0)
    # earlier sessions 0.10, 0.30, 0.25: one of three below 0.20
    assert iv_percentile(history, window=4) == pytest.approx(100.0 / 3.0)
    # the whole history: (0.20 - 0.10) / (0.50 - 0.10) = 25; 1 of 4 earlier below
    assert iv_rank(history) == pytest.approx(25.0)
    assert iv_percentile(history) == pytest.approx(25.0)
    assert iv_rank([0.2, 0.2]) is None
    assert iv_rank([0.2]) is None and iv_percentile([0.2]) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: iv_rank([]), "history was empty"),
        (lambda: iv_rank([0.1, 0.2], window=1), "window must be at least 2"),
        (lambda: iv_percentile([0.1, math.nan, 0.2]), "non-finite"),
        (lambda: constant_maturity_iv({30: 0.2}, target_days=0), "target_days"),
        (lambda: atm_iv_30d([], 0.0, TODAY), "spot must be finite and positive, was 0.0"),
        (
            lambda: ChainQuote(TODAY, C, 100.0, 1.0, 1.1, implied_vol=-0.1),
            "ChainQuote.implied_vol",
        ),
    ],
)
def test_bad_input_is_named(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def spy_2021_session(day: dt.date, *, vendor_iv: bool) -> tuple[float, list[ChainQuote]]:
    path = shared_data_path("options_chains/lambdaclass_SPY_options_2021_prod_1y.csv")
    spot, quotes = math.nan, []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["quotedate"] == day.isoformat():
                spot = float(row["underlying_last"])
                quotes.append(
                    ChainQuote(
                        dt.date.fromisoformat(row["expiration"]),
                        C if row["type"] == "call" else P,
                        float(row["strike"]),
                        float(row["bid"]),
                        float(row["ask"]),
                        implied_vol=float(row["impliedvol"]) if vendor_iv else None,
                    )
                )
    return spot, quotes


def test_spy_2021_session_30_day_atm_iv_by_hand_from_vendor_ivs() -> None:
    """SPY 2021-06-01, spot 419.67: 29 days (2021-06-30) and 31 days (2021-07-02) around 30.

    2021-06-30 lists puts 400, 411, 415 only: the spot is above them, so the 415 put's 0.15146.
    2021-07-02 lists calls 416 (0.13195) and 427 (0.11244): 0.13195 + (3.67 / 11) (-0.01951).
    """
    spot, quotes = spy_2021_session(dt.date(2021, 6, 1), vendor_iv=True)
    near = 0.15146
    nxt = 0.13195 + (419.67 - 416.0) / (427.0 - 416.0) * (0.11244 - 0.13195)
    w = near**2 * 29 + (nxt**2 * 31 - near**2 * 29) * (30 - 29) / (31 - 29)
    assert atm_iv_30d(quotes, spot, dt.date(2021, 6, 1)) == pytest.approx(math.sqrt(w / 30))


def test_spy_2021_ivs_from_mid_prices_track_the_vendors() -> None:
    """Without the vendor's IVs the BSM IV of the mids (r = q = 0) lands near the vendor's.

    The vendor's figures are American-style and use its own rate and dividend; on the 2021
    sessions checked the two 30-day ATM IVs differ by under 1.5 vol points.
    """
    for day in (dt.date(2021, 3, 1), dt.date(2021, 6, 1), dt.date(2021, 11, 1)):
        spot, vendor = spy_2021_session(day, vendor_iv=True)
        _, plain = spy_2021_session(day, vendor_iv=False)
        ours, theirs = atm_iv_30d(plain, spot, day), atm_iv_30d(vendor, spot, day)
        assert ours is not None and theirs is not None
        assert ours == pytest.approx(theirs, abs=0.015), day


def test_qqq_2026_iv_rank_and_percentile_of_30_day_atm_iv() -> None:
    """72 real QQQ term-structure snapshots (Yahoo via yfinance): 30-day IV per session, ranked.

    2026-05-14 has 29 days at 0.219803 and 35 days at 0.219788 around the 30-day point.
    """
    path = shared_data_path("options_chains/iv_snapshots/QQQ.csv")
    term: dict[str, dict[int, float]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["atm_iv"]:
                term[row["snapshot_date"]][int(row["dte"])] = float(row["atm_iv"])
    sessions = sorted(term)
    assert len(sessions) == 72
    series = [constant_maturity_iv(term[s]) for s in sessions]
    assert all(v is not None for v in series)
    ivs = [v for v in series if v is not None]
    w = 0.219803**2 * 29 + (0.219788**2 * 35 - 0.219803**2 * 29) * (30 - 29) / (35 - 29)
    assert ivs[sessions.index("2026-05-14")] == pytest.approx(math.sqrt(w / 30))
    low, high = min(ivs), max(ivs)
    assert iv_rank(ivs) == pytest.approx(100 * (ivs[-1] - low) / (high - low))
    assert iv_percentile(ivs) == pytest.approx(100 * sum(v < ivs[-1] for v in ivs[:-1]) / 71)
    ranks = [iv_rank(ivs[: i + 1], window=20) for i in range(1, len(ivs))]
    assert all(r is None or 0.0 <= r <= 100.0 for r in ranks)


def test_many_spy_2021_sessions_solved_together_give_each_sessions_value_exactly() -> None:
    """The IVs of the mids of three real sessions, solved in one call, are bit for bit those of
    one call per session (the solver works element by element)."""
    days = (dt.date(2021, 3, 1), dt.date(2021, 6, 1), dt.date(2021, 11, 1))
    snapshots = []
    for day in days:
        spot, plain = spy_2021_session(day, vendor_iv=False)
        snapshots.append((plain, spot, day))
    together = atm_ivs_30d(snapshots)
    assert together == [atm_iv_30d(chain, spot, day) for chain, spot, day in snapshots]
    assert all(value is not None and 0.05 < value < 0.5 for value in together)

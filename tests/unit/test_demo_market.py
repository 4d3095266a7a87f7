"""Tests for the seeded synthetic demo market (a short horizon keeps them fast)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.instruments import Equity, OptionContract

from catalog.demo_market import (
    EOD_QUOTE_SIZE,
    GENERATOR_NAME,
    DemoMarket,
    DemoModel,
    generate_demo_market,
    strike_grid,
    write_demo_catalog,
)
from options.instruments import daily_bar_type, equity_id
from options.market_calendar import session_close_ns, session_of_ns, sessions_between
from options.occ import parse_occ
from options.pricing import bs_price, year_fraction

# Two months that include Good Friday (2023-04-07), when the weekly expires on Thursday.
START = dt.date(2023, 3, 1)
END = dt.date(2023, 4, 28)
MODEL = DemoModel()


@pytest.fixture(scope="module")
def market() -> DemoMarket:
    return generate_demo_market(seed=7, start=START, end=END)


@pytest.fixture(scope="module")
def chains(market: DemoMarket) -> dict[dt.date, list[tuple[Any, Any, Any]]]:
    """Session -> [(OccSymbol, QuoteTick, OptionGreeks)]."""
    by_day: dict[dt.date, list[tuple[Any, Any, Any]]] = defaultdict(list)
    for quote, greeks in zip(market.quotes, market.greeks, strict=True):
        by_day[session_of_ns(quote.ts_init)].append(
            (parse_occ(quote.instrument_id.symbol.value), quote, greeks)
        )
    return by_day


@pytest.fixture(scope="module")
def closes(market: DemoMarket) -> dict[dt.date, float]:
    return {session_of_ns(bar.ts_init): bar.close.as_double() for bar in market.bars}


def _fingerprint(m: DemoMarket) -> tuple[list[str], list[str], list[str], list[str]]:
    return (
        [f"{i.id} {i.ts_init}" for i in m.instruments],
        [str(b) for b in m.bars],
        [str(q) for q in m.quotes],
        [
            f"{g.instrument_id} {g.delta!r} {g.gamma!r} {g.vega!r} {g.theta!r} {g.rho!r} "
            f"{g.mark_iv!r} {g.bid_iv!r} {g.ask_iv!r} {g.underlying_price!r} {g.open_interest!r}"
            for g in m.greeks
        ],
    )


def test_same_seed_gives_identical_output_and_another_seed_differs(market: DemoMarket) -> None:
    again = generate_demo_market(seed=7, start=START, end=END)
    assert _fingerprint(again) == _fingerprint(market)
    other = generate_demo_market(seed=8, start=START, end=END)
    assert [str(b) for b in other.bars] != [str(b) for b in market.bars]
    assert [str(q) for q in other.quotes] != [str(q) for q in market.quotes]


def test_one_bar_per_session_at_the_close(market: DemoMarket) -> None:
    sessions = sessions_between(START, END)
    assert [session_of_ns(b.ts_init) for b in market.bars] == sessions
    underlying = equity_id("DEMO")
    for bar, day in zip(market.bars, sessions, strict=True):
        assert bar.bar_type == daily_bar_type(underlying)
        assert bar.ts_event == bar.ts_init == session_close_ns(day)
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high


def test_lists_are_sorted_and_instruments_are_labelled_synthetic(market: DemoMarket) -> None:
    for records in (market.instruments, market.bars, market.quotes, market.greeks):
        stamps = [r.ts_init for r in records]
        assert stamps == sorted(stamps)
    assert isinstance(market.instruments[0], Equity)
    options = market.instruments[1:]
    assert options
    assert all(isinstance(o, OptionContract) for o in options)
    assert all(o.underlying == "DEMO" and o.id.venue.value == "US" for o in options)
    assert all(
        o.info == {"synthetic": True, "generator": GENERATOR_NAME, "seed": 7} for o in options
    )
    assert len({o.id for o in options}) == len(options)


def test_quotes_and_greeks_cover_every_listed_contract_daily(market: DemoMarket) -> None:
    listed_at = {o.id: o.ts_init for o in market.instruments[1:]}
    expires_at = {o.id: o.expiration_ns for o in market.instruments[1:]}
    closes_ns = [session_close_ns(d) for d in sessions_between(START, END)]
    quoted: dict[Any, list[int]] = defaultdict(list)
    for quote, greeks in zip(market.quotes, market.greeks, strict=True):
        assert greeks.instrument_id == quote.instrument_id
        assert greeks.ts_init == quote.ts_init == quote.ts_event
        quoted[quote.instrument_id].append(quote.ts_init)
    assert quoted.keys() == listed_at.keys()
    for instrument_id, stamps in quoted.items():
        # A contract persists from its listing session to its expiry (or the end of the data).
        expected = [
            ns for ns in closes_ns if listed_at[instrument_id] <= ns <= expires_at[instrument_id]
        ]
        assert stamps == expected, instrument_id


def test_every_session_has_expirations_from_this_week_to_beyond_60_dte(
    chains: dict[dt.date, list[tuple[Any, Any, Any]]],
) -> None:
    assert sorted(chains) == sessions_between(START, END)
    for day, rows in chains.items():
        dtes = {(occ.expiration - day).days for occ, _, _ in rows}
        assert min(dtes) <= 7, day
        assert max(dtes) >= 60, day
    # Good Friday 2023-04-07 is a holiday: that week's expiration is Thursday 2023-04-06.
    expirations = {occ.expiration for rows in chains.values() for occ, _, _ in rows}
    assert dt.date(2023, 4, 6) in expirations
    assert dt.date(2023, 4, 7) not in expirations


def test_strikes_span_25_percent_around_spot(
    chains: dict[dt.date, list[tuple[Any, Any, Any]]], closes: dict[dt.date, float]
) -> None:
    for day, rows in chains.items():
        spot = closes[day]
        strikes: dict[dt.date, set[Decimal]] = defaultdict(set)
        for occ, _, _ in rows:
            strikes[occ.expiration].add(occ.strike)
        for expiration, listed in strikes.items():
            assert float(min(listed)) <= 0.75 * spot, (day, expiration)
            assert float(max(listed)) >= 1.25 * spot, (day, expiration)


def test_strike_grid_is_one_dollar_near_the_money() -> None:
    grid = strike_grid(120.0)
    assert grid[0] <= Decimal(90) and grid[-1] >= Decimal(150)
    assert [k for k in grid if Decimal(108) <= k <= Decimal(132)] == [
        Decimal(k) for k in range(108, 133)
    ]
    assert Decimal("97.5") in grid and Decimal(98) not in grid
    with pytest.raises(ValueError, match="spot was not positive"):
        strike_grid(0.0)


def test_quotes_are_ordered_cent_prices_with_eod_sizes(market: DemoMarket) -> None:
    for quote in market.quotes:
        assert 0 <= quote.bid_price <= quote.ask_price
        assert quote.bid_price.precision == quote.ask_price.precision == 2
        assert quote.bid_size == quote.ask_size == EOD_QUOTE_SIZE
    assert any(q.bid_price.as_double() == 0.0 for q in market.quotes)


def test_put_skew(
    chains: dict[dt.date, list[tuple[Any, Any, Any]]], closes: dict[dt.date, float]
) -> None:
    for day, rows in chains.items():
        spot = closes[day]
        by_expiry: dict[dt.date, dict[Decimal, float]] = defaultdict(dict)
        for occ, _, greeks in rows:
            if occ.kind == OptionKind.PUT:
                by_expiry[occ.expiration][occ.strike] = greeks.mark_iv
        for expiration, ivs in by_expiry.items():
            low = min(ivs, key=lambda k: abs(float(k) - 0.9 * spot))
            high = min(ivs, key=lambda k: abs(float(k) - 1.1 * spot))
            assert ivs[low] > ivs[high], (day, expiration)


def test_deltas_have_the_right_sign_and_range(
    chains: dict[dt.date, list[tuple[Any, Any, Any]]],
) -> None:
    for day, rows in chains.items():
        for occ, _, greeks in rows:
            if occ.expiration == day:
                continue  # At the expiry close delta is the 0 / ±0.5 / ±1 step.
            if occ.kind == OptionKind.PUT:
                assert -1.0 < greeks.delta <= 0.0
            else:
                assert 0.0 <= greeks.delta < 1.0
            assert greeks.gamma >= 0.0 and greeks.vega >= 0.0


def test_mids_agree_with_black_scholes_within_the_half_spread(
    chains: dict[dt.date, list[tuple[Any, Any, Any]]], closes: dict[dt.date, float]
) -> None:
    checked = 0
    for day, rows in chains.items():
        close_ns = session_close_ns(day)
        spot = closes[day]
        for occ, quote, greeks in rows[::7]:
            assert greeks.underlying_price == spot
            t = year_fraction(close_ns, session_close_ns(occ.expiration))
            model = bs_price(
                spot,
                float(occ.strike),
                t,
                greeks.mark_iv,
                MODEL.rate,
                MODEL.div_yield,
                occ.kind == OptionKind.CALL,
            )
            bid, ask = quote.bid_price.as_double(), quote.ask_price.as_double()
            assert abs(model - (bid + ask) / 2) <= (ask - bid) / 2 + 1e-9
            checked += 1
    assert checked > 1000


def test_bad_model_parameters_raise() -> None:
    with pytest.raises(ValueError, match="spot_vol_correlation was not within"):
        DemoModel(spot_vol_correlation=-1.5)
    with pytest.raises(ValueError, match="initial_spot was not positive"):
        DemoModel(initial_spot=0.0)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="seed was negative"):
        generate_demo_market(seed=-1, start=START, end=END)
    with pytest.raises(ValueError, match="no NYSE session was between"):
        generate_demo_market(start=dt.date(2023, 4, 8), end=dt.date(2023, 4, 9))


def test_write_demo_catalog(tmp_path: Path) -> None:
    pytest.importorskip("catalog.writer")
    from nautilus_trader.persistence.catalog import ParquetDataCatalog

    start = end = dt.date(2023, 3, 1)
    expected = generate_demo_market(start=start, end=end)
    written = write_demo_catalog(tmp_path, start=start, end=end)
    assert written == sum(
        len(records)
        for records in (expected.instruments, expected.bars, expected.quotes, expected.greeks)
    )
    catalog = ParquetDataCatalog(str(tmp_path))
    assert len(catalog.quote_ticks()) == len(expected.quotes)
    assert len(catalog.instruments()) == len(expected.instruments)
    assert len(catalog.bars()) == len(expected.bars)
    # Writing the same market again stores nothing new.
    assert write_demo_catalog(tmp_path, start=start, end=end) == 0

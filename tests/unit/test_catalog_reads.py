"""Which contracts a run reads, chosen from the catalog's folder names (hand-checked bounds)."""

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.objects import Price, Quantity

from catalog.access import open_catalog
from catalog.contract_reads import (
    LISTEN_AHEAD_DAYS,
    ContractFilter,
    chosen_option_ids,
    read_by_folder,
)
from catalog.writer import write_to_catalog
from options.instruments import make_option_contract
from options.market_calendar import session_close_ns
from options.occ import parse_occ
from strategies.structure_engine import SUBSCRIBE_AHEAD_DAYS

SESSIONS = np.array(["2021-03-01", "2021-03-02", "2021-03-03", "2021-03-04"], dtype="datetime64[D]")
CLOSES = np.array([380.0, 400.0, 390.0, 420.0])


def _filter(band: float | None, reach: int | None = 2) -> ContractFilter:
    return ContractFilter(
        kinds=frozenset({OptionKind.PUT}),
        start=dt.date(2021, 3, 1),
        end=dt.date(2021, 3, 3),
        reach_days=reach,
        strike_band=band,
        closes={"SPY": (SESSIONS, CLOSES)},
    )


@pytest.mark.parametrize(
    ("kind", "expiration", "strike", "kept"),
    [
        (OptionKind.CALL, dt.date(2021, 3, 3), 390.0, False),  # a kind the run does not trade
        (OptionKind.PUT, dt.date(2021, 2, 26), 390.0, False),  # expired before the start
        (OptionKind.PUT, dt.date(2021, 3, 5), 390.0, True),  # the end + 2 days (reach)
        (OptionKind.PUT, dt.date(2021, 3, 6), 390.0, False),  # beyond what an entry can reach
    ],
)
def test_kind_and_expiration_window(
    kind: OptionKind, expiration: dt.date, strike: float, kept: bool
) -> None:
    assert _filter(None).keeps("SPY", kind, expiration, strike) is kept


def test_without_a_dte_max_every_later_expiration_is_kept() -> None:
    assert _filter(None, reach=None).keeps("SPY", OptionKind.PUT, dt.date(2030, 1, 18), 390.0)


# Expiring 2021-03-03 with reach 2: enterable 2021-03-01..03-03, closes 380, 400, 390.
# Band 5%: 380 x 0.95 = 361.00 <= strike <= 400 x 1.05 = 420.00.
@pytest.mark.parametrize(
    ("strike", "kept"), [(361.0, True), (360.99, False), (420.0, True), (420.01, False)]
)
def test_strike_band_spans_the_closes_of_the_enterable_sessions(strike: float, kept: bool) -> None:
    assert _filter(0.05).keeps("SPY", OptionKind.PUT, dt.date(2021, 3, 3), strike) is kept


def test_the_band_looks_back_only_reach_days_before_expiration() -> None:
    # Expiring 2021-03-05, reach 2: enterable from 03-03 to the run's end 03-03: close 390 only.
    keep = _filter(0.05)
    assert keep.keeps("SPY", OptionKind.PUT, dt.date(2021, 3, 5), 390 * 0.95)
    assert not keep.keeps("SPY", OptionKind.PUT, dt.date(2021, 3, 5), 380 * 0.95)  # 361 < 370.5


def test_an_underlying_without_closes_is_not_banded() -> None:
    assert _filter(0.05).keeps("QQQ", OptionKind.PUT, dt.date(2021, 3, 3), 1.0)


def test_quotes_of_several_folders_keep_their_own_instrument(tmp_path: Path) -> None:
    # Crafted catalog (not market data): a Parquet file's instrument id is in its metadata.
    ts = session_close_ns(dt.date(2024, 6, 3))
    size = Quantity.from_int(10)
    symbols = ["SPY240719P00470000", "SPY240719P00460000", "QQQ240719P00360000"]
    options = [make_option_contract(parse_occ(s)) for s in symbols]
    quotes = [
        QuoteTick(o.id, Price(1.0 + i, 2), Price(1.1 + i, 2), size, size, ts, ts)
        for i, o in enumerate(options)
    ]
    write_to_catalog(tmp_path, [*options, *quotes])
    catalog = open_catalog(tmp_path)
    read = read_by_folder(catalog, QuoteTick, [str(o.id) for o in options[:2]], ts - 1, ts + 1)
    assert sorted((str(q.instrument_id), q.bid_price.as_double()) for q in read) == [
        ("SPY240719P00460000.US", 2.0),
        ("SPY240719P00470000.US", 1.0),
    ]
    every = ContractFilter(
        frozenset(OptionKind), dt.date(2024, 6, 3), dt.date(2024, 6, 3), 60, None, {}
    )
    assert chosen_option_ids(catalog, ["SPY"], every) == [str(o.id) for o in options[:2]][::-1]


def test_rows_are_read_from_reach_plus_a_week_before_expiration() -> None:
    # Expiring 2021-03-26 with reach 2: first row kept 2 + 7 = 9 days before, 2021-03-17 00:00
    # New York (EDT, UTC-4) = 04:00 UTC.
    first = _filter(None).first_row_ns(dt.date(2021, 3, 26))
    assert first == int(dt.datetime(2021, 3, 17, 4, tzinfo=dt.UTC).timestamp()) * 10**9
    assert _filter(None, reach=None).first_row_ns(dt.date(2021, 3, 26)) is None


def test_the_strategy_engine_listens_no_earlier_than_rows_are_read() -> None:
    assert SUBSCRIBE_AHEAD_DAYS <= LISTEN_AHEAD_DAYS


def test_floors_leave_out_earlier_rows_of_their_folder_only(tmp_path: Path) -> None:
    # Crafted catalog (not market data): two contracts quoted on three sessions each.
    days = [dt.date(2024, 6, 3), dt.date(2024, 6, 4), dt.date(2024, 6, 5)]
    size = Quantity.from_int(10)
    options = [
        make_option_contract(parse_occ(s)) for s in ("SPY240719P00470000", "SPY240719P00460000")
    ]
    quotes = [
        QuoteTick(o.id, Price(1.0, 2), Price(1.1, 2), size, size, t, t)
        for o in options
        for t in map(session_close_ns, days)
    ]
    write_to_catalog(tmp_path, [*options, *quotes])
    folders = [str(o.id) for o in options]
    floors = {folders[0]: session_close_ns(days[1])}
    read = read_by_folder(open_catalog(tmp_path), QuoteTick, folders, None, None, floors)
    assert sorted((str(q.instrument_id), q.ts_init) for q in read) == sorted(
        [(folders[0], session_close_ns(d)) for d in days[1:]]
        + [(folders[1], session_close_ns(d)) for d in days]
    )

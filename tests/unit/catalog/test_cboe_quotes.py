"""Cboe quote-table downloads (real SPY, SPX and QQQ snapshots of 2023)."""

import datetime as dt
from functools import cache
from pathlib import Path

import pytest
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.instruments import IndexInstrument, OptionContract

from catalog.cboe_quotes import parse_snapshot_time, quote_session
from catalog.eod_chains import load_eod_chain
from catalog.validation import LoadResult, RejectReason
from options.market_calendar import expiration_close_ns, session_close_ns
from tests.conftest import shared_data_path

SNAPSHOTS = "options_chains/cboe_quotedata_snapshots/{name}.csv"
# Rows read (a call and a put per line), rejected as bid above ask, greeks written (IV > 0),
# and the session the 'Date:' line names.
EXPECTED = {
    "spy_quotedata_commit2023-04-14_ceb5fc9": (8144, 0, 7060, dt.date(2023, 4, 14)),
    "spx_quotedata_commit2023-04-14_ceb5fc9": (18096, 12, 17059, dt.date(2023, 4, 14)),
}


@cache
def _load(name: str) -> LoadResult:
    """Load a snapshot once for this module (the SPX one holds 18,096 contracts)."""
    return load_eod_chain(shared_data_path(SNAPSHOTS.format(name=name)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_of_a_snapshot_is_written_or_counted(name: str) -> None:
    loaded = _load(name)

    read, crossed, greeks, session = EXPECTED[name]
    assert loaded.rows_read == read
    assert loaded.rejects.as_dict() == (
        {RejectReason.CROSSED_QUOTE.value: crossed} if crossed else {}
    )
    quotes = [d for d in loaded.data if isinstance(d, QuoteTick)]
    assert len(quotes) == read - crossed
    assert sum(isinstance(d, OptionGreeks) for d in loaded.data) == greeks
    assert {q.ts_event for q in quotes} == {session_close_ns(session)}


def test_a_spy_line_is_a_call_and_a_put_with_quotes_and_greeks() -> None:
    loaded = _load("spy_quotedata_commit2023-04-14_ceb5fc9")

    # Fri May 19 2023,SPY230519C00410000,10.47,-1.22,10.45,10.62,7534,0.1557,0.6041,0.0191,
    #   25469,410.00,SPY230519P00410000,5.94,-0.2,5.93,5.94,15914,0.1575,-0.4073,0.02,27369
    by_id = {
        (type(d).__name__, d.instrument_id.value): d
        for d in loaded.data
        if isinstance(d, QuoteTick | OptionGreeks)
    }
    call = by_id[("QuoteTick", "SPY230519C00410000.US")]
    put = by_id[("QuoteTick", "SPY230519P00410000.US")]
    assert (str(call.bid_price), str(call.ask_price)) == ("10.45", "10.62")
    assert (str(put.bid_price), str(put.ask_price)) == ("5.93", "5.94")
    put_greeks = by_id[("OptionGreeks", "SPY230519P00410000.US")]
    assert (put_greeks.mark_iv, put_greeks.delta, put_greeks.gamma) == (0.1575, -0.4073, 0.02)
    assert (put_greeks.vega, put_greeks.theta, put_greeks.open_interest) == (0.0, 0.0, 27369.0)
    assert put_greeks.underlying_price == 413.08  # 'Last: 413.08'
    contract = loaded.instruments["SPY230519P00410000.US"]
    assert isinstance(contract, OptionContract)
    assert contract.expiration_ns == expiration_close_ns(dt.date(2023, 5, 19))


def test_spxw_and_spx_rows_share_the_index_underlying() -> None:
    loaded = _load("spx_quotedata_commit2023-04-14_ceb5fc9")

    assert isinstance(loaded.instruments["SPX.US"], IndexInstrument)
    contracts = [i for i in loaded.instruments.values() if isinstance(i, OptionContract)]
    roots = {i.id.symbol.value[:-15] for i in contracts}
    assert roots == {"SPX", "SPXW"}
    assert {i.underlying for i in loaded.instruments.values() if isinstance(i, OptionContract)} == {
        "SPX"
    }


def test_a_date_line_without_a_date_needs_the_quote_date() -> None:
    path = shared_data_path(SNAPSHOTS.format(name="spy_quotedata_commit2023-06-08_374d068"))

    with pytest.raises(ValueError, match="'Date: 4 June 4, 3:15 PM EDT' names no date; pass"):
        load_eod_chain(path)
    loaded = load_eod_chain(path, quote_date=dt.date(2023, 6, 2))
    assert (loaded.rows_read, loaded.rejects.total) == (7686, 0)
    assert {d.ts_event for d in loaded.data} == {session_close_ns(dt.date(2023, 6, 2))}


def test_a_quote_date_that_is_not_a_session_is_refused() -> None:
    path = shared_data_path(SNAPSHOTS.format(name="spy_quotedata_commit2023-06-08_374d068"))
    with pytest.raises(ValueError, match="2023-06-03 is not a NYSE session"):
        load_eod_chain(path, quote_date=dt.date(2023, 6, 3))


@pytest.mark.parametrize(
    ("line", "read_at", "session"),
    [
        ("Date: 14 April 2023, 19:15 UTC−4,Bid: 413.05", (2023, 4, 14, 19, 15), (2023, 4, 14)),
        ("Date: 2 May 2023, 6:06 PM EDT,Bid: 318.71", (2023, 5, 2, 18, 6), (2023, 5, 2)),
        ('"Date: May 23, 2023 at 7:39 PM EDT",Bid: 1', (2023, 5, 23, 19, 39), (2023, 5, 23)),
        ("Date: 10 May 2023, at 3:10 PM EDT,Bid: 1", (2023, 5, 10, 15, 10), (2023, 5, 10)),
        ("Date: 8 June 2023 7:56 PM EDT,Bid: 1", (2023, 6, 8, 19, 56), (2023, 6, 8)),
        # before the open: the previous session; a holiday (Memorial Day): the one before
        ("Date: 16 May 2023, 7:40 AM EDT,Bid: 1", (2023, 5, 16, 7, 40), (2023, 5, 15)),
        ("Date: 29 May 2023,  11:04 AM EDT,Bid: 1", (2023, 5, 29, 11, 4), (2023, 5, 26)),
        ("Date: 13 May 2023, 4:15 AM EDT,Bid: 1", (2023, 5, 13, 4, 15), (2023, 5, 12)),
        ("Date: 11 June 2023, 6:07 PM EDT,Bid: 1", (2023, 6, 11, 18, 7), (2023, 6, 9)),
    ],
)
def test_the_date_line_names_the_quote_session(
    line: str, read_at: tuple[int, ...], session: tuple[int, int, int]
) -> None:
    parsed = parse_snapshot_time(line)
    assert parsed == dt.datetime(*read_at)  # noqa: DTZ001 (New York wall time)
    assert quote_session(parsed) == dt.date(*session)


def test_a_file_that_is_not_a_quote_table_is_not_read_as_one(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("\nname,Last: 1\nDate: 2 May 2023\nsomething,else\n")
    with pytest.raises(ValueError, match="line 4 was 'something,else'"):
        load_eod_chain(path, layout="cboe-quotetable")


def test_a_quote_date_for_a_file_that_dates_its_rows_is_refused() -> None:
    path = shared_data_path("options_chains/ivolatility/spx_sample_ivolatility.csv")
    with pytest.raises(ValueError, match="--quote-date is for cboe-quotetable files only"):
        load_eod_chain(path, quote_date=dt.date(2011, 1, 3))

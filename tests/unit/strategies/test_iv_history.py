"""The session-by-session 30-day ATM IV history behind the journal's IV rank."""

import dataclasses
import datetime as dt

import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options.chain_selection import ChainQuote as PricedQuote
from options.iv_metrics import atm_iv_30d, iv_rank
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.iv_history import AtmIvHistory

DAY = dt.date(2021, 6, 1)


def _snapshot(day: dt.date) -> ChainSnapshot:
    quotes = []
    for dte in (21, 42):
        for strike in (415.0, 420.0, 425.0):
            expiration = day + dt.timedelta(days=dte)
            quotes.append(
                ChainQuote(
                    instrument_id=InstrumentId.from_str(f"P{dte}-{strike:g}.US"),
                    kind=OptionKind.PUT,
                    strike=strike,
                    expiration=expiration,
                    dte=dte,
                    bid=5.0,
                    ask=5.2,
                    bid_size=10,
                    ask_size=10,
                    delta=None,
                )
            )
    return ChainSnapshot(session=day, spot=420.0, quotes=tuple(quotes))


def test_rank_of_flat_vendor_ivs_over_the_sessions_seen() -> None:
    history = AtmIvHistory()
    assert history.rank() is None
    for offset, vol in enumerate((0.20, 0.30, 0.25)):
        snapshot = _snapshot(DAY + dt.timedelta(days=offset))
        history.add(snapshot, {q.instrument_id: vol for q in snapshot.quotes})
        if offset == 0:
            assert history.rank() is None  # one session: nothing to rank against
    assert list(history.values) == pytest.approx([0.20, 0.30, 0.25])
    assert history.rank() == pytest.approx(50.0)


def test_without_vendor_ivs_the_mids_are_used_and_a_bad_quote_is_skipped() -> None:
    history = AtmIvHistory()
    snapshot = _snapshot(DAY)
    crossed = ChainQuote(
        InstrumentId.from_str("X.US"), OptionKind.PUT, 420.0, DAY, 0, 3.0, 2.0, 1, 1, None
    )
    history.add(ChainSnapshot(DAY, 420.0, (*snapshot.quotes, crossed)), {})
    (value,) = history.values
    assert 0.05 < value < 1.0
    history.add(ChainSnapshot(DAY, 420.0, ()), {})
    assert len(history.values) == 1


def test_rank_is_unknown_until_min_sessions_and_says_so() -> None:
    history = AtmIvHistory(window=5, min_sessions=3)
    assert history.rank_note() == "unknown until 3 sessions (0 seen)"
    for offset, vol in enumerate((0.20, 0.30)):
        snapshot = _snapshot(DAY + dt.timedelta(days=offset))
        history.add(snapshot, {q.instrument_id: vol for q in snapshot.quotes})
    assert history.rank() is None
    assert history.rank_note() == "unknown until 3 sessions (2 seen)"
    snapshot = _snapshot(DAY + dt.timedelta(days=2))
    history.add(snapshot, {q.instrument_id: 0.25 for q in snapshot.quotes})
    assert history.rank() == pytest.approx(50.0)  # (0.25 - 0.20) / (0.30 - 0.20)
    assert history.rank_note() == ""


def test_flat_iv_has_no_rank_and_says_why() -> None:
    history = AtmIvHistory(window=5, min_sessions=2)
    for offset in range(2):
        snapshot = _snapshot(DAY + dt.timedelta(days=offset))
        history.add(snapshot, {q.instrument_id: 0.2 for q in snapshot.quotes})
    assert history.rank() is None
    assert history.rank_note() == "unknown: the IV did not change over 2 sessions"


def test_min_sessions_out_of_range_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"min_sessions was 1, not in \[2, window=5\]"):
        AtmIvHistory(window=5, min_sessions=1)


def test_seeded_sessions_are_ranked_with_the_ones_added_and_latest_is_dated() -> None:
    history = AtmIvHistory(window=3, min_sessions=3)
    history.seed([0.40, 0.20])
    assert history.latest() is None
    snapshot = _snapshot(DAY)
    history.add(snapshot, {q.instrument_id: 0.25 for q in snapshot.quotes})
    assert history.latest() == (DAY, pytest.approx(0.25))
    # rank of 0.25 among 0.40, 0.20, 0.25: 100 (0.25 - 0.20) / (0.40 - 0.20) = 25
    assert history.rank() == pytest.approx(25.0)
    history.add(ChainSnapshot(DAY + dt.timedelta(days=1), 420.0, ()), {})
    assert history.latest() == (DAY, pytest.approx(0.25))  # no IV that session
    with pytest.raises(ValueError, match="a seeded ATM IV was nan"):
        history.seed([float("nan")])


def test_the_engine_refuses_a_seeded_iv_that_is_not_a_vol() -> None:
    from strategies.structure_engine import StructureEngine, StructureEngineConfig

    engine = StructureEngine(StructureEngineConfig(underlying="SPY", structure="short_put"))
    with pytest.raises(ValueError, match=r"the seeded ATM IV of 2021-06-01 was -0\.2"):
        engine.seed_iv_history({DAY: -0.2})


def test_the_engine_refuses_a_seeded_close_that_is_not_a_price() -> None:
    from strategies.structure_engine import StructureEngine, StructureEngineConfig

    engine = StructureEngine(StructureEngineConfig(underlying="SPY", structure="short_put"))
    with pytest.raises(ValueError, match=r"the seeded close of 2021-06-01 was nan"):
        engine.seed_trend({DAY: float("nan")})


def test_sessions_solved_in_batches_keep_each_sessions_value_and_the_last_window() -> None:
    """Mids solved a window of sessions at a time (no vendor IVs): each value is the one
    :func:`options.iv_metrics.atm_iv_30d` gives that session alone, the oldest fall out."""
    history = AtmIvHistory(window=3)
    expected = []
    for offset in range(7):
        day = DAY + dt.timedelta(days=offset)
        base = _snapshot(day)
        quotes = tuple(
            dataclasses.replace(q, bid=q.bid + 0.1 * offset, ask=q.ask + 0.1 * offset)
            for q in base.quotes
        )
        snapshot = ChainSnapshot(day, base.spot, quotes)
        history.add(snapshot, {})
        priced = [
            PricedQuote(q.expiration, q.kind, q.strike, q.bid, q.ask) for q in snapshot.quotes
        ]
        value = atm_iv_30d(priced, snapshot.spot, day)
        assert value is not None
        expected.append(value)
    assert history.latest() == (DAY + dt.timedelta(days=6), expected[-1])
    assert list(history.values) == expected[-3:]
    assert history.rank() == iv_rank(expected[-3:], 3)

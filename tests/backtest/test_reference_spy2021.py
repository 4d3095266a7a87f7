"""Accounting of the reference run and of single trades against hand computations on real data.

Also the trade journal of the reference run: every trade with every field, against the raw
files and the hand computation.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data, ingested through the
``tradefly ingest`` command into a temporary catalog.
"""

import csv
import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import pytest
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OrderSide

from journal.export import COLUMNS, CSV_FILE, PARQUET_FILE
from journal.taxonomy import ERROR_CLASSES
from options.instruments import VENUE, equity_id
from options.market_calendar import session_close_ns, session_of_ns
from tests.backtest.hand_computation import COMMISSION, hand_trades
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import RunConfig, load_run_config
from tradefly.backtest.report import write_report
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import build_engine, load_run_data, run_backtest

CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
REFERENCE = PROJECT_ROOT / "configs" / "backtest" / "spy2021_weekly_put.yaml"
START = Decimal(1_000_000)


@pytest.fixture(scope="module")
def reference_config() -> RunConfig:
    return load_run_config(REFERENCE)


def _cents(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def reference_result(spy2021_catalog: Path, reference_config: RunConfig) -> BacktestResult:
    """The reference run, once for the module (its totals and its journal are checked)."""
    return run_backtest(reference_config, spy2021_catalog, run_id="test")


def test_reference_totals_equal_hand_computation(reference_result: BacktestResult) -> None:
    expected = hand_trades(shared_data_path(CHAIN), shared_data_path(SPY_BARS))
    result = reference_result

    premium = sum(t.bid * 100 for t in expected)
    fees = COMMISSION * len(expected)
    realized = sum(t.pnl for t in expected)
    assert result.n_trades == len(expected) == 42
    assert result.n_assigned == sum(t.assigned for t in expected) == 12
    assert _cents(result.premium_collected) == premium
    assert _cents(result.fees) == fees
    # Each put sold at the bid paid half the quoted spread against the mid; nothing else slips.
    assert _cents(result.slippage) == sum((t.ask - t.bid) / 2 * 100 for t in expected)
    assert _cents(result.realized_pnl) == realized
    assert _cents(result.ending_balance) == START + realized
    assert all(t.exit_reason != "open" for t in result.trades)

    options = [t for t in result.trades if t.symbol != "SPY"]
    assert [(t.entry_time[:10], t.symbol, _cents(t.entry_price)) for t in options] == [
        (t.quote_date.isoformat(), t.symbol, t.bid) for t in expected
    ]
    shares = [t for t in result.trades if t.symbol == "SPY"]
    assert sorted(_cents(t.pnl) for t in shares) == sorted(
        t.share_pnl for t in expected if t.assigned
    )


def _single_trade_config(base: RunConfig, entry_day: dt.date) -> RunConfig:
    return base.with_strategy_fields(
        entry_start=entry_day.isoformat(), entry_end=entry_day.isoformat()
    )


def _run_until(config: RunConfig, catalog: Path, end_ns: int):  # type: ignore[no-untyped-def]
    engine, _recorder = build_engine(config, catalog)
    start_ns = session_close_ns(config.data.start) - 10**12
    engine.run(start=start_ns, end=end_ns)
    return engine


def test_put_assigned_at_expiry_moves_cash_by_strike_times_100(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    # 2021-04-26: sell SPY210521P00418000 at the bid 6.19; SPY closes 414.94 on 2021-05-21.
    config = _single_trade_config(reference_config, dt.date(2021, 4, 26))
    expiry_ns = session_close_ns(dt.date(2021, 5, 21))

    before = _run_until(config, spy2021_catalog, expiry_ns - 1)
    cash_before = Decimal(str(before.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash_before == START + Decimal("619") - COMMISSION
    before.dispose()

    after = _run_until(config, spy2021_catalog, expiry_ns + 1_000)
    cash_after = Decimal(str(after.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash_before - cash_after == Decimal(418) * 100
    positions = after.cache.positions_open()
    assert [(p.instrument_id, p.signed_qty, p.avg_px_open) for p in positions] == [
        (equity_id("SPY"), 100.0, 418.0)
    ]
    after.dispose()


def test_otm_expiry_keeps_full_premium(spy2021_catalog: Path, reference_config: RunConfig) -> None:
    # 2021-01-04: sell SPY210219P00370000 at the bid 11.28; SPY closes 390.03 on 2021-02-19.
    config = _single_trade_config(reference_config, dt.date(2021, 1, 4))
    engine = _run_until(config, spy2021_catalog, session_close_ns(dt.date(2021, 2, 19)) + 1_000)
    cash = Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash == START + Decimal("1128") - COMMISSION
    assert engine.cache.positions_open() == []
    closed = engine.cache.positions_closed()
    assert len(closed) == 1
    assert Decimal(str(closed[0].realized_pnl.as_decimal())) == Decimal("1128") - COMMISSION
    engine.dispose()


def test_put_credit_spread_round_trip_changes_cash_by_leg_pnl_less_fees(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    # 2021-01-04: sell SPY210219P00370000 at its bid 11.28, buy SPY210219P00360000 at its
    # ask 8.11 (credit 3.17). 2021-01-29 (21 DTE): buy back the 370 at its ask and sell the
    # 360 at its bid, both read from the raw file below.
    rows = _chain_rows({"SPY210219P00370000", "SPY210219P00360000"}, {"2021-01-04", "2021-01-29"})
    short_open, long_open = (
        rows[("SPY210219P00370000", "2021-01-04")],
        rows[("SPY210219P00360000", "2021-01-04")],
    )
    short_close, long_close = (
        rows[("SPY210219P00370000", "2021-01-29")],
        rows[("SPY210219P00360000", "2021-01-29")],
    )
    short_pnl = (short_open["bid"] - short_close["ask"]) * 100
    long_pnl = (long_close["bid"] - long_open["ask"]) * 100
    expected = short_pnl + long_pnl - 4 * COMMISSION

    config = _single_trade_config(reference_config, dt.date(2021, 1, 4))
    config = config.with_strategy_fields(
        structure="bull_put_spread",
        structure_params={"short_delta": 0.50, "width": 10},
        entry_schedule="daily",
        dte_min=40,
        dte_max=50,
        exit_dte=21,
    )
    engine = _run_until(config, spy2021_catalog, session_close_ns(dt.date(2021, 2, 1)))

    cash = Decimal(str(engine.portfolio.account(VENUE).balance_total(USD).as_decimal()))
    assert cash - START == expected
    assert engine.cache.positions_open() == []
    legs = {
        p.instrument_id.symbol.value: Decimal(str(p.realized_pnl.as_decimal()))
        for p in engine.cache.positions_closed()
    }
    assert legs == {
        "SPY210219P00370000": short_pnl - 2 * COMMISSION,
        "SPY210219P00360000": long_pnl - 2 * COMMISSION,
    }
    engine.dispose()


def _chain_rows(symbols: set[str], dates: set[str]) -> dict[tuple[str, str], dict[str, Decimal]]:
    import csv

    with shared_data_path(CHAIN).open() as f:
        return {
            (r["optionroot"], r["quotedate"]): {"bid": Decimal(r["bid"]), "ask": Decimal(r["ask"])}
            for r in csv.DictReader(f)
            if r["optionroot"] in symbols and r["quotedate"] in dates
        }


# -- The trade journal of the reference run ------------------------------------------------------

JOURNAL_FIELDS = (
    "id",
    "strategy_id",
    "underlying",
    "structure",
    "parameters",
    "entry_time",
    "exit_time",
    "weekday",
    "dte",
    "days_held",
    "spot",
    "exit_spot",
    "iv",
    "vendor_iv",
    "regime",
    "limit_price",
    "fill_price",
    "entry_slippage",
    "exit_slippage",
    "fees",
    "size",
    "wanted_size",
    "max_loss",
    "risk_fraction",
    "equity",
    "risk_action",
    "risk_factor",
    "pnl",
    "exit_reason",
    "reason_tags",
)
JOURNAL_LEG_FIELDS = (
    "bid",
    "ask",
    "open_interest",
    "iv",
    "vendor_iv",
    "delta",
    "gamma",
    "vega",
    "theta",
)


def _raw_rows() -> dict[tuple[str, str], dict[str, str]]:
    with shared_data_path(CHAIN).open() as f:
        return {(r["quotedate"], r["optionroot"]): r for r in csv.DictReader(f)}


def test_journal_holds_every_reference_trade_with_its_fields(
    reference_result: BacktestResult,
) -> None:
    expected = hand_trades(shared_data_path(CHAIN), shared_data_path(SPY_BARS))
    trades = [r for r in reference_result.journal if r["kind"] == "trade"]
    assert len(trades) == len(expected) == 42
    assert [r for r in reference_result.journal if r["kind"] != "trade"] == []
    raw = _raw_rows()
    iv_ranks = _iv_ranks_from_the_raw_file(window=252, min_sessions=20, horizon=50 + 7)
    with shared_data_path(SPY_BARS).open() as f:
        closes = {
            dt.date.fromisoformat(r["date"][:10]): float(r["close"]) for r in csv.DictReader(f)
        }
    for record, hand in zip(trades, expected, strict=True):
        empty = [name for name in JOURNAL_FIELDS if record[name] is None or record[name] == ""]
        assert empty == [], f"{record['id']}: empty {empty}"
        (leg,) = record["legs"]
        assert [name for name in JOURNAL_LEG_FIELDS if leg[name] is None] == []
        row = raw[(hand.quote_date.isoformat(), hand.symbol)]
        # market snapshot at entry: the vendor's own figures for the contract that day
        assert leg["instrument_id"] == f"{hand.symbol}.US"
        assert (leg["bid"], leg["ask"]) == (float(hand.bid), float(hand.ask))
        assert leg["open_interest"] == float(row["openinterest"])
        assert leg["delta"] == pytest.approx(float(row["delta"]))
        assert leg["vendor_iv"] == pytest.approx(float(row["impliedvol"]))
        assert record["spot"] == pytest.approx(float(row["underlying_last"]), abs=0.01)
        assert record["iv"] == pytest.approx(float(row["impliedvol"]), abs=0.05)
        assert record["regime"] in ("low_vol", "normal_vol", "high_vol")
        assert record["greeks"]["delta"] == pytest.approx(-float(row["delta"]) * 100)
        # execution: sold at the bid; half the spread paid against the mid
        assert record["structure"] == "short put"
        assert record["entry_time"][:10] == hand.quote_date.isoformat()
        assert record["weekday"] == hand.quote_date.strftime("%A")
        assert record["dte"] == (hand.expiration - hand.quote_date).days
        assert _cents(record["fill_price"]) == hand.bid == _cents(record["limit_price"])
        assert _cents(record["entry_slippage"]) == (hand.ask - hand.bid) / 2 * 100
        # risk at entry: one put; its worst case is the strike less the credit
        assert record["size"] == record["wanted_size"] == 1
        assert _cents(record["max_loss"]) == (hand.strike - hand.bid) * 100
        assert record["risk_fraction"] == pytest.approx(record["max_loss"] / record["equity"])
        assert (record["risk_action"], record["risk_factor"]) == ("allow", 1.0)
        # outcome: the hand computation's P&L, shares delivered by assignment included
        assert _cents(record["pnl"]) == hand.pnl
        assert record["exit_reason"] == ("assigned" if hand.assigned else "expired")
        assert _cents(record["fees"]) == Decimal("0.65")
        last_day = dt.date.fromisoformat(record["exit_time"][:10])
        assert record["days_held"] == (last_day - hand.quote_date).days
        if hand.assigned:
            assert last_day > hand.expiration  # the shares were sold at the next close
        else:
            assert last_day == hand.expiration
        assert "schedule:weekly" in record["reason_tags"]
        assert record["signal"] is None and record["confidence"] is None
        # IV rank of the 30-day ATM IV over the sessions seen, recomputed from the raw file
        # (the engine's defaults: 252 sessions, a rank once 20 are in)
        rank = iv_ranks[hand.quote_date]
        if rank is None:
            assert record["iv_rank"] is None
            assert record["iv_rank_note"].startswith("unknown until 20 sessions (")
        else:
            assert record["iv_rank"] == pytest.approx(rank, abs=1e-6)
            assert record["iv_rank_note"] == ""
        if record["pnl"] < 0:
            assert record["error_class"] in ERROR_CLASSES
        else:
            assert record["error_class"] is None
    assert {r["iv_rank"] is None for r in trades} == {True, False}  # before and after 20
    for record in trades:  # trend: the entry's close against the 20 closes up to it, by hand
        entry = dt.date.fromisoformat(record["entry_time"][:10])
        seen = [c for day, c in sorted(closes.items()) if dt.date(2021, 1, 4) <= day <= entry]
        if len(seen) < 20:
            assert record["trend"] is None
        else:
            assert record["trend"] == ("up" if seen[-1] >= sum(seen[-20:]) / 20 else "down")
    assert {r["trend"] for r in trades} == {None, "up", "down"}
    assert sum(_cents(r["pnl"]) for r in trades) == _cents(reference_result.realized_pnl)


def test_journal_is_exported_next_to_the_report(
    reference_result: BacktestResult, tmp_path: Path
) -> None:
    run_dir = write_report(reference_result, tmp_path)
    from_csv = pd.read_csv(run_dir / CSV_FILE)
    from_parquet = pd.read_parquet(run_dir / PARQUET_FILE)
    assert list(from_csv.columns) == list(COLUMNS) == list(from_parquet.columns)
    assert len(from_csv) == len(from_parquet) == 42
    assert from_csv["pnl"].sum() == pytest.approx(reference_result.realized_pnl)
    legs: list[dict[str, Any]] = json.loads(from_parquet["legs"].iloc[0])
    assert legs[0]["open_interest"] > 0
    assert all(not math.isnan(v) for v in from_csv["net_delta"])
    assert set(from_csv["exit_reason"]) == {"assigned", "expired"}


def test_a_strike_band_reads_fewer_contracts_and_keeps_the_reference_results(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    banded = msgspec.structs.replace(
        reference_config, data=msgspec.structs.replace(reference_config.data, strike_band=0.05)
    )
    everything = load_run_data(reference_config, spy2021_catalog)
    narrow = load_run_data(banded, spy2021_catalog)
    assert 0 < len(narrow.options) < len(everything.options)
    assert {o.id for o in narrow.options} < {o.id for o in everything.options}

    result = run_backtest(banded, spy2021_catalog, run_id="banded")
    assert (result.n_trades, result.n_assigned, result.realized_pnl) == (42, 12, 30_688.70)


def test_quotes_are_read_from_the_reach_plus_a_week_before_expiration(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    # dte_max 50 + 7 days: the engine ignores quotes of contracts further out; the raw chain
    # quotes some contracts earlier than that, which the reference results never used.
    run_data = load_run_data(reference_config, spy2021_catalog)
    expiry = {o.id: session_of_ns(o.expiration_ns) for o in run_data.options}
    days_out = [
        (expiry[d.instrument_id] - session_of_ns(d.ts_init)).days
        for d in run_data.data
        if isinstance(d, QuoteTick | OptionGreeks)
    ]
    assert reference_config.reach_days() == 50
    assert 50 < max(days_out) <= 57


def test_structure_chosen_by_iv_rank_matches_the_rank_from_the_raw_file(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    """Weekly entries Jan-Apr 2021: a short put when IV rank >= 50, else a long put.

    The rank is recomputed here from the raw file: each session's 30-day ATM IV from the
    vendor's IVs (:func:`options.iv_metrics.atm_iv_30d`, tested by hand on its own) over the
    contracts the engine holds in its window at that close (the run loads puts only,
    ``data.option_kinds``; expiring no later than the previous session plus dte_max + 7 days),
    ranked against the last 10 sessions once 5 are in.
    """
    last_entry = dt.date(2021, 4, 30)
    config = reference_config.with_strategy_fields(
        structure="",
        structure_params={},
        entry_end=last_entry.isoformat(),
        choices=[
            {
                "structure": "short_put",
                "structure_params": {"delta": 0.5},
                "when": {"iv_rank_min": 50},
            },
            {
                "structure": "long_put",
                "structure_params": {"delta": 0.5},
                "when": {"iv_rank_max": 50},
            },
        ],
        iv_window=10,
        iv_min_sessions=5,
    )
    engine = _run_until(config, spy2021_catalog, session_close_ns(dt.date(2021, 5, 3)))
    entries = {
        session_of_ns(o.ts_init): (o.side, o.instrument_id.symbol.value[9])
        for o in engine.cache.orders()
        if "entry" in o.tags
    }
    engine.dispose()

    ranks = _iv_ranks_from_the_raw_file(window=10, min_sessions=5, horizon=50 + 7)
    assert len(entries) >= 8 and {side for side, _ in entries.values()} == {
        OrderSide.SELL,
        OrderSide.BUY,
    }
    for day, (side, right) in entries.items():
        rank = ranks[day]
        assert rank is not None, day
        assert (side, right) == ((OrderSide.SELL, "P") if rank >= 50 else (OrderSide.BUY, "P")), (
            day,
            rank,
        )
    unranked = {d for d in ranks if ranks[d] is None}
    assert unranked and not unranked & set(entries)  # no rank yet: no entry


def _iv_ranks_from_the_raw_file(
    window: int, min_sessions: int, horizon: int
) -> dict[dt.date, float | None]:
    import csv
    from collections import defaultdict

    from nautilus_trader.model.enums import OptionKind

    from options.chain_selection import ChainQuote
    from options.iv_metrics import atm_iv_30d, iv_rank

    sessions: dict[dt.date, list[dict[str, str]]] = defaultdict(list)
    spots: dict[dt.date, float] = {}
    with shared_data_path(CHAIN).open() as f:
        for row in csv.DictReader(f):
            if row["type"] == "put" and _valid_row(row):
                day = dt.date.fromisoformat(row["quotedate"])
                sessions[day].append(row)
    with shared_data_path(SPY_BARS).open() as f:
        spots = {
            dt.date.fromisoformat(r["date"][:10]): float(r["close"]) for r in csv.DictReader(f)
        }
    ranks: dict[dt.date, float | None] = {}
    history: list[float] = []
    previous: dt.date | None = None
    for day in sorted(sessions):
        limit = (previous or day) + dt.timedelta(days=horizon)
        quotes = []
        for row in sessions[day]:
            expiration = dt.date.fromisoformat(row["expiration"])
            if not (previous or day) <= expiration <= limit:
                continue
            iv = float(row["impliedvol"])
            quotes.append(
                ChainQuote(
                    expiration,
                    OptionKind.CALL if row["type"] == "call" else OptionKind.PUT,
                    float(row["strike"]),
                    float(row["bid"]),
                    float(row["ask"]),
                    implied_vol=iv if iv > 0 else None,
                )
            )
        current = atm_iv_30d(quotes, spots[day], day)
        if current is not None:
            history.append(current)
        ranked = current is not None and len(history[-window:]) >= min_sessions
        ranks[day] = iv_rank(history, window) if ranked else None
        previous = day
    return ranks


def _valid_row(row: dict[str, str]) -> bool:
    bid, ask = Decimal(row["bid"]), Decimal(row["ask"])
    return 0 <= bid <= ask and row["expiration"] >= row["quotedate"]


def test_trades_netted_into_one_position_each_keep_their_own_pnl(
    spy2021_catalog: Path, reference_config: RunConfig
) -> None:
    """Daily short puts 2021-08-09 to 08-20 under a netting OMS (as at Tradier): one position
    per contract, several trades in each.

    Hand computation from the raw files: each trade sold 1 put at that day's bid and paid
    0.65; every put expires on 2021-09-17 (SPY closes 441.40): the 440 and 441 puts expire
    worthless, so each of those trades makes bid x 100 - 0.65. The 443 put and the three 445
    puts are assigned into one netted SPY position of 400 shares, sold at the 09-20 close:
    100 x (close - 443) + 300 x (close - 445). The puts' own P&L stays with each trade (its
    premium, as for an expiry); the shares' P&L goes to the last trade to be assigned into
    that position (the 08-17 put), and the journal adds up to the run's realized P&L.
    """
    config = msgspec.structs.replace(
        reference_config.with_strategy_fields(
            entry_schedule="daily",
            entry_start="2021-08-09",
            entry_end="2021-08-20",
            max_open_trades=20,
            oms_type="NETTING",
        ),
        data=msgspec.structs.replace(reference_config.data, start=dt.date(2021, 8, 2)),
    )
    result = run_backtest(config, spy2021_catalog, run_id="netted")
    trades = [r for r in result.journal if r["kind"] == "trade"]
    raw = _raw_rows()
    with shared_data_path(SPY_BARS).open() as f:
        closes = {r["date"][:10]: Decimal(r["close"]) for r in csv.DictReader(f)}
    expiry_close = closes["2021-09-17"]
    symbols = [r["legs"][0]["instrument_id"].removesuffix(".US") for r in trades]
    assert len(trades) == 10 and len(set(symbols)) == 4  # 10 trades in 4 netted positions
    assigned = [s for s in symbols if Decimal(s[-8:]) / 1000 > expiry_close]
    assert sorted(set(assigned)) == ["SPY210917P00443000", "SPY210917P00445000"]
    shares_pnl = sum((closes["2021-09-20"] - Decimal(s[-8:]) / 1000) * 100 for s in assigned)
    assert shares_pnl == Decimal("-4184.00")
    last_assigned = max(
        (r for r in trades if r["legs"][0]["instrument_id"][:-3] in assigned),
        key=lambda r: r["entry_time"],
    )
    for record, symbol in zip(trades, symbols, strict=True):
        bid = Decimal(raw[(record["entry_time"][:10], symbol)]["bid"])
        assert _cents(record["fill_price"]) == bid
        expected = bid * 100 - COMMISSION
        if record is last_assigned:
            expected += shares_pnl
        assert _cents(record["pnl"]) == expected, record["entry_time"]
        assert record["exit_reason"] == ("assigned" if symbol in assigned else "expired")
        assert record["exit_time"] is not None
    assert sum(_cents(r["pnl"]) for r in trades) == _cents(result.realized_pnl)

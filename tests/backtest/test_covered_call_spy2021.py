"""A standalone covered call on the real 2021 SPY chain: shares bought, a call sold on them.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data (the session-wide
``spy2021_catalog``); the run is ``configs/backtest/spy2021_covered_call.yaml``: at the first
session with no trade open, buy 100 shares at the close (the underlying's daily bar: the
venue fills a market order on it at the close), then sell the call whose vendor delta is
nearest 0.30 among calls 25 to 50 days out at its bid; hold to expiry. 0.65 a contract, no
share commission.
"""

import csv
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.enums import OptionKind

from actors.journal import TradeJournal
from options.market_calendar import session_of_ns
from options.priced import Leg, PricedStructure, StockLeg
from options.structures import Side
from statestore import StateStore
from statestore.risk import RiskLedger
from strategies.structure_engine import StructureEngine
from strategies.toolkit.sizing import contracts_for_risk
from tests.backtest.owner_commands import OwnerCommands
from tests.conftest import PROJECT_ROOT, shared_data_path
from tradefly.backtest.config import ActorEntry, RunConfig, load_run_config
from tradefly.backtest.overrides import apply_overrides
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import build_engine, run_backtest
from tradefly.backtest.trades import group_trades

CHAIN = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SPY_BARS = "underlying_daily/lambdaclass_SPY_daily_2021.csv"
CONFIG = PROJECT_ROOT / "configs" / "backtest" / "spy2021_covered_call.yaml"
START = Decimal(1_000_000)
FEE = Decimal("0.65")  # per contract; the venue's expiry fills (assignment) carry none

# What the run trades, one call on 100 shares each: (entry session, call, its bid in the raw
# file, SPY close at entry = the share price, SPY close at the call's expiration). A call
# struck below the expiration close is assigned: the shares are called away at the strike;
# else it expires and the shares are sold at that close. The next trade starts at the first
# session with no trade open (the called-away session itself: expiry settles before the
# decision; after a sale at the close, the next session).
TRADES = [
    ("2021-01-04", "SPY210219C00380000", "5.15", "368.79", "390.03"),  # called away at 380
    ("2021-02-19", "SPY210319C00400000", "2.18", "390.03", "389.48"),  # expires; sold 389.48
    ("2021-03-22", "SPY210416C00400000", "2.46", "392.59", "417.26"),  # called away at 400
    ("2021-04-16", "SPY210521C00422000", "4.18", "417.26", "414.94"),  # expires
    ("2021-05-24", "SPY210618C00426000", "2.44", "419.17", "414.92"),  # expires
    ("2021-06-21", "SPY210716C00430000", "1.39", "420.86", "431.34"),  # called away at 430
    ("2021-07-16", "SPY210820C00440000", "2.85", "431.34", "443.36"),  # called away at 440
    ("2021-08-20", "SPY210917C00450000", "2.55", "443.36", "441.40"),  # expires
    ("2021-09-20", "SPY211015C00445000", "3.14", "434.04", "445.87"),  # called away at 445
    ("2021-10-15", "SPY211126C00458000", "2.21", "445.87", "458.97"),  # called away at 458
]


def _strike(symbol: str) -> Decimal:
    return Decimal(symbol[-8:]) / 1000


def _hand_pnl(symbol: str, bid: str, bought: str, expiry_close: str) -> tuple[Decimal, str]:
    """Realized P&L of one covered call, fees included, and how it ended."""
    strike, close = _strike(symbol), Decimal(expiry_close)
    called_away = strike < close
    sold_at = strike if called_away else close
    pnl = (sold_at - Decimal(bought)) * 100 + Decimal(bid) * 100 - FEE
    return pnl, "called_away" if called_away else "expired"


@pytest.fixture(scope="module")
def config() -> RunConfig:
    return load_run_config(CONFIG)


@pytest.fixture(scope="module")
def result(spy2021_catalog: Path, config: RunConfig) -> BacktestResult:
    return run_backtest(config, spy2021_catalog, run_id="covered_call")


def _cents(dollars: float) -> Decimal:
    return Decimal(str(dollars)).quantize(Decimal("0.01"))


def _overridden(*assignments: str) -> RunConfig:
    return apply_overrides(load_run_config(CONFIG), CONFIG, assignments)


def _raw_rows() -> dict[tuple[str, str], dict[str, str]]:
    with shared_data_path(CHAIN).open() as f:
        return {(r["quotedate"], r["optionroot"]): r for r in csv.DictReader(f)}


def _closes() -> dict[str, Decimal]:
    with shared_data_path(SPY_BARS).open() as f:
        return {r["date"]: Decimal(r["close"]) for r in csv.DictReader(f)}


def test_the_calls_sold_and_the_share_prices_follow_the_raw_files() -> None:
    raw, closes = _raw_rows(), _closes()
    for session, symbol, bid, bought, expiry_close in TRADES:
        row = raw[(session, symbol)]
        assert Decimal(row["bid"]) == Decimal(bid)
        assert closes[session] == Decimal(bought)
        assert closes[row["expiration"]] == Decimal(expiry_close)
        assert _is_the_config_call(raw, session, symbol), session


def _is_the_config_call(
    raw: dict[tuple[str, str], dict[str, str]], session: str, symbol: str
) -> bool:
    """Whether `symbol` is, on `session`, a call 25 to 50 days out whose delta is nearest 0.30."""
    day = dt.date.fromisoformat(session)
    candidates = [
        r
        for (quoted, _), r in raw.items()
        if quoted == session
        and r["type"] == "call"
        and 25 <= (dt.date.fromisoformat(r["expiration"]) - day).days <= 50
        and Decimal(r["bid"]) <= Decimal(r["ask"])
    ]
    best = min(abs(Decimal(r["delta"]) - Decimal("0.30")) for r in candidates)
    return abs(Decimal(raw[(session, symbol)]["delta"]) - Decimal("0.30")) == best


def test_cash_positions_and_realized_pnl_equal_the_hand_computation(
    result: BacktestResult,
) -> None:
    # The first trade by hand: 100 shares bought at 368.79, the 380 call sold at 5.15; SPY
    # closes at 390.03 on 02-19, the call is assigned and the shares go at 380:
    # (380 - 368.79) x 100 = 1,121.00 on the shares, 515 - 0.65 = 514.35 on the call.
    first, _ = _hand_pnl(*TRADES[0][1:])
    assert first == Decimal("1121") + Decimal("514.35") == Decimal("1635.35")
    # The second: shares at 390.03, the 400 call at 2.18; SPY closes at 389.48 on 03-19, the
    # call expires, the shares are sold at that close: -55.00 + 217.35 = 162.35.
    second, _ = _hand_pnl(*TRADES[1][1:])
    assert second == Decimal("-55") + Decimal("217.35")
    hand = [_hand_pnl(*trade[1:]) for trade in TRADES]
    realized = sum(pnl for pnl, _ in hand)
    assert realized == Decimal("7891.50")

    assert _cents(result.ending_balance) == START + realized
    assert _cents(result.realized_pnl) == realized
    assert _cents(result.fees) == len(TRADES) * FEE
    assert result.n_assigned == sum(outcome == "called_away" for _, outcome in hand) == 6
    assert all(t.exit_reason != "open" for t in result.trades)  # no position left

    calls = [t for t in result.trades if t.symbol != "SPY"]
    shares = [t for t in result.trades if t.symbol == "SPY"]
    assert [(t.entry_time[:10], t.symbol, t.side, t.quantity) for t in calls] == [
        (session, symbol, "SELL", 1) for session, symbol, *_ in TRADES
    ]
    assert [Decimal(str(t.entry_price)) for t in calls] == [Decimal(t[2]) for t in TRADES]
    assert [(t.entry_time, t.side, t.quantity) for t in shares] == [
        (c.entry_time, "BUY", 100) for c in calls
    ]  # each call's shares, bought in the instant it was sold
    assert [Decimal(str(t.entry_price)) for t in shares] == [Decimal(t[3]) for t in TRADES]
    for share, call, (_, symbol, _, _, close), (_, outcome) in zip(
        shares, calls, TRADES, hand, strict=True
    ):
        sold_at = _strike(symbol) if outcome == "called_away" else Decimal(close)
        assert Decimal(str(share.exit_price)) == sold_at
        assert share.exit_reason == outcome
        assert call.exit_reason == ("assigned" if outcome == "called_away" else "expired")
        assert share.exit_time[:10] == call.exit_time[:10]


def test_each_trade_and_journal_record_holds_its_shares_and_call(result: BacktestResult) -> None:
    hand = [_hand_pnl(*trade[1:]) for trade in TRADES]
    trades = group_trades(result.trades)
    assert [(t.structure, t.exit_reason) for t in trades] == [
        ("covered call", outcome) for _, outcome in hand
    ]
    assert [_cents(t.pnl) for t in trades] == [p for p, _ in hand]
    records = [r for r in result.journal if r["kind"] == "trade"]
    assert [(r["structure"], r["exit_reason"]) for r in records] == [
        ("covered call", outcome) for _, outcome in hand
    ]
    assert [Decimal(str(r["pnl"])) for r in records] == [p for p, _ in hand]
    # Max loss at entry: the shares to zero less the premium, (368.79 - 5.15) x 100.
    assert records[0]["max_loss"] == pytest.approx(36_364.0)
    assert records[0]["fill_price"] == pytest.approx(5.15 - 368.79)  # net per share, a debit
    assert records[0]["greeks"]["delta"] == pytest.approx(100 - 0.33256 * 100)


def test_the_presets_max_profit_loss_and_breakeven_agree_with_the_fills(
    result: BacktestResult,
) -> None:
    records = [r for r in result.journal if r["kind"] == "trade"]
    for (session, symbol, bid, bought, close), record in zip(TRADES, records, strict=True):
        expiration = dt.date(2000 + int(symbol[3:5]), int(symbol[5:7]), int(symbol[7:9]))
        # The call at its fill (bid) and the shares at theirs (the close).
        call = Leg(OptionKind.CALL, Side.SHORT, float(_strike(symbol)), expiration, float(bid), 99)
        traded = PricedStructure(
            (call,),
            StockLeg(100, float(bought), float(bought)),
            name="covered_call",
        )
        pnl = float(Decimal(str(record["pnl"])) + FEE)
        # What the fills made before fees is the preset's P&L at the expiration close.
        assert pnl == pytest.approx(traded.pnl_at_expiry(float(close)), abs=1e-6)
        strike, debit = float(_strike(symbol)), float(bought) - float(bid)
        assert traded.max_loss() == pytest.approx(debit * 100) == record["max_loss"]
        assert traded.max_profit() == pytest.approx((strike - debit) * 100)
        assert traded.breakevens() == pytest.approx((debit,))
        if record["exit_reason"] == "called_away":
            assert pnl == pytest.approx(traded.max_profit()), session


JANUARY = ("2021-01-04", "SPY210219C00380000", "5.15", "368.79")  # TRADES[0]
FEBRUARY = ("2021-02-19", "SPY210319C00400000", "2.18", "390.03")  # TRADES[1]


@pytest.mark.parametrize(
    ("rule", "entry", "reason", "session", "ask", "close", "hand"),
    [
        # exit_dte 25: on 2021-01-25, 25 days before 02-19. Shares (384.39 - 368.79) x 100 =
        # 1,560.00; call (5.15 - 10.00) x 100 - 2 x 0.65 = -486.30; 1,073.70.
        ("exit_dte=25", JANUARY, "dte_exit", "2021-01-25", "10.00", "384.39", "1073.70"),
        # take_profit_pct 0.02 of the 363.64 debit (368.79 - 5.15) = 7.2728 a share. P&L a
        # share = (close - 368.79) - (ask - 5.15): 01-07 (379.10, 8.63) 6.83, not yet; 01-08
        # (381.26, 10.05) 7.57: (381.26 - 368.79) x 100 + (5.15 - 10.05) x 100 - 1.30 = 755.70.
        ("take_profit_pct=0.02", JANUARY, "take_profit", "2021-01-08", "10.05", "381.26", "755.70"),
        # stop_loss_pct 0.02 of the 387.85 debit (390.03 - 2.18) = 7.757 a share. P&L a share =
        # (close - 390.03) - (ask - 2.18): 02-25 (382.33, 1.22) -6.74, not yet; 02-26 (380.36,
        # 0.74) -8.23: (380.36 - 390.03) x 100 + (2.18 - 0.74) x 100 - 1.30 = -824.30.
        ("stop_loss_pct=0.02", FEBRUARY, "stop_loss", "2021-02-26", "0.74", "380.36", "-824.30"),
    ],
)
def test_an_exit_buys_the_call_back_then_sells_the_shares(
    spy2021_catalog: Path,
    rule: str,
    entry: tuple[str, str, str, str],
    reason: str,
    session: str,
    ask: str,
    close: str,
    hand: str,
) -> None:
    entered, call, bid, bought = entry
    raw, closes = _raw_rows(), _closes()
    assert (Decimal(raw[(entered, call)]["bid"]), closes[entered]) == (
        Decimal(bid),
        Decimal(bought),
    )
    assert Decimal(raw[(session, call)]["ask"]) == Decimal(ask)
    assert closes[session] == Decimal(close)
    pnl = (Decimal(close) - Decimal(bought)) * 100 + (Decimal(bid) - Decimal(ask)) * 100
    assert pnl - 2 * FEE == Decimal(hand)
    window = (f"strategy.entry_start={entered}", f"strategy.entry_end={entered}")
    engine, recorder = build_engine(_overridden(*window, f"strategy.{rule}"), spy2021_catalog)
    try:
        engine.run()
        orders = sorted(engine.cache.orders(), key=lambda o: (o.ts_init, o.client_order_id.value))
        steps = [(o.instrument_id.symbol.value, o.side.name, o.tags[0]) for o in orders]
        assert steps == [
            ("SPY", "BUY", "entry"),
            (call, "SELL", "entry"),
            (call, "BUY", reason),
            ("SPY", "SELL", reason),
        ]
        assert all(o.is_closed and o.filled_qty.as_double() > 0 for o in orders)
        account = engine.portfolio.account(engine.list_venues()[0])
        balance = _cents(account.balance_total().as_double())
        assert not engine.cache.positions_open()
    finally:
        engine.dispose()
    assert balance == START + Decimal(hand)
    legs = sorted(recorder.trades, key=lambda t: t.symbol)
    assert [(t.symbol, t.exit_time[:10], Decimal(str(t.exit_price))) for t in legs] == [
        ("SPY", session, Decimal(close)),
        (call, session, Decimal(ask)),
    ]
    assert {t.exit_reason for t in legs} == {reason}


@pytest.mark.parametrize(
    ("assignments", "calls"),
    [
        # 8 % of 1,000,000 against a max loss of 36,364 a structure: 2 calls on 200 shares.
        (("strategy.risk_fraction=0.08",), 2),
        # All of 73,000 against 36,364: 2 by max loss, but the shares of 2 cost 73,758 and
        # the cash buys 100 shares once (36,879): 1.
        (("strategy.risk_fraction=1.0", "venue.starting_balance=73000"), 1),
        # A fixed quantity the cash cannot pay the shares of: no shares, and no call alone.
        (("venue.starting_balance=30000",), 0),
    ],
)
def test_sizing_by_max_loss_checks_the_cash_for_the_shares(
    spy2021_catalog: Path, assignments: tuple[str, ...], calls: int
) -> None:
    assert contracts_for_risk(73_000.0, 1.0, 36_364.0) == 2
    assert math.floor(73_000 / 36_879) == 1
    config = _overridden("strategy.entry_end=2021-01-04", *assignments)
    result = run_backtest(config, spy2021_catalog, run_id="covered_call_sizing")
    sold = [(t.symbol, t.quantity) for t in result.trades if t.symbol != "SPY"]
    bought = [(t.symbol, t.quantity) for t in result.trades if t.symbol == "SPY"]
    assert sold == ([("SPY210219C00380000", calls)] if calls else [])
    assert bought == ([("SPY", 100 * calls)] if calls else [])


def test_the_strategy_nets_positions_so_an_assignment_closes_its_shares(config: RunConfig) -> None:
    (strategy,) = config.build_strategies()
    assert isinstance(strategy, StructureEngine)
    assert strategy.config.oms_type == "NETTING"


FLATTENED = "2021-01-15"  # the owner's flatten, mid-way through the January trade
REENTERED = ("2021-01-15", "SPY210219C00383000", "4.51", "375.70", "390.03")  # called away


@pytest.mark.parametrize(
    ("commands", "reentry"),
    [
        # The flatten alone: it closes the trade; entries go on, so the schedule (daily, no
        # trade open) buys shares and sells a call again at that same session's decision.
        ((("flatten", "*"),), True),
        # The owner pauses entries and flattens: flat from then on.
        ((("pause_entries", None), ("flatten", "*")), False),
    ],
)
def test_an_owner_flatten_buys_the_call_back_then_sells_the_shares(
    spy2021_catalog: Path,
    tmp_path: Path,
    commands: tuple[tuple[str, str | None], ...],
    reentry: bool,
) -> None:
    # By hand, from the raw files: the January trade (100 shares at 368.79, the 380 call sold
    # at 5.15) is flattened at the 2021-01-15 close: the call bought back at its ask 6.02,
    # then the shares sold at SPY's close 375.70. Shares (375.70 - 368.79) x 100 = 691.00;
    # call (5.15 - 6.02) x 100 = -87.00; fees 2 x 0.65 = 1.30; 602.70.
    entered, call, bid, bought = JANUARY
    raw, closes = _raw_rows(), _closes()
    ask, close = raw[(FLATTENED, call)]["ask"], closes[FLATTENED]
    assert (Decimal(ask), close) == (Decimal("6.02"), Decimal("375.70"))
    flattened = (close - Decimal(bought)) * 100 + (Decimal(bid) - Decimal(ask)) * 100 - 2 * FEE
    assert flattened == Decimal("691") - Decimal("87") - Decimal("1.30") == Decimal("602.70")
    # The re-entry at that close: shares at 375.70 again, the 383 call (delta nearest 0.30)
    # sold at its bid 4.51; SPY closes at 390.03 on 02-19, the call is assigned and the shares
    # go at 383: (383 - 375.70) x 100 + 451 - 0.65 = 730.00 + 450.35 = 1,180.35.
    session, again, again_bid, again_bought, expiry_close = REENTERED
    assert _is_the_config_call(raw, session, again)
    assert (Decimal(raw[(session, again)]["bid"]), closes[session]) == (
        Decimal(again_bid),
        Decimal(again_bought),
    )
    assert closes[raw[(session, again)]["expiration"]] == Decimal(expiry_close)
    second, outcome = _hand_pnl(*REENTERED[1:])
    assert (second, outcome) == (Decimal("1180.35"), "called_away")

    store = tmp_path / "node.sqlite"
    guard = {
        "actor_path": "actors.risk_guard:RiskGuard",
        "config_path": "actors.risk_guard:RiskGuardConfig",
        "config": {
            "underlying": "SPY",
            "kill_switch": {"file": str(tmp_path / "KILL")},
            "state_store": str(store),
        },
    }
    config = _overridden(f"strategy.entry_start={entered}", "strategy.entry_end=2021-01-31")
    config = msgspec.structs.replace(config, actors=[msgspec.convert(guard, ActorEntry)])
    engine, recorder = build_engine(config, spy2021_catalog)
    day = dt.date.fromisoformat(FLATTENED)
    engine.add_actor(OwnerCommands(store, "SPY", [(day, c, a) for c, a in commands]))
    try:
        engine.run()
        orders = sorted(engine.cache.orders(), key=lambda o: (o.ts_init, o.client_order_id.value))
        steps = [
            (session_of_ns(o.ts_init).isoformat(), o.instrument_id.symbol.value, o.side.name, tag)
            for o in orders
            for tag in o.tags[:1]
        ]
        assert all(o.is_closed and o.filled_qty.as_double() > 0 for o in orders)
        account = engine.portfolio.account(engine.list_venues()[0])
        balance = _cents(account.balance_total().as_double())
        assert not engine.cache.positions_open()
        (journal,) = [a for a in engine.trader.actors() if isinstance(a, TradeJournal)]
        records = [r for r in journal.rows() if r["kind"] == "trade"]
    finally:
        engine.dispose()
    expected = [
        (entered, "SPY", "BUY", "entry"),
        (entered, call, "SELL", "entry"),
        (FLATTENED, call, "BUY", "owner_flatten"),  # the call bought back first,
        (FLATTENED, "SPY", "SELL", "owner_flatten"),  # then the shares sold
    ]
    hand = [("owner_flatten", flattened)]
    if reentry:
        expected += [
            (FLATTENED, "SPY", "BUY", "entry"),
            (FLATTENED, again, "SELL", "entry"),
            ("2021-02-19", again, "BUY", "EXPIRATION_US_PHYSICAL_CLOSE"),  # the venue's
            ("2021-02-19", "SPY", "SELL", "EXPIRATION_US_PHYSICAL_OPEN"),  # assignment
        ]
        hand.append((outcome, second))
    assert steps == expected
    total = sum(pnl for _, pnl in hand)
    assert total == (Decimal("1783.05") if reentry else Decimal("602.70"))
    assert balance == START + total
    assert sum(_cents(t.pnl) for t in recorder.trades) == total  # realized, fees included
    assert [(r["exit_reason"], Decimal(str(r["pnl"]))) for r in records] == hand
    first = sorted((t for t in recorder.trades if t.exit_reason == "owner_flatten"), key=str)
    assert [(t.symbol, t.exit_time[:10], Decimal(str(t.exit_price))) for t in first] == [
        ("SPY", FLATTENED, close),
        (call, FLATTENED, Decimal(ask)),
    ]
    with StateStore(store) as opened:
        applied = [(c.command, c.outcome) for c in RiskLedger(opened).commands()]
    assert applied[-1] == ("flatten", "flatten * published to the strategies")

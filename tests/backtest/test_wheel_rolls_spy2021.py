"""The wheel with rolls on the real 2021 SPY chain: puts and a covered call rolled before
assignment, every premium of a roll chain booked in the cycle the rolled option was sold in.

Data: the real SPY 2021 EOD chain and SPY daily bars in ../shared/data, ingested through the
``tradefly ingest`` command into a temporary catalog; the run is
``configs/backtest/spy2021_wheel_roll.yaml``: the wheel of ``spy2021_wheel.yaml`` whose short
option is rolled, on its own expiration (``roll_to: strikes``), when its |delta| reaches 0.54,
one roll per chain. Sells fill at the raw file's bid, buys at its ask, 0.65 USD a contract;
expiry and assignment free.
"""

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from journal.chains import roll_chains
from tests.backtest.test_wheel_spy2021 import FEE, START, _closes, _raw_rows
from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import load_run_config
from tradefly.backtest.report import WHEEL_FILE, write_report
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import run_backtest

WHEEL_ROLL = PROJECT_ROOT / "configs" / "backtest" / "spy2021_wheel_roll.yaml"

# Every option fill of the run, in order: (session, contract, "sell" at the bid / "buy" at the
# ask, the price in the raw file). A roll is a buy and a sell in the same session.
CYCLE_1 = [
    ("2021-01-04", "SPY210219P00370000", "sell", "11.28"),  # expires (SPY 390.03)
    ("2021-02-19", "SPY210317P00390000", "sell", "6.78"),  # expires (397.26)
    ("2021-03-17", "SPY210416P00400000", "sell", "8.67"),
    ("2021-03-26", "SPY210416P00400000", "buy", "7.24"),  # roll: delta -0.61869
    ("2021-03-26", "SPY210416P00392000", "sell", "3.97"),  # expires (417.26)
    ("2021-04-16", "SPY210521P00415000", "sell", "5.96"),
    ("2021-04-22", "SPY210521P00415000", "buy", "8.48"),  # roll: delta -0.55249
    ("2021-04-22", "SPY210521P00413000", "sell", "7.62"),  # expires (414.94)
    ("2021-05-21", "SPY210618P00415000", "sell", "7.49"),  # assigned (414.92 < 415)
    ("2021-06-18", "SPY210716C00422000", "sell", "3.19"),
    ("2021-06-22", "SPY210716C00422000", "buy", "5.67"),  # roll: delta 0.54046
    ("2021-06-22", "SPY210716C00430000", "sell", "1.60"),  # called away (431.34 > 430)
]
CYCLE_2 = [
    ("2021-07-16", "SPY210820P00430000", "sell", "7.09"),
    ("2021-07-19", "SPY210820P00430000", "buy", "10.52"),  # roll: delta -0.59406
    ("2021-07-19", "SPY210820P00425000", "sell", "8.60"),  # expires (443.36)
    ("2021-08-20", "SPY210917P00440000", "sell", "5.87"),  # expires (441.40)
    ("2021-09-17", "SPY211015P00445000", "sell", "8.98"),
    ("2021-09-20", "SPY211015P00445000", "buy", "14.10"),  # roll: delta -0.7152
    ("2021-09-20", "SPY211015P00430000", "sell", "7.85"),  # expires (445.87)
    ("2021-10-15", "SPY211119P00445000", "sell", "6.77"),  # expires (468.89)
]
ROLLS = [  # (session, contract bought back, contract sold, cost basis floor of a call)
    ("2021-03-26", "SPY210416P00400000", "SPY210416P00392000", None),
    ("2021-04-22", "SPY210521P00415000", "SPY210521P00413000", None),
    ("2021-06-22", "SPY210716C00422000", "SPY210716C00430000", Decimal("375.825")),
    ("2021-07-19", "SPY210820P00430000", "SPY210820P00425000", None),
    ("2021-09-20", "SPY211015P00445000", "SPY211015P00430000", None),
]


@pytest.fixture(scope="module")
def result(spy2021_catalog: Path) -> BacktestResult:
    return run_backtest(load_run_config(WHEEL_ROLL), spy2021_catalog, run_id="wheel-roll")


def _amount(action: str, price: str) -> Decimal:
    # Premium of one contract: + received selling, - paid buying back.
    return Decimal(price) * 100 * (1 if action == "sell" else -1)


def test_the_fills_and_rolls_follow_the_rules_on_the_raw_file() -> None:
    raw = _raw_rows()
    for session, symbol, action, price in CYCLE_1 + CYCLE_2:
        assert Decimal(raw[(session, symbol)]["bid" if action == "sell" else "ask"]) == Decimal(
            price
        ), (session, symbol)
    for session, old, new, floor in ROLLS:
        assert abs(Decimal(raw[(session, old)]["delta"])) >= Decimal("0.54"), session
        row = raw[(session, new)]
        assert row["expiration"] == raw[(session, old)]["expiration"]  # roll_to: strikes
        target = Decimal("0.30") if row["type"] == "call" else Decimal("0.50")
        candidates = [
            r
            for (quoted, _), r in raw.items()
            if quoted == session
            and (r["type"], r["expiration"]) == (row["type"], row["expiration"])
            and Decimal(r["bid"]) <= Decimal(r["ask"])
            and (floor is None or Decimal(r["strike"]) >= floor)
        ]
        best = min(candidates, key=lambda r: abs(abs(Decimal(r["delta"])) - target))
        assert best["optionroot"] == new, session
    # 2021-04-20 the 415 put's delta was -0.55235 too, but the put nearest -0.50 on its
    # expiration was that put itself: no roll (it would reopen the contract it closes).
    on_0420 = [
        r for (q, _), r in raw.items() if q == "2021-04-20" and r["expiration"] == "2021-05-21"
    ]
    puts = [r for r in on_0420 if r["type"] == "put"]
    nearest = min(puts, key=lambda r: abs(abs(Decimal(r["delta"])) - Decimal("0.50")))
    assert nearest["optionroot"] == "SPY210521P00415000"
    closes = _closes()
    assert closes["2021-06-18"] == Decimal("414.92") and closes["2021-07-16"] == Decimal("431.34")


def test_the_roll_chains_premiums_belong_to_their_wheel_cycle(result: BacktestResult) -> None:
    # Cycle 1: 7 puts sold (two of them rolled, bought back at 7.24 and 8.48), the 415 put
    # assigned on 2021-06-18; 2 calls sold (the 422 rolled, bought back at 5.67), the 430
    # called away on 2021-07-16.
    put_premium = sum(_amount(a, p) for _, s, a, p in CYCLE_1 if s[9] == "P")
    call_premium = sum(_amount(a, p) for _, s, a, p in CYCLE_1 if s[9] == "C")
    # (1128 + 678 + 867 + 397 + 596 + 762 + 749) - (724 + 848) = 5177 - 1572
    assert put_premium == Decimal(3605)
    assert call_premium == Decimal(319 - 567 + 160) == Decimal(-88)
    fees = len(CYCLE_1) * FEE  # 12 contracts
    assert fees == Decimal("7.80")
    cost_basis = Decimal(415) - (put_premium + call_premium - fees) / 100  # 415 - 35.092
    assert cost_basis == Decimal("379.908")
    share_pnl = (Decimal(430) - Decimal(415)) * 100
    total = put_premium + call_premium - fees + share_pnl  # 3605 - 88 - 7.80 + 1500
    assert total == Decimal("5009.20")
    # Cycle 2 (open): 6 puts sold, two bought back: (709 + 860 + 587 + 898 + 785 + 677)
    # - (1052 + 1410); 8 contracts of fees.
    put_premium_2 = sum(_amount(a, p) for _, _, a, p in CYCLE_2)
    assert put_premium_2 == Decimal(4516 - 2462) == Decimal(2054)
    fees_2 = len(CYCLE_2) * FEE

    first, second = result.wheel_cycles
    assert first == {
        "cycle": 1,
        "strategy_id": "StructureEngine-000",
        "status": "complete",
        "start_time": "2021-01-04T21:00:00.001000Z",
        "assigned_time": "2021-06-18T20:00:00.000000Z",
        "called_away_time": "2021-07-16T20:00:00.000000Z",
        "days": (dt.date(2021, 7, 16) - dt.date(2021, 1, 4)).days,
        "puts": 7,
        "calls": 2,
        "put_premium": float(put_premium),
        "call_premium": float(call_premium),
        "fees": float(fees),
        "shares": 100,
        "assignment_price": 415.0,
        "called_away_price": 430.0,
        "cost_basis": float(cost_basis),
        "share_pnl": float(share_pnl),
        "total_pnl": float(total),
    }
    assert (second["status"], second["puts"], second["calls"], second["shares"]) == (
        "open",
        6,
        0,
        0,
    )
    assert (Decimal(str(second["put_premium"])), Decimal(str(second["fees"]))) == (
        put_premium_2,
        fees_2,
    )

    # Cash and P&L: every premium net of buy-backs, a fee per contract, the shares' 1,500.
    realized = total + put_premium_2 - fees_2
    assert realized == Decimal("7058.00")
    assert Decimal(str(result.ending_balance)).quantize(Decimal("0.01")) == START + realized
    assert Decimal(str(result.realized_pnl)).quantize(Decimal("0.01")) == realized
    assert Decimal(str(result.fees)) == (len(CYCLE_1) + len(CYCLE_2)) * FEE
    assert result.n_assigned == 2
    assert all(t.exit_reason != "open" for t in result.trades)  # no shares, no option left
    sold = [(s, sym, p) for s, sym, a, p in CYCLE_1 + CYCLE_2 if a == "sell"]
    options = [t for t in result.trades if t.symbol != "SPY"]
    assert [(t.entry_time[:10], t.symbol, f"{t.entry_price:.2f}") for t in options] == sold


def test_each_roll_is_chained_in_the_journal(result: BacktestResult) -> None:
    records = [r for r in result.journal if r["kind"] == "trade"]
    rolled = {r["id"]: r for r in records if r["exit_reason"] == "rolled"}
    successors = [r for r in records if r["rolled_from"] is not None]
    assert len(rolled) == len(successors) == len(ROLLS)
    assert all(r["rolled_from"] in rolled for r in successors)
    assert all(r["reason_tags"][0] == "roll:roll_short_delta" for r in successors)
    chains = [c for c in roll_chains(result.journal) if len(c.structure_ids) == 2]
    assert len(chains) == len(ROLLS) and all(c.closed for c in chains)
    # The call's chain: sold 3.19, bought back 5.67, the 430 sold at 1.60 (assigned):
    # (319 - 567 - 1.30) + (160 - 0.65) = -249.30 + 159.35 = -89.95
    call_chain = next(c for c in chains if rolled[c.chain_id]["structure"] == "covered call")
    assert Decimal(str(call_chain.pnl)).quantize(Decimal("0.01")) == Decimal("-89.95")
    # The call roll's journal entry names the cycle and the cost basis before the roll's
    # fills: 415 - (3605 + 319 - 10 x 0.65) / 100 = 375.825.
    call_successor = next(r for r in successors if r["structure"] == "covered call")
    assert "wheel_cycle:1" in call_successor["reason_tags"]
    assert "cost_basis:375.8250" in call_successor["reason_tags"]


def test_the_cycle_report_has_the_rolled_cost_basis(result: BacktestResult, tmp_path: Path) -> None:
    run_dir = write_report(result, tmp_path)
    with (run_dir / WHEEL_FILE).open() as f:
        rows = list(csv.DictReader(f))
    assert [
        (r["cycle"], r["status"], r["put_premium"], r["call_premium"], r["cost_basis"])
        for r in rows
    ] == [("1", "complete", "3605.0", "-88.0", "379.908"), ("2", "open", "2054.0", "0.0", "")]

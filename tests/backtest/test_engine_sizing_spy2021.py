"""Sizing by ``StructureEngine`` in backtests on the real SPY 2021 chain, against hand computations.

``risk_fraction`` (contracts = floor(fraction x current equity / max loss at the natural price),
checked on a second trade after the first changed equity), its refusal to size a structure of
unbounded loss, and the cash-secured put's cap by free cash not yet reserved (strike x 100 per
open short put). Runs: the reference config (``configs/backtest/spy2021_weekly_put.yaml``) with
the fields each test names. Fills from the raw file: sells at the bid, buys at the ask, 0.65
USD a contract, expiry free.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from tests.backtest.spy2021_raw import chain_of, close, quoted_days, raw
from tests.backtest.spy2021_runs import REFERENCE, cents, run_variant, trades
from tradefly.cli import main

START = Decimal(1_000_000)
FEE = Decimal("0.65")


def _nearest_call(day: str, delta: Decimal) -> str:
    # The call 25-50 days out whose vendor delta is nearest `delta` (the engine's
    # best_first_leg over the window).
    calls = chain_of(day, "call", dte=(25, 50))
    return min(calls, key=lambda s: abs(calls[s]["delta"] - delta))


def test_risk_fraction_sizes_each_trade_on_current_equity(spy2021_catalog: Path) -> None:
    # Long calls at delta 0.50, risk_fraction 0.03, one trade open at a time, take-profit
    # at half the debit gained. Max loss of a long call at the natural price = its ask x 100.
    # Trade 1, 2021-01-28: SPY210319C00400000 at its ask 2.73:
    #   floor(0.03 x 1,000,000 / 273) = floor(109.89) = 109 contracts.
    # It takes its profit on the first session its bid reaches 1.5 x 2.73 = 4.095: 2021-02-12,
    # bid 4.10. P&L = 109 x (4.10 - 2.73) x 100 - 2 x 109 x 0.65 = 14,933.00 - 141.70
    # = 14,791.30; equity (no open position) 1,014,791.30.
    # Trade 2, 2021-02-16 (the next session; 02-15 is Presidents' Day): SPY210319C00393000 at
    # its ask 7.05: floor(0.03 x 1,014,791.30 / 705) = floor(43.18) = 43 contracts (on the
    # starting equity it would be floor(30,000 / 705) = 42).
    first, second = "SPY210319C00400000", "SPY210319C00393000"
    assert _nearest_call("2021-01-28", Decimal("0.5")) == first
    assert _nearest_call("2021-02-16", Decimal("0.5")) == second
    entry_ask = raw(first, "2021-01-28")["ask"]
    assert entry_ask == Decimal("2.73")
    held = [d for d in quoted_days(first) if "2021-01-28" < d < "2021-02-12"]
    assert all(raw(first, d)["bid"] < Decimal("4.095") for d in held)
    assert raw(first, "2021-02-12")["bid"] == Decimal("4.10")
    assert raw(second, "2021-02-16")["ask"] == Decimal("7.05")
    assert 30_000 // 273 == 109
    pnl_1 = 109 * (Decimal("4.10") - entry_ask) * 100 - 2 * 109 * FEE
    assert pnl_1 == Decimal("14791.30")
    equity = 1_000_000 + pnl_1
    assert int(Decimal("0.03") * equity / 705) == 43 and 30_000 // 705 == 42

    result = run_variant(
        spy2021_catalog,
        kinds=("call",),
        end="2021-02-17",
        structure="long_call",
        structure_params={"delta": 0.50},
        entry_schedule="daily",
        entry_start="2021-01-28",
        entry_end="2021-02-16",
        max_open_trades=1,
        risk_fraction=0.03,
        take_profit_pct=0.5,
    )

    assert trades(result) == [
        ("2021-01-28", first, "BUY", 109, Decimal("2.73"), "take_profit", pnl_1),
        ("2021-02-16", second, "BUY", 43, Decimal("7.05"), "open", -43 * FEE),
    ]
    # Cash: the first trade's P&L, less the second's 43 calls at 7.05 and their fees.
    assert cents(result.ending_balance) == equity - 43 * 705 - 43 * FEE == Decimal("984448.35")
    assert cents(result.realized_pnl) == pnl_1 - 43 * FEE


def test_risk_fraction_sizes_a_credit_spread_on_its_width_less_the_credit(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-04, bull_put_spread short_delta 0.30, width 5: sell SPY210219P00354000 (delta
    # -0.30556, the put 25-50 days out nearest -0.30) at its bid 6.63, buy SPY210219P00349000
    # at its ask 5.64: a natural credit of 0.99, a max loss of (5 - 0.99) x 100 = 401 per
    # spread. risk_fraction 0.01: floor(0.01 x 1,000,000 / 401) = floor(24.94) = 24 spreads.
    # 2021-02-19: SPY closes 390.03 above both strikes, both expire worthless.
    # P&L = 24 x (6.63 - 5.64) x 100 - 48 x 0.65 = 2,376.00 - 31.20 = 2,344.80.
    puts = chain_of("2021-01-04", "put", dte=(25, 50))
    short, wing = "SPY210219P00354000", "SPY210219P00349000"
    assert min(puts, key=lambda s: abs(puts[s]["delta"] + Decimal("0.30"))) == short
    assert (puts[short]["bid"], puts[wing]["ask"]) == (Decimal("6.63"), Decimal("5.64"))
    assert 10_000 // 401 == 24
    assert close("2021-02-19") == Decimal("390.03")
    sold, bought = 24 * Decimal("6.63") * 100 - 24 * FEE, -24 * Decimal("5.64") * 100 - 24 * FEE
    assert sold + bought == Decimal("2344.80")

    result = run_variant(
        spy2021_catalog,
        structure="bull_put_spread",
        structure_params={"short_delta": 0.30, "width": 5},
        entry_schedule="daily",
        entry_start="2021-01-04",
        entry_end="2021-01-04",
        risk_fraction=0.01,
    )

    assert sorted(trades(result)) == [
        ("2021-01-04", wing, "BUY", 24, Decimal("5.64"), "expired", bought),
        ("2021-01-04", short, "SELL", 24, Decimal("6.63"), "expired", sold),
    ]
    assert cents(result.ending_balance) == START + sold + bought
    assert cents(result.realized_pnl) == sold + bought


@pytest.mark.parametrize(
    ("structure", "params"),
    [("short_call", "{delta: 0.30}"), ("short_strangle", "{delta: 0.20}")],
)
def test_risk_fraction_refuses_an_unbounded_structure_in_one_line(
    spy2021_catalog: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    structure: str,
    params: str,
) -> None:
    # A naked short call loses without bound as SPY rises, so no fraction of equity sizes it:
    # the run is refused before anything is replayed, in one line naming the field.
    config = tmp_path / "unbounded.yaml"
    text = REFERENCE.read_text()
    reference_structure = "structure: short_put\n      structure_params: {delta: 0.50}"
    assert reference_structure in text
    config.write_text(
        text.replace(
            reference_structure,
            f"structure: {structure}\n      structure_params: {params}\n      risk_fraction: 0.02",
        )
    )
    args = ["backtest", str(config), "--catalog", str(spy2021_catalog)]
    assert main([*args, "--reports", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: {config}: strategies[0].config: risk_fraction cannot size {structure}: its "
        "loss is unbounded (more calls sold than bought); set quantity instead"
    ]
    assert not (tmp_path / "reports").exists()


def test_cash_secured_puts_are_capped_by_free_cash(spy2021_catalog: Path) -> None:
    # cash_secured_put at delta 0.50, 3 asked each Monday, 100,000 of cash.
    # 2021-01-04: SPY210219P00370000 at its bid 11.28; each reserves 370 x 100 = 37,000:
    #   floor(100,000 / 37,000) = 2 sold (shrunk from 3). Cash 100,000 + 2,256 - 1.30
    #   = 102,254.70, of which 74,000 reserved: 28,254.70 free.
    # Mondays 01-11 to 02-16: each Monday's put (strike >= 370) needs >= 37,000: none sold.
    # 2021-02-19: SPY closes 390.03 > 370, the puts expire; the reserve is freed.
    # 2021-02-22: SPY210319P00382000 at its bid 6.12: floor(102,254.70 / 38,200) = 2 sold.
    #   Cash 102,254.70 + 1,224 - 1.30 = 103,477.40, of which 76,400 reserved: 27,077.40 free.
    # 2021-03-01: the put (strike >= 370) again needs more: none sold.
    assert raw("SPY210219P00370000", "2021-01-04")["bid"] == Decimal("11.28")
    assert raw("SPY210319P00382000", "2021-02-22")["bid"] == Decimal("6.12")
    assert close("2021-02-19") == Decimal("390.03")
    first = 2 * Decimal("11.28") * 100 - 2 * FEE
    second = 2 * Decimal("6.12") * 100 - 2 * FEE
    assert 100_000 + first == Decimal("102254.70")

    result = run_variant(
        spy2021_catalog,
        starting_balance=100_000,
        end="2021-03-02",
        structure="cash_secured_put",
        entry_end="2021-03-01",
        quantity=3,
    )

    assert trades(result) == [
        ("2021-01-04", "SPY210219P00370000", "SELL", 2, Decimal("11.28"), "expired", first),
        ("2021-02-22", "SPY210319P00382000", "SELL", 2, Decimal("6.12"), "open", -2 * FEE),
    ]
    assert cents(result.ending_balance) == 100_000 + first + second == Decimal("103477.40")

    # Control: with the reference's 1,000,000 the same Mondays sell 3 puts each.
    rich = run_variant(
        spy2021_catalog,
        end="2021-01-20",
        structure="cash_secured_put",
        entry_end="2021-01-19",
        quantity=3,
    )
    assert [(t[0], t[3]) for t in trades(rich)] == [
        ("2021-01-04", 3),
        ("2021-01-11", 3),
        ("2021-01-19", 3),
    ]

"""Rolls on the real SPY 2021 chain: a time-triggered and a delta-triggered roll out in time,
a delta-triggered roll to new strikes on the same expiration, and a credit-only roll skipped,
each checked against a hand computation from the raw file.

Data: ``../shared/data`` SPY 2021 EOD chain and daily bars, ingested into a temporary catalog
(the fixture of ``test_reference_spy2021``). Config: ``configs/backtest/spy2021_put_roll.yaml``
narrowed to one entry session. Every fill is read from the raw file's bid/ask below: sells at
the bid, buys at the ask, 0.65 USD a contract, expiry free.
"""

from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from journal.chains import roll_chains
from tests.backtest.spy2021_raw import chain_of, close, raw
from tests.backtest.spy2021_runs import cents
from tests.conftest import PROJECT_ROOT
from tradefly.backtest.config import ActorEntry, RunConfig, load_run_config
from tradefly.backtest.results import BacktestResult
from tradefly.backtest.runner import run_backtest

ROLL_CONFIG = PROJECT_ROOT / "configs" / "backtest" / "spy2021_put_roll.yaml"
START = Decimal(1_000_000)
FEE = Decimal("0.65")


def _run(catalog: Path, entry_day: str, **fields: object) -> BacktestResult:
    config: RunConfig = load_run_config(ROLL_CONFIG).with_strategy_fields(
        entry_start=entry_day, entry_end=entry_day, **fields
    )
    return run_backtest(config, catalog, run_id="rolls")


def _legs(result: BacktestResult) -> dict[str, tuple[str, Decimal]]:
    return {t.symbol: (t.exit_reason, cents(t.pnl)) for t in result.trades}


def test_time_triggered_roll_chain_pnl_equals_the_hand_computation(
    spy2021_catalog: Path,
) -> None:
    # 2021-04-12: sell SPY210521P00410000 (delta nearest -0.50, 39 DTE) at its bid.
    # 2021-04-30, 21 DTE: roll. Buy it back at its ask; sell the put nearest -0.50 on a later
    # expiration 25-50 days out, SPY210618P00414000 (49 DTE), at its bid.
    # 2021-06-18: SPY closes above 414: the new put expires worthless.
    old_open = raw("SPY210521P00410000", "2021-04-12")
    old_close = raw("SPY210521P00410000", "2021-04-30")
    new_open = raw("SPY210618P00414000", "2021-04-30")
    assert (old_open["bid"], old_close["ask"], new_open["bid"]) == (
        Decimal("6.79"),
        Decimal("3.48"),
        Decimal("8.55"),
    )
    assert close("2021-06-18") == Decimal("414.92")
    old_pnl = (old_open["bid"] - old_close["ask"]) * 100 - 2 * FEE  # 331.00 - 1.30 = 329.70
    new_pnl = new_open["bid"] * 100 - FEE  # 855.00 - 0.65 = 854.35
    chain_pnl = old_pnl + new_pnl  # 1184.05
    assert chain_pnl == Decimal("1184.05")

    result = _run(spy2021_catalog, "2021-04-12")

    assert _legs(result) == {
        "SPY210521P00410000": ("rolled", old_pnl),
        "SPY210618P00414000": ("expired", new_pnl),
    }
    assert [(t.entry_time[:10], cents(t.entry_price)) for t in result.trades] == [
        ("2021-04-12", old_open["bid"]),
        ("2021-04-30", new_open["bid"]),
    ]
    assert cents(result.ending_balance) == START + chain_pnl  # cash
    assert all(t.exit_reason != "open" for t in result.trades)  # no position left
    assert cents(result.realized_pnl) == chain_pnl

    first, second = [r for r in result.journal if r["kind"] == "trade"]
    assert first["exit_reason"] == "rolled" and first["rolled_from"] is None
    assert second["rolled_from"] == first["id"]
    assert first["roll_chain"] == second["roll_chain"] == first["id"]
    assert second["reason_tags"][0] == "roll:roll_dte"
    assert cents(first["pnl"]) == old_pnl and cents(second["pnl"]) == new_pnl
    assert second["exit_reason"] == "expired"
    (chain,) = roll_chains(result.journal)
    assert chain.structure_ids == (first["id"], second["id"]) and chain.closed
    assert cents(chain.pnl) == chain_pnl


def test_delta_triggered_roll_chain_pnl_equals_the_hand_computation(
    spy2021_catalog: Path,
) -> None:
    # 2021-02-08: sell SPY210319P00390000 at its bid. Its delta stays above -0.60 on every
    # session it is quoted until 2021-02-25 (-0.64751, 22 DTE, before the 21-DTE trigger):
    # roll. Buy it back at its ask, sell SPY210416P00375000 (the put nearest -0.50 on a later
    # expiration 25-50 days out) at its bid: a net debit of 1.96, allowed without
    # roll_for_credit_only. 2021-04-16: SPY closes 417.26, the new put expires worthless.
    old_open = raw("SPY210319P00390000", "2021-02-08")
    old_close = raw("SPY210319P00390000", "2021-02-25")
    new_open = raw("SPY210416P00375000", "2021-02-25")
    assert old_close["delta"] == Decimal("-0.64751")
    assert raw("SPY210319P00390000", "2021-02-23")["delta"] == Decimal("-0.54233")
    assert (old_open["bid"], old_close["ask"], new_open["bid"]) == (
        Decimal("9.16"),
        Decimal("12.17"),
        Decimal("10.21"),
    )
    assert close("2021-04-16") > Decimal(375)
    old_pnl = (old_open["bid"] - old_close["ask"]) * 100 - 2 * FEE  # -301.00 - 1.30 = -302.30
    new_pnl = new_open["bid"] * 100 - FEE  # 1021.00 - 0.65 = 1020.35
    chain_pnl = old_pnl + new_pnl  # 718.05
    assert chain_pnl == Decimal("718.05")

    result = _run(spy2021_catalog, "2021-02-08")

    assert _legs(result) == {
        "SPY210319P00390000": ("rolled", old_pnl),
        "SPY210416P00375000": ("expired", new_pnl),
    }
    assert cents(result.ending_balance) == START + chain_pnl
    assert all(t.exit_reason != "open" for t in result.trades)
    first, second = [r for r in result.journal if r["kind"] == "trade"]
    assert second["rolled_from"] == first["id"] == second["roll_chain"]
    assert second["reason_tags"][0] == "roll:roll_short_delta"
    (chain,) = roll_chains(result.journal)
    assert cents(chain.pnl) == chain_pnl


def test_strike_roll_on_the_same_expiration_chain_pnl_equals_the_hand_computation(
    spy2021_catalog: Path,
) -> None:
    # roll_to: strikes, triggered by delta only. 2021-02-08: sell SPY210319P00390000 at its
    # bid. 2021-02-25 its delta is -0.64751: roll. Buy it back at its ask and sell the put of
    # the SAME expiration (2021-03-19) whose delta is nearest -0.50: the 385 (-0.54032; the
    # 380 is -0.44664), at its bid. 2021-03-19: SPY closes 389.48 > 385, the 385 put expires.
    old_open = raw("SPY210319P00390000", "2021-02-08")
    old_close = raw("SPY210319P00390000", "2021-02-25")
    new_open = raw("SPY210319P00385000", "2021-02-25")
    puts = {s: r["delta"] for s, r in chain_of("2021-02-25", "put", "2021-03-19").items()}
    assert min(puts, key=lambda s: abs(puts[s] + Decimal("0.5"))) == "SPY210319P00385000"
    assert (puts["SPY210319P00385000"], puts["SPY210319P00380000"]) == (
        Decimal("-0.54032"),
        Decimal("-0.44664"),
    )
    assert (old_open["bid"], old_close["ask"], new_open["bid"]) == (
        Decimal("9.16"),
        Decimal("12.17"),
        Decimal("9.64"),
    )
    assert close("2021-03-19") == Decimal("389.48")
    old_pnl = (old_open["bid"] - old_close["ask"]) * 100 - 2 * FEE  # -301.00 - 1.30 = -302.30
    new_pnl = new_open["bid"] * 100 - FEE  # 964.00 - 0.65 = 963.35
    chain_pnl = old_pnl + new_pnl  # 661.05
    assert chain_pnl == Decimal("661.05")

    result = _run(spy2021_catalog, "2021-02-08", roll_dte=None, roll_to="strikes")

    assert _legs(result) == {
        "SPY210319P00390000": ("rolled", old_pnl),
        "SPY210319P00385000": ("expired", new_pnl),
    }
    assert [(t.entry_time[:10], cents(t.entry_price)) for t in result.trades] == [
        ("2021-02-08", old_open["bid"]),
        ("2021-02-25", new_open["bid"]),
    ]
    assert cents(result.ending_balance) == START + chain_pnl  # cash
    assert all(t.exit_reason != "open" for t in result.trades)  # no position left
    assert cents(result.realized_pnl) == chain_pnl
    assert cents(result.fees) == 3 * FEE  # sell, buy back, sell; expiry free
    first, second = [r for r in result.journal if r["kind"] == "trade"]
    assert second["rolled_from"] == first["id"] == second["roll_chain"]
    assert second["reason_tags"][0] == "roll:roll_short_delta"
    (chain,) = roll_chains(result.journal)
    assert chain.closed and cents(chain.pnl) == chain_pnl


@pytest.mark.parametrize("credit_only", [False, True])
def test_credit_only_roll_is_skipped_when_the_roll_is_a_debit(
    spy2021_catalog: Path,
    credit_only: bool,
) -> None:
    # 2021-01-04: sell SPY210219P00370000 at its bid 11.28. 2021-01-29 (21 DTE, the last
    # session it is quoted): buying it back costs its ask 9.98 and the successor,
    # SPY210319P00350000, sells at its bid 9.39: a net debit of 0.59.
    old_open = raw("SPY210219P00370000", "2021-01-04")
    old_close = raw("SPY210219P00370000", "2021-01-29")
    new_open = raw("SPY210319P00350000", "2021-01-29")
    assert new_open["bid"] - old_close["ask"] == Decimal("-0.59")

    result = _run(spy2021_catalog, "2021-01-04", roll_for_credit_only=credit_only)

    if credit_only:
        # Not rolled: held to 2021-02-19, when SPY closes 390.03 above 370: expires worthless.
        assert close("2021-02-19") > Decimal(370)
        expected = old_open["bid"] * 100 - FEE  # 1127.35
        assert _legs(result) == {"SPY210219P00370000": ("expired", expected)}
    else:
        # Rolled for the debit; the 350 put expires worthless on 2021-03-19 (SPY 389.48).
        assert close("2021-03-19") > Decimal(350)
        old_pnl = (old_open["bid"] - old_close["ask"]) * 100 - 2 * FEE  # 128.70
        new_pnl = new_open["bid"] * 100 - FEE  # 938.35
        expected = old_pnl + new_pnl  # 1067.05
        assert _legs(result) == {
            "SPY210219P00370000": ("rolled", old_pnl),
            "SPY210319P00350000": ("expired", new_pnl),
        }
    assert cents(result.ending_balance) == START + expected
    assert all(t.exit_reason != "open" for t in result.trades)


def test_the_year_of_the_roll_config_reports_each_structure_as_its_own_trade(
    spy2021_catalog: Path,
) -> None:
    # The whole config: 42 weekly entries, as in the reference run, of which 16 are rolled
    # once. The report's trades are the journal's: a roll's new put opened in the instant of a
    # new weekly entry is a trade of its own, and every chain's P&L adds up to the run's.
    result = run_backtest(load_run_config(ROLL_CONFIG), spy2021_catalog, run_id="rolls-year")
    records = [r for r in result.journal if r["kind"] == "trade"]
    rolled = [r for r in records if r["rolled_from"] is not None]
    assert (len(records), len(rolled)) == (42 + 16, 16)
    assert result.n_trades == len(records)
    chains = roll_chains(result.journal)
    assert len(chains) == 42 and sum(len(c.structure_ids) == 2 for c in chains) == 16
    assert all(c.closed for c in chains)
    assert cents(sum(c.pnl for c in chains)) == cents(result.realized_pnl)


def _guarded(entry_checks: dict[str, object], **fields: object) -> RunConfig:
    # The 2021-04-12 entry of the time-triggered roll, under a risk guard with `entry_checks`.
    guard = {
        "actor_path": "actors.risk_guard:RiskGuard",
        "config_path": "actors.risk_guard:RiskGuardConfig",
        "config": {"underlying": "SPY", "entry": entry_checks},
    }
    config = load_run_config(ROLL_CONFIG).with_strategy_fields(
        entry_start="2021-04-12", entry_end="2021-04-12", **fields
    )
    return msgspec.structs.replace(config, actors=[msgspec.convert(guard, ActorEntry)])


ROLLED_ON_0430 = {  # the time-triggered roll's legs and P&L (hand computation above)
    "SPY210521P00410000": ("rolled", Decimal("329.70")),
    "SPY210618P00414000": ("expired", Decimal("854.35")),
}


def test_a_roll_at_the_open_trade_limits_is_made(spy2021_catalog: Path) -> None:
    # One open trade allowed by the risk guard (max_concurrent_trades) and by the engine
    # (max_open_trades): the roll of 2021-04-30 replaces the open put, so the limit does not
    # block it. Legs, cash and chain P&L as in the unguarded run: 329.70 + 854.35 = 1184.05.
    config = _guarded({"sizing": {"max_concurrent_trades": 1}}, max_open_trades=1)
    result = run_backtest(config, spy2021_catalog, run_id="rolls-at-limit")
    assert _legs(result) == ROLLED_ON_0430
    assert cents(result.ending_balance) == START + Decimal("1184.05")
    assert all(t.exit_reason != "open" for t in result.trades)
    (chain,) = roll_chains(result.journal)
    assert chain.closed and cents(chain.pnl) == Decimal("1184.05")


def test_a_roll_is_checked_for_greeks_without_the_put_it_replaces(spy2021_catalog: Path) -> None:
    # Net delta at most 60 shares. 2021-04-12 the entry adds +45.58 (vendor delta -0.45582).
    # 2021-04-30 the roll buys back the 410 put (vendor delta -0.31687: about +31.7 shares)
    # and sells the 414 (-0.43678: +43.68): the book after the roll holds +43.68 <= 60, so it
    # goes out; counting the old put as staying it would be about 75 > 60 and be blocked.
    old, new = raw("SPY210521P00410000", "2021-04-30"), raw("SPY210618P00414000", "2021-04-30")
    assert (old["delta"], new["delta"]) == (Decimal("-0.31687"), Decimal("-0.43678"))
    assert -(old["delta"] + new["delta"]) * 100 > 60 > -new["delta"] * 100
    config = _guarded({"greeks": {"max_delta_shares": 60}})
    result = run_backtest(config, spy2021_catalog, run_id="rolls-greeks")
    assert _legs(result) == ROLLED_ON_0430
    assert cents(result.ending_balance) == START + Decimal("1184.05")


def test_a_roll_the_risk_guard_blocks_is_not_made(spy2021_catalog: Path) -> None:
    # The loss cap still judges the new structure: risk per trade 4.04% of equity.
    # 2021-04-12: the 410 put risks (410 - 6.79) x 100 = 40,321 of 4.04% x 1,000,000 =
    # 40,400: entered. 2021-04-30: the 414 put would risk (414 - 8.55) x 100 = 40,545 of
    # 4.04% of equity after the buy-back, 1,000,000 + 679 - 0.65 - 348 (the ask 3.48) =
    # 1,000,330.35, i.e. 40,413.35: blocked. The old put is held to 2021-05-21 and expires
    # worthless (SPY 414.94 > 410).
    equity = START + Decimal("679") - FEE - Decimal("348")
    assert equity * Decimal("0.0404") < (414 - Decimal("8.55")) * 100
    assert (410 - Decimal("6.79")) * 100 <= START * Decimal("0.0404")
    config = _guarded({"sizing": {"risk_per_trade": 0.0404}})
    result = run_backtest(config, spy2021_catalog, run_id="rolls-risk")
    assert close("2021-05-21") == Decimal("414.94")
    expected = raw("SPY210521P00410000", "2021-04-12")["bid"] * 100 - FEE  # 679.00 - 0.65
    assert _legs(result) == {"SPY210521P00410000": ("expired", expected)}
    assert cents(result.ending_balance) == START + expected

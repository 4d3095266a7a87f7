"""Exits and roll-by-loss of ``StructureEngine`` in backtests on the real SPY 2021 chain.

Each rule fires on the session the hand computation from the raw file says, and the realized
P&L, cash and positions equal it: ``short_delta_limit`` and ``exit_on_short_strike`` on a short
put, ``take_profit_pct`` and ``stop_loss_multiple`` on a short put (a credit),
``take_profit_pct`` and ``stop_loss_pct`` on a long call (a debit), and the roll triggers
``roll_loss_multiple`` (a short put, a credit) and ``roll_loss_pct`` (a long put, a debit).
Runs: the reference config (``configs/backtest/spy2021_weekly_put.yaml``: delta nearest 0.50
over every expiration 25-50 days out) entering once, on the session each test names. Fills
from the raw file: sells at the bid, buys at the ask, 0.65 USD a contract, expiry free. Exits
are checked only on sessions the file quotes the held contract.
"""

from decimal import Decimal
from pathlib import Path

from journal.chains import roll_chains
from tests.backtest.spy2021_raw import chain_of, close, closes_between, quoted_days, raw
from tests.backtest.spy2021_runs import cents, run_variant, trades

START = Decimal(1_000_000)
FEE = Decimal("0.65")


def _held_days(symbol: str, entry: str, exit_: str) -> list[str]:
    """Sessions after `entry` and before `exit_` on which the file quotes `symbol`."""
    return [day for day in quoted_days(symbol) if entry < day < exit_]


def _nearest(day: str, kind: str, after: str) -> str:
    """The `kind` 25-50 days out, expiring after `after`, whose |delta| is nearest 0.50."""
    rows = {
        symbol: row
        for symbol, row in chain_of(day, kind, dte=(25, 50)).items()
        if "20" + symbol[3:5] + "-" + symbol[5:7] + "-" + symbol[7:9] > after
    }
    return min(rows, key=lambda s: abs(abs(rows[s]["delta"]) - Decimal("0.5")))


def _one_entry(catalog: Path, day: str, **fields: object):  # type: ignore[no-untyped-def]
    return run_variant(catalog, entry_schedule="daily", entry_start=day, entry_end=day, **fields)


PUT_390 = "SPY210319P00390000"  # sold 2021-02-08, delta nearest -0.50


def test_short_delta_limit_closes_the_put_when_its_delta_reaches_the_limit(
    spy2021_catalog: Path,
) -> None:
    # 2021-02-08: sell the 390 put at its bid 9.16. Its delta stays above -0.60 on every
    # session it is quoted until 2021-02-25 (-0.64751): buy it back there at its ask 12.17.
    # P&L = (9.16 - 12.17) x 100 - 2 x 0.65 = -301.00 - 1.30 = -302.30.
    assert _nearest("2021-02-08", "put", "2021-01-01") == PUT_390
    assert raw(PUT_390, "2021-02-08")["bid"] == Decimal("9.16")
    assert all(
        raw(PUT_390, d)["delta"] > Decimal("-0.60")
        for d in _held_days(PUT_390, "2021-02-08", "2021-02-25")
    )
    assert raw(PUT_390, "2021-02-25")["delta"] == Decimal("-0.64751")
    assert raw(PUT_390, "2021-02-25")["ask"] == Decimal("12.17")
    pnl = (Decimal("9.16") - Decimal("12.17")) * 100 - 2 * FEE
    assert pnl == Decimal("-302.30")

    result = _one_entry(spy2021_catalog, "2021-02-08", short_delta_limit=0.60)

    assert trades(result) == [
        ("2021-02-08", PUT_390, "SELL", 1, Decimal("9.16"), "short_delta", pnl)
    ]
    assert result.trades[0].exit_time is not None
    assert result.trades[0].exit_time[:10] == "2021-02-25"
    assert cents(result.trades[0].exit_price or 0) == Decimal("12.17")
    assert cents(result.ending_balance) == START + pnl
    assert cents(result.realized_pnl) == pnl


def test_exit_on_short_strike_closes_the_put_when_spy_closes_below_its_strike(
    spy2021_catalog: Path,
) -> None:
    # The same put. SPY closes at or above 390 on every session the put is quoted until
    # 2021-02-23. It first closes below on 2021-02-22 (387.03), a session the file does not
    # quote the put: no honest price to buy it back at, so no exit. 2021-02-23: SPY closes
    # 387.50 < 390 and the put is quoted: buy it back at its ask 8.75.
    # P&L = (9.16 - 8.75) x 100 - 2 x 0.65 = 41.00 - 1.30 = 39.70.
    held = _held_days(PUT_390, "2021-02-08", "2021-02-23")
    assert held and all(close(d) >= 390 for d in held)
    below = [d for d, c in closes_between("2021-02-09", "2021-02-23").items() if c < 390]
    assert below == ["2021-02-22", "2021-02-23"] and "2021-02-22" not in held
    assert close("2021-02-23") == Decimal("387.50")
    assert raw(PUT_390, "2021-02-23")["ask"] == Decimal("8.75")
    pnl = (Decimal("9.16") - Decimal("8.75")) * 100 - 2 * FEE
    assert pnl == Decimal("39.70")

    result = _one_entry(spy2021_catalog, "2021-02-08", exit_on_short_strike=True)

    assert trades(result) == [
        ("2021-02-08", PUT_390, "SELL", 1, Decimal("9.16"), "strike_breached", pnl)
    ]
    assert (result.trades[0].exit_time or "")[:10] == "2021-02-23"
    assert cents(result.ending_balance) == START + pnl


def test_take_profit_of_a_debit_fires_at_the_fraction_of_the_debit(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-28: buy SPY210319C00400000 (delta nearest 0.50) at its ask 2.73. take_profit_pct
    # 0.5: sell when the bid reaches 2.73 + 0.5 x 2.73 = 4.095. First quoted session with
    # such a bid: 2021-02-12, bid 4.10. P&L = (4.10 - 2.73) x 100 - 1.30 = 135.70.
    call = "SPY210319C00400000"
    assert _nearest("2021-01-28", "call", "2021-01-01") == call
    assert raw(call, "2021-01-28")["ask"] == Decimal("2.73")
    assert all(
        raw(call, d)["bid"] < Decimal("4.095") for d in _held_days(call, "2021-01-28", "2021-02-12")
    )
    assert raw(call, "2021-02-12")["bid"] == Decimal("4.10")
    pnl = (Decimal("4.10") - Decimal("2.73")) * 100 - 2 * FEE
    assert pnl == Decimal("135.70")

    result = _one_entry(
        spy2021_catalog,
        "2021-01-28",
        kinds=("call",),
        structure="long_call",
        structure_params={"delta": 0.50},
        take_profit_pct=0.5,
    )

    assert trades(result) == [("2021-01-28", call, "BUY", 1, Decimal("2.73"), "take_profit", pnl)]
    assert (result.trades[0].exit_time or "")[:10] == "2021-02-12"
    assert cents(result.ending_balance) == START + pnl


def test_stop_loss_pct_of_a_debit_fires_when_that_fraction_is_lost(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-07: buy SPY210219C00380000 (delta nearest 0.50) at its ask 8.63. stop_loss_pct
    # 0.5: sell when the bid falls to 8.63 - 0.5 x 8.63 = 4.315. First quoted session with
    # such a bid: 2021-01-29, bid 3.77. P&L = (3.77 - 8.63) x 100 - 1.30 = -487.30.
    call = "SPY210219C00380000"
    assert _nearest("2021-01-07", "call", "2021-01-01") == call
    assert raw(call, "2021-01-07")["ask"] == Decimal("8.63")
    assert all(
        raw(call, d)["bid"] > Decimal("4.315") for d in _held_days(call, "2021-01-07", "2021-01-29")
    )
    assert raw(call, "2021-01-29")["bid"] == Decimal("3.77")
    pnl = (Decimal("3.77") - Decimal("8.63")) * 100 - 2 * FEE
    assert pnl == Decimal("-487.30")

    result = _one_entry(
        spy2021_catalog,
        "2021-01-07",
        kinds=("call",),
        structure="long_call",
        structure_params={"delta": 0.50},
        stop_loss_pct=0.5,
    )

    assert trades(result) == [("2021-01-07", call, "BUY", 1, Decimal("8.63"), "stop_loss", pnl)]
    assert (result.trades[0].exit_time or "")[:10] == "2021-01-29"
    assert cents(result.ending_balance) == START + pnl


def test_take_profit_of_a_credit_fires_at_the_fraction_of_the_credit_kept(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-04: sell SPY210219P00370000 (the reference's first put) at its bid 11.28.
    # take_profit_pct 0.5: buy it back when its ask falls to (1 - 0.5) x 11.28 = 5.64. First
    # quoted session with such an ask: 2021-01-08, ask 5.60.
    # P&L = (11.28 - 5.60) x 100 - 2 x 0.65 = 568.00 - 1.30 = 566.70.
    put = "SPY210219P00370000"
    assert raw(put, "2021-01-04")["bid"] == Decimal("11.28")
    assert all(
        raw(put, d)["ask"] > Decimal("5.64") for d in _held_days(put, "2021-01-04", "2021-01-08")
    )
    assert raw(put, "2021-01-08")["ask"] == Decimal("5.60")
    pnl = (Decimal("11.28") - Decimal("5.60")) * 100 - 2 * FEE
    assert pnl == Decimal("566.70")

    result = _one_entry(spy2021_catalog, "2021-01-04", take_profit_pct=0.5)

    assert trades(result) == [("2021-01-04", put, "SELL", 1, Decimal("11.28"), "take_profit", pnl)]
    assert (result.trades[0].exit_time or "")[:10] == "2021-01-08"
    assert cents(result.ending_balance) == START + pnl


def test_stop_loss_multiple_of_a_credit_fires_where_the_roll_found_no_successor(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-25: sell SPY210219P00380000 at its bid 5.54. stop_loss_multiple 2: buy it back
    # when its ask reaches 2 x 5.54 = 11.08. 2021-01-26: ask 5.40; 2021-01-27: ask 12.30:
    # stop (the roll of the next test could not go out that session).
    # P&L = (5.54 - 12.30) x 100 - 2 x 0.65 = -676.00 - 1.30 = -677.30.
    put = "SPY210219P00380000"
    assert raw(put, "2021-01-26")["ask"] == Decimal("5.40")
    assert raw(put, "2021-01-27")["ask"] == Decimal("12.30")
    pnl = (Decimal("5.54") - Decimal("12.30")) * 100 - 2 * FEE
    assert pnl == Decimal("-677.30")

    result = _one_entry(spy2021_catalog, "2021-01-25", stop_loss_multiple=2.0)

    assert trades(result) == [("2021-01-25", put, "SELL", 1, Decimal("5.54"), "stop_loss", pnl)]
    assert (result.trades[0].exit_time or "")[:10] == "2021-01-27"
    assert cents(result.ending_balance) == START + pnl


def test_roll_loss_multiple_rolls_a_credit_on_the_first_session_a_successor_is_quoted(
    spy2021_catalog: Path,
) -> None:
    # 2021-01-25: sell SPY210219P00380000 at its bid 5.54. roll_loss_multiple 2: roll when its
    # ask reaches 2 x 5.54 = 11.08. 2021-01-26: ask 5.40. 2021-01-27: ask 12.30, but no put on
    # a later expiration 25-50 days out is quoted that session, so no roll (and no other exit
    # rule). 2021-01-28: ask 9.10. 2021-01-29: ask 14.54: roll. Buy it back at 14.54, sell the
    # put nearest -0.50 expiring after 2021-02-19 and 25-50 days out, SPY210319P00350000, at
    # its bid 9.39. 2021-03-19: SPY closes 389.48 > 350, the new put expires worthless.
    old, new = "SPY210219P00380000", "SPY210319P00350000"
    assert raw(old, "2021-01-25")["bid"] == Decimal("5.54")
    asks = [raw(old, d)["ask"] for d in _held_days(old, "2021-01-25", "2021-01-29")]
    assert asks == [Decimal("5.40"), Decimal("12.30"), Decimal("9.10")]
    assert not [s for s in chain_of("2021-01-27", "put", dte=(25, 50)) if s[3:9] > "210219"]
    assert raw(old, "2021-01-29")["ask"] == Decimal("14.54")
    assert _nearest("2021-01-29", "put", "2021-02-19") == new
    assert raw(new, "2021-01-29")["bid"] == Decimal("9.39")
    assert close("2021-03-19") == Decimal("389.48")
    old_pnl = (Decimal("5.54") - Decimal("14.54")) * 100 - 2 * FEE  # -900.00 - 1.30
    new_pnl = Decimal("9.39") * 100 - FEE  # 939.00 - 0.65
    assert (old_pnl, new_pnl, old_pnl + new_pnl) == (
        Decimal("-901.30"),
        Decimal("938.35"),
        Decimal("37.05"),
    )

    result = _one_entry(spy2021_catalog, "2021-01-25", roll_loss_multiple=2.0, max_rolls=1)

    assert trades(result) == [
        ("2021-01-25", old, "SELL", 1, Decimal("5.54"), "rolled", old_pnl),
        ("2021-01-29", new, "SELL", 1, Decimal("9.39"), "expired", new_pnl),
    ]
    assert cents(result.ending_balance) == START + old_pnl + new_pnl
    assert cents(result.realized_pnl) == old_pnl + new_pnl
    first, second = [r for r in result.journal if r["kind"] == "trade"]
    assert second["rolled_from"] == first["id"] == second["roll_chain"]
    assert second["reason_tags"][0] == "roll:roll_loss"
    (chain,) = roll_chains(result.journal)
    assert chain.closed and cents(chain.pnl) == old_pnl + new_pnl


def test_roll_loss_pct_rolls_a_debit_when_that_fraction_is_lost(spy2021_catalog: Path) -> None:
    # 2021-02-01: buy SPY210319P00375000 (delta nearest -0.50) at its ask 13.05. roll_loss_pct
    # 0.5: roll when its bid falls to 6.525. 2021-02-05: bid 5.93: sell it there and buy the
    # put nearest -0.50 expiring after 2021-03-19 and 25-50 days out, SPY210326P00382000, at
    # its ask 8.74. 2021-03-26: SPY closes 395.98 > 382, the new put expires worthless.
    old, new = "SPY210319P00375000", "SPY210326P00382000"
    assert _nearest("2021-02-01", "put", "2021-01-01") == old
    assert raw(old, "2021-02-01")["ask"] == Decimal("13.05")
    assert all(
        raw(old, d)["bid"] > Decimal("6.525") for d in _held_days(old, "2021-02-01", "2021-02-05")
    )
    assert raw(old, "2021-02-05")["bid"] == Decimal("5.93")
    assert _nearest("2021-02-05", "put", "2021-03-19") == new
    assert raw(new, "2021-02-05")["ask"] == Decimal("8.74")
    assert close("2021-03-26") == Decimal("395.98")
    old_pnl = (Decimal("5.93") - Decimal("13.05")) * 100 - 2 * FEE  # -712.00 - 1.30
    new_pnl = -Decimal("8.74") * 100 - FEE  # -874.00 - 0.65
    assert old_pnl + new_pnl == Decimal("-1587.95")

    result = _one_entry(
        spy2021_catalog,
        "2021-02-01",
        structure="long_put",
        structure_params={"delta": 0.50},
        roll_loss_pct=0.5,
        max_rolls=1,
    )

    assert trades(result) == [
        ("2021-02-01", old, "BUY", 1, Decimal("13.05"), "rolled", old_pnl),
        ("2021-02-05", new, "BUY", 1, Decimal("8.74"), "expired", new_pnl),
    ]
    assert cents(result.ending_balance) == START + old_pnl + new_pnl
    first, second = [r for r in result.journal if r["kind"] == "trade"]
    assert second["rolled_from"] == first["id"]
    assert second["reason_tags"][0] == "roll:roll_loss"
    (chain,) = roll_chains(result.journal)
    assert chain.closed and cents(chain.pnl) == Decimal("-1587.95")

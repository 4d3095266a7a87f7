"""Every shipped ``configs/backtest/spx2011_*.yaml`` run as the user runs it, checked by hand.

Data: the whole real iVolatility SPX week (2011-01-03..01-07,
``options_chains/ivolatility/spx_sample_ivolatility.csv``), ingested as the configs' headers
say. Each config is run with ``tradefly backtest CONFIG --json``. The hand computation reads
the raw file only: each leg opens at the natural price of 2011-01-03 (a buy at the ask, a sale
at the bid) and, when the trade closes on 2011-01-04 (``dte_exit``, ``stop_loss``), closes at
that day's natural price; 100 dollars per point and 0.65 per contract per fill (none at
expiry). Legs held to the SPXW 2011-01-07 expiry settle in cash at SPX's close of 1271.50: the
1250/1260 put spread expires worthless, the 1275 put settles at 3.50. The strangle's January
monthly (AM settlement 2011-01-21) is still open when the data ends: its balance holds the
credit less the fees.
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.backtest import spx2011_raw
from tests.backtest.spx2011_raw import Quotes
from tests.conftest import PROJECT_ROOT
from tradefly.cli import main

CONFIGS = PROJECT_ROOT / "configs" / "backtest"
START = Decimal(1_000_000)
FEE = Decimal("0.65")
OPEN_DAY, CLOSE_DAY = dt.date(2011, 1, 3), dt.date(2011, 1, 4)

# config -> (the report's shape name, exit reason, legs (OCC symbol, side, contracts), realized
# P&L written out from the raw file's bid/ask on 2011-01-03 and 2011-01-04).
EXPECTED: dict[str, tuple[str, str, list[tuple[str, str, int]], str]] = {
    # (18.70 - 21.80) + 2 x (14.10 - 16.40) + (8.10 - 10.80) = -10.40 x 100 - 8 x 0.65
    "spx2011_call_butterfly": (
        "call butterfly",
        "dte_exit",
        [
            ("SPX110122C01260000", "BUY", 1),
            ("SPX110122C01270000", "SELL", 2),
            ("SPX110122C01280000", "BUY", 1),
        ],
        "-1045.20",
    ),
    # (12.50 - 15.70) + (6.20 - 6.00) = -3.00 x 100 - 4 x 0.65
    "spx2011_call_calendar": (
        "call calendar",
        "dte_exit",
        [("SPX110122C01270000", "BUY", 1), ("SPXW110107C01270000", "SELL", 1)],
        "-302.60",
    ),
    # (12.50 - 15.70) + (5.50 - 6.30) = -4.00 x 100 - 4 x 0.65
    "spx2011_call_debit_spread": (
        "call debit spread",
        "dte_exit",
        [("SPX110122C01270000", "BUY", 1), ("SPX110122C01290000", "SELL", 1)],
        "-402.60",
    ),
    # (14.10 - 16.40) + (5.30 - 7.20) + (8.10 - 9.40) + (15.50 - 16.60) = -6.60 x 100 - 8 x 0.65
    "spx2011_iron_butterfly": (
        "iron butterfly",
        "dte_exit",
        [
            ("SPX110122C01270000", "SELL", 1),
            ("SPX110122C01290000", "BUY", 1),
            ("SPX110122P01250000", "BUY", 1),
            ("SPX110122P01270000", "SELL", 1),
        ],
        "-665.20",
    ),
    # (3.70 - 3.60) + (1.40 - 2.60) + (3.50 - 4.80) + (4.60 - 5.50) = -3.30 x 100 - 8 x 0.65
    "spx2011_iron_condor": (
        "iron condor",
        "stop_loss",
        [
            ("SPX110122C01300000", "SELL", 1),
            ("SPX110122C01310000", "BUY", 1),
            ("SPX110122P01220000", "BUY", 1),
            ("SPX110122P01230000", "SELL", 1),
        ],
        "-335.20",
    ),
    # 8.10 - 10.80 = -2.70 x 100 - 2 x 0.65
    "spx2011_long_call": ("long call", "dte_exit", [("SPX110122C01280000", "BUY", 1)], "-271.30"),
    # (12.50 - 15.70) + (15.10 - 17.30) = -5.40 x 100 - 4 x 0.65
    "spx2011_long_straddle": (
        "long straddle",
        "dte_exit",
        [("SPX110122C01270000", "BUY", 1), ("SPX110122P01270000", "BUY", 1)],
        "-542.60",
    ),
    # expired worthless, no closing fees: 3.70 - 2.25 = 1.45 x 100 - 2 x 0.65
    "spx2011_put_credit_spread": (
        "put credit spread",
        "expired",
        [("SPXW110107P01250000", "BUY", 1), ("SPXW110107P01260000", "SELL", 1)],
        "143.70",
    ),
    # (15.10 - 17.30) + (3.70 - 3.40) = -1.90 x 100 - 4 x 0.65
    "spx2011_put_diagonal": (
        "put diagonal",
        "dte_exit",
        [("SPX110122P01270000", "BUY", 1), ("SPXW110107P01260000", "SELL", 1)],
        "-192.60",
    ),
    # 2 x (8.50 - 9.40) + (15.10 - 17.30) = -4.00 x 100 - 6 x 0.65
    "spx2011_put_ratio_spread": (
        "put ratio spread",
        "dte_exit",
        [("SPX110122P01250000", "SELL", 2), ("SPX110122P01270000", "BUY", 1)],
        "-403.90",
    ),
    # still open: only the opening fees are realized
    "spx2011_short_strangle": (
        "short strangle",
        "open",
        [("SPX110122C01305000", "SELL", 1), ("SPX110122P01220000", "SELL", 1)],
        "-1.30",
    ),
    # settled in cash: 9.70 - (1275.00 - 1271.50) = 6.20 x 100 - 0.65
    "spx2011_spxw_put": ("short put", "assigned", [("SPXW110107P01275000", "SELL", 1)], "619.35"),
}


@pytest.fixture(scope="module")
def raw_quotes() -> Quotes:
    return spx2011_raw.raw_quotes()


def test_every_shipped_spx2011_config_is_checked() -> None:
    assert sorted(p.stem for p in CONFIGS.glob("spx2011_*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_config_trades_its_structure_at_the_raw_natural_prices(
    name: str,
    spx2011_week_catalog: Path,
    raw_quotes: Quotes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shape, reason, legs, realized = EXPECTED[name]
    argv = ["backtest", str(CONFIGS / f"{name}.yaml"), "--catalog", str(spx2011_week_catalog)]
    assert main([*argv, "--reports", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)

    (trade,) = summary["trades"]
    assert (trade["structure"], trade["exit_reason"]) == (shape, reason)
    got = sorted((leg["symbol"], leg["side"], leg["quantity"]) for leg in trade["legs"])
    assert got == sorted(legs)
    total = Decimal(0)
    for leg in trade["legs"]:
        sign = 1 if leg["side"] == "BUY" else -1
        bid, ask = raw_quotes[(leg["symbol"], OPEN_DAY)]
        assert Decimal(str(leg["entry_price"])) == (ask if sign > 0 else bid)
        if reason in ("dte_exit", "stop_loss"):
            bid, ask = raw_quotes[(leg["symbol"], CLOSE_DAY)]
            assert Decimal(str(leg["exit_price"])) == (bid if sign > 0 else ask)
        if leg["exit_price"] is not None:  # an expiry or settlement costs no commission
            moved = Decimal(str(leg["exit_price"])) - Decimal(str(leg["entry_price"]))
            fills = 2 if reason in ("dte_exit", "stop_loss") else 1
            pnl = sign * moved * 100 * leg["quantity"] - fills * FEE * leg["quantity"]
            assert Decimal(str(leg["pnl"])) == pnl
        total += Decimal(str(leg["pnl"]))
    assert total == Decimal(realized)
    assert Decimal(str(summary["realized_pnl"])) == Decimal(realized)
    if reason != "open":
        assert Decimal(str(summary["ending_balance"])) == START + Decimal(realized)
    else:  # the credit (2.20 + 3.30) x 100 less the opening fees stays in cash
        assert Decimal(str(summary["ending_balance"])) == START + Decimal("548.70")

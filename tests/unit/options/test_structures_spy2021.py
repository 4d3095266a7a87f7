"""Structures resolved and priced on one real session: SPY, 2021-06-01 (spot 419.67).

The lambdaclass SPY 2021 chain (historicaloptiondata layout, see ``catalog/eod_chains.py``)
has 20 contracts that day. Expirations 29, 31, 45, 80 and 108 days out; the default 30-45 day
window prefers 2021-07-02 (31 days, nearer the middle, 37.5) but it lists only two calls, so
every structure below falls back to 2021-07-16 (45 days), whose quotes are:

    put  398 3.63/3.66 d -0.21469     call 420 7.27/7.32 d 0.50194
    put  400 3.90/3.93 d -0.22594     call 425 4.63/4.66 d 0.39320
    put  410 5.72/5.74 d -0.33740     call 430 2.69/2.72 d 0.27615
    put  415 7.04/7.10 d -0.41010     call 435 1.45/1.47 d 0.16477
    put  420 8.81/8.86 d -0.49473     call 440 0.76/0.77 d 0.09817

Delta 0.30 picks put 410 (|0.3374 - 0.30| = 0.037) and call 430 (0.024).
"""

import csv
import datetime as dt
import math

import pytest
from nautilus_trader.model.enums import OptionKind

from options import presets
from options.chain_selection import ChainQuote, resolve
from options.priced import PricedStructure
from options.structures import Structure
from tests.conftest import shared_data_path

CHAIN_FILE = "options_chains/lambdaclass_SPY_options_2021_prod_1y.csv"
SESSION = dt.date(2021, 6, 1)
EXPIRATION = dt.date(2021, 7, 16)


def read_session(day: dt.date) -> tuple[float, list[ChainQuote]]:
    path = shared_data_path(CHAIN_FILE)
    spot = math.nan
    quotes = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["quotedate"] != day.isoformat():
                continue
            spot = float(row["underlying_last"])
            kind = OptionKind.CALL if row["type"] == "call" else OptionKind.PUT
            quotes.append(
                ChainQuote(
                    dt.date.fromisoformat(row["expiration"]),
                    kind,
                    float(row["strike"]),
                    float(row["bid"]),
                    float(row["ask"]),
                    float(row["delta"]),
                    float(row["gamma"]),
                    float(row["theta"]),
                    float(row["vega"]),
                )
            )
    return spot, quotes


def priced(structure: Structure) -> PricedStructure:
    spot, quotes = read_session(SESSION)
    assert spot == 419.67 and len(quotes) == 20
    resolution = resolve(structure, quotes, spot, SESSION)
    assert resolution.structure is not None, resolution.reason
    assert {leg.expiration for leg in resolution.structure.legs} == {EXPIRATION}
    return resolution.structure


def strikes(structure: PricedStructure) -> list[tuple[str, float]]:
    return [(leg.kind.name, leg.strike) for leg in structure.legs]


def test_iron_condor() -> None:
    condor = priced(presets.iron_condor(short_delta=0.30, width=10.0))
    assert strikes(condor) == [("PUT", 410), ("PUT", 400), ("CALL", 430), ("CALL", 440)]
    # sell 410P at 5.72, buy 400P at 3.93, sell 430C at 2.69, buy 440C at 0.77
    assert condor.natural == pytest.approx(-(5.72 - 3.93 + 2.69 - 0.77))  # 3.71 credit
    assert condor.mid == pytest.approx(-(5.73 - 3.915 + 2.705 - 0.765))  # 3.755 credit
    assert condor.max_loss() == pytest.approx((10 - 3.71) * 100)  # 629
    assert condor.max_profit() == pytest.approx(371)
    assert condor.breakevens() == pytest.approx((410 - 3.71, 430 + 3.71))
    greeks = condor.greeks
    assert greeks is not None
    # -(-0.33740) + (-0.22594) - 0.27615 + 0.09817, times 100
    assert greeks.delta == pytest.approx(-6.652)
    # -0.0145 + 0.01071 - 0.02018 + 0.01144, times 100
    assert greeks.gamma == pytest.approx(-1.253)
    # 0.10202 - 0.09359 + 0.06174 - 0.02918, times 100
    assert greeks.theta == pytest.approx(4.099)


def test_bull_put_spread() -> None:
    spread = priced(presets.bull_put_spread(short_delta=0.30, width=10.0))
    assert strikes(spread) == [("PUT", 410), ("PUT", 400)]
    assert spread.natural == pytest.approx(-(5.72 - 3.93))  # 1.79 credit
    assert spread.mid == pytest.approx(-(5.73 - 3.915))  # 1.815 credit
    assert spread.max_loss() == pytest.approx((10 - 1.79) * 100)  # 821
    assert spread.max_profit() == pytest.approx(179)
    assert spread.breakevens() == pytest.approx((408.21,))


def test_short_strangle() -> None:
    strangle = priced(presets.short_strangle(delta=0.30))
    assert strikes(strangle) == [("PUT", 410), ("CALL", 430)]
    assert strangle.natural == pytest.approx(-(5.72 + 2.69))  # 8.41 credit
    assert strangle.mid == pytest.approx(-(5.73 + 2.705))  # 8.435 credit
    assert strangle.max_loss() == math.inf  # the short call
    assert strangle.max_profit() == pytest.approx(841)
    assert strangle.breakevens() == pytest.approx((401.59, 438.41))

"""Every preset on the hand-written chain: the legs it picks and hand-computed figures.

Chain (spot 100, front expiry 35 days out; see ``synthetic_chain``): puts 90/95/100 at
0.50/0.60, 1.20/1.30, 2.90/3.10 with deltas -0.10/-0.20/-0.50; calls 100/105/110 at
2.90/3.10, 1.20/1.30, 0.50/0.60 with deltas 0.50/0.20/0.10; back expiry (70 days) calls 100
at 4.40/4.60. Natural = pay the ask on buys, receive the bid on sells; net > 0 is a debit.
"""

import math

import pytest

from options import presets
from options.chain_selection import resolve
from options.structures import Side
from tests.unit.options.synthetic_chain import BACK, FRONT, SPOT, TODAY, C, P, chain

L, S = Side.LONG, Side.SHORT
INF = math.inf

# name, structure, legs (side, kind, strike, ratio, expiration), natural, mid,
# max profit, max loss, breakevens — all by hand.
CASES = [
    # long C100 at 3.10: loses the debit, breaks even at 100 + 3.10.
    ("long_call", presets.long_call(), [(L, C, 100, 1, FRONT)], 3.10, 3.00, INF, 310, (103.10,)),
    # long P100 at 3.10: best case the stock goes to 0: (100 - 3.10) x 100.
    ("long_put", presets.long_put(), [(L, P, 100, 1, FRONT)], 3.10, 3.00, 9690, 310, (96.90,)),
    # naked short P95 at 1.20: loses (95 - 1.20) x 100 at 0; same trade as the cash-secured put.
    ("short_put", presets.short_put(), [(S, P, 95, 1, FRONT)], -1.20, -1.25, 120, 9380, (93.80,)),
    # naked short C105 at 1.20: unbounded loss above 105 + 1.20.
    (
        "short_call",
        presets.short_call(),
        [(S, C, 105, 1, FRONT)],
        -1.20,
        -1.25,
        120,
        INF,
        (106.20,),
    ),
    # 3.10 - 1.20 = 1.90 debit; profit (5 - 1.90) x 100.
    (
        "bull_call_spread",
        presets.bull_call_spread(),
        [(L, C, 100, 1, FRONT), (S, C, 105, 1, FRONT)],
        1.90,
        1.75,
        310,
        190,
        (101.90,),
    ),
    (
        "bear_put_spread",
        presets.bear_put_spread(),
        [(L, P, 100, 1, FRONT), (S, P, 95, 1, FRONT)],
        1.90,
        1.75,
        310,
        190,
        (98.10,),
    ),
    # 1.20 - 0.60 = 0.60 credit; loss (5 - 0.60) x 100; breakeven 95 - 0.60.
    (
        "bull_put_spread",
        presets.bull_put_spread(),
        [(S, P, 95, 1, FRONT), (L, P, 90, 1, FRONT)],
        -0.60,
        -0.70,
        60,
        440,
        (94.40,),
    ),
    (
        "bear_call_spread",
        presets.bear_call_spread(),
        [(S, C, 105, 1, FRONT), (L, C, 110, 1, FRONT)],
        -0.60,
        -0.70,
        60,
        440,
        (105.60,),
    ),
    # delta 0.16 picks the 0.20 strikes; credit 0.60 + 0.60 = 1.20; loss (5 - 1.20) x 100.
    (
        "iron_condor",
        presets.iron_condor(),
        [(S, P, 95, 1, FRONT), (L, P, 90, 1, FRONT), (S, C, 105, 1, FRONT), (L, C, 110, 1, FRONT)],
        -1.20,
        -1.40,
        120,
        380,
        (93.80, 106.20),
    ),
    # credit 2.90 - 1.30 + 2.90 - 1.30 = 3.20; loss (5 - 3.20) x 100.
    (
        "iron_butterfly",
        presets.iron_butterfly(),
        [(S, P, 100, 1, FRONT), (L, P, 95, 1, FRONT), (S, C, 100, 1, FRONT), (L, C, 105, 1, FRONT)],
        -3.20,
        -3.50,
        320,
        180,
        (96.80, 103.20),
    ),
    (
        "short_straddle",
        presets.short_straddle(),
        [(S, P, 100, 1, FRONT), (S, C, 100, 1, FRONT)],
        -5.80,
        -6.00,
        580,
        INF,
        (94.20, 105.80),
    ),
    (
        "long_straddle",
        presets.long_straddle(),
        [(L, P, 100, 1, FRONT), (L, C, 100, 1, FRONT)],
        6.20,
        6.00,
        INF,
        620,
        (93.80, 106.20),
    ),
    (
        "short_strangle",
        presets.short_strangle(),
        [(S, P, 95, 1, FRONT), (S, C, 105, 1, FRONT)],
        -2.40,
        -2.50,
        240,
        INF,
        (92.60, 107.40),
    ),
    (
        "long_strangle",
        presets.long_strangle(),
        [(L, P, 95, 1, FRONT), (L, C, 105, 1, FRONT)],
        2.60,
        2.50,
        INF,
        260,
        (92.40, 107.60),
    ),
    # pay 6.10 + 1.30, receive 2 x 2.90: debit 1.60; profit (5 - 1.60) x 100 at 100.
    (
        "call_butterfly",
        presets.call_butterfly(),
        [(S, C, 100, 2, FRONT), (L, C, 95, 1, FRONT), (L, C, 105, 1, FRONT)],
        1.60,
        1.25,
        340,
        160,
        (96.60, 103.40),
    ),
    (
        "put_butterfly",
        presets.put_butterfly(),
        [(S, P, 100, 2, FRONT), (L, P, 95, 1, FRONT), (L, P, 105, 1, FRONT)],
        1.60,
        1.25,
        340,
        160,
        (96.60, 103.40),
    ),
    # pay 4.60 for the back call, receive 2.90: the loss is at most the 1.70 debit.
    (
        "calendar",
        presets.calendar(),
        [(S, C, 100, 1, FRONT), (L, C, 100, 1, BACK)],
        1.70,
        1.50,
        None,
        170,
        None,
    ),
    # short front C105 (delta 0.20 nearest 0.30) at 1.20, long back C100 at 4.60: 3.40.
    (
        "diagonal",
        presets.diagonal(),
        [(S, C, 105, 1, FRONT), (L, C, 100, 1, BACK)],
        3.40,
        3.25,
        None,
        340,
        None,
    ),
    # pay 3.10, receive 2 x 1.20: debit 0.70; best at 105: (5 - 0.70) x 100; above 105 the
    # extra short call loses without bound; upper breakeven (S - 100) - 2 (S - 105) = 0.70.
    (
        "ratio_spread",
        presets.ratio_spread(),
        [(L, C, 100, 1, FRONT), (S, C, 105, 2, FRONT)],
        0.70,
        0.50,
        430,
        INF,
        (100.70, 109.30),
    ),
    # put version: at 0 the position is worth 100 - 2 x 95 = -90, less the 0.70 debit.
    (
        "ratio_spread",
        presets.ratio_spread(kind=P),
        [(L, P, 100, 1, FRONT), (S, P, 95, 2, FRONT)],
        0.70,
        0.50,
        430,
        9070,
        (90.70, 99.30),
    ),
    # 100 shares at 100, short C105 (delta 0.20 nearest 0.30) at 1.20: 98.80 a share.
    (
        "covered_call",
        presets.covered_call(),
        [(S, C, 105, 1, FRONT)],
        98.80,
        98.75,
        620,
        9880,
        (98.80,),
    ),
    (
        "cash_secured_put",
        presets.cash_secured_put(),
        [(S, P, 95, 1, FRONT)],
        -1.20,
        -1.25,
        120,
        9380,
        (93.80,),
    ),
]


def test_cases_cover_every_preset() -> None:
    assert {case[0] for case in CASES} == set(presets.PRESETS)


@pytest.mark.parametrize(
    ("name", "structure", "legs", "natural", "mid", "max_profit", "max_loss", "breakevens"),
    CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(CASES)],
)
def test_preset_on_the_hand_chain(
    name, structure, legs, natural, mid, max_profit, max_loss, breakevens
) -> None:
    assert structure.name == name
    resolution = resolve(structure, chain(), SPOT, TODAY)
    priced = resolution.structure
    assert priced is not None, resolution.reason
    got = [(leg.side, leg.kind, leg.strike, leg.ratio, leg.expiration) for leg in priced.legs]
    assert got == legs
    assert priced.natural == pytest.approx(natural)
    assert priced.mid == pytest.approx(mid)
    assert priced.max_profit() == pytest.approx(max_profit)
    assert priced.max_loss() == pytest.approx(max_loss)
    assert structure.loss_unbounded == math.isinf(max_loss)  # known before any quote
    if breakevens is None:
        assert priced.breakevens() is None
    else:
        assert priced.breakevens() == pytest.approx(breakevens)


def test_stock_and_cash_legs() -> None:
    covered = resolve(presets.covered_call(), chain(), SPOT, TODAY).structure
    assert covered is not None and covered.stock is not None
    assert (covered.stock.shares, covered.stock.ask) == (100, SPOT)
    assert covered.cash_reserve == 0.0
    csp = resolve(presets.cash_secured_put(), chain(), SPOT, TODAY, quantity=3).structure
    assert csp is not None
    assert csp.cash_reserve == 95 * 100 * 3


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: presets.iron_condor(width=0), "width"),
        (lambda: presets.bull_put_spread(short_delta=1.5), "StrikeByDelta.delta"),
        (lambda: presets.ratio_spread(ratio=1), "ratio"),
        (lambda: presets.long_call(delta=0.0), "StrikeByDelta.delta"),
    ],
)
def test_bad_preset_arguments_name_the_field(call, field) -> None:
    with pytest.raises(ValueError, match=field):
        call()

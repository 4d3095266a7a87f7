"""Properties of expiry payoffs on random concrete verticals, condors and leg sets."""

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.model.enums import OptionKind

from options.priced import Leg, PricedStructure
from options.structures import Side

EXPIRY = dt.date(2024, 2, 16)
TOLERANCE = 1e-6

strikes = st.integers(20, 1000).map(lambda half_dollars: half_dollars / 2)
kinds = st.sampled_from([OptionKind.CALL, OptionKind.PUT])
sides = st.sampled_from([Side.LONG, Side.SHORT])
quantities = st.integers(1, 5)


@st.composite
def quoted_leg(draw, kind, side, strike, top: float, ratio: int = 1) -> Leg:
    bid = draw(st.floats(0.0, top))
    ask = draw(st.floats(bid, top))
    return Leg(kind, side, strike, EXPIRY, bid, ask, ratio)


@st.composite
def verticals(draw) -> tuple[PricedStructure, float]:
    low, high = sorted(draw(st.lists(strikes, min_size=2, max_size=2, unique=True)))
    width = high - low
    kind, side = draw(kinds), draw(sides)
    rich_strike, cheap_strike = (low, high) if kind == OptionKind.CALL else (high, low)
    # The leg nearer the money is quoted at or above the other, within half the width: the
    # net is then a debit when buying it and a credit when selling it, smaller than the width.
    rich_bid = draw(st.floats(0.0, width / 2))
    rich_ask = draw(st.floats(rich_bid, width / 2))
    cheap_ask = draw(st.floats(0.0, rich_bid))
    cheap_bid = draw(st.floats(0.0, cheap_ask))
    other = Side.SHORT if side == Side.LONG else Side.LONG
    legs = (
        Leg(kind, side, rich_strike, EXPIRY, rich_bid, rich_ask),
        Leg(kind, other, cheap_strike, EXPIRY, cheap_bid, cheap_ask),
    )
    return PricedStructure(legs, quantity=draw(quantities)), width


@st.composite
def condors(draw) -> tuple[PricedStructure, float]:
    k1, k2, k3, k4 = sorted(draw(st.lists(strikes, min_size=4, max_size=4, unique=True)))
    top = min(k2 - k1, k4 - k3) / 4
    put, call = OptionKind.PUT, OptionKind.CALL
    legs = (
        draw(quoted_leg(put, Side.LONG, k1, top)),
        draw(quoted_leg(put, Side.SHORT, k2, top)),
        draw(quoted_leg(call, Side.SHORT, k3, top)),
        draw(quoted_leg(call, Side.LONG, k4, top)),
    )
    return PricedStructure(legs, quantity=draw(quantities)), max(k2 - k1, k4 - k3)


@st.composite
def leg_sets(draw) -> PricedStructure:
    count = draw(st.integers(1, 5))
    legs = tuple(
        draw(quoted_leg(draw(kinds), draw(sides), draw(strikes), 20.0, draw(st.integers(1, 3))))
        for _ in range(count)
    )
    return PricedStructure(legs, quantity=draw(quantities))


def grid(structure: PricedStructure) -> list[float]:
    strike_set = sorted({leg.strike for leg in structure.legs})
    top = 2 * strike_set[-1]
    return [0.0, *strike_set, *np.linspace(0.0, top, 257).tolist()]


def assert_payoff_within_extremes(structure: PricedStructure) -> None:
    best, worst = structure.max_profit(), structure.max_loss()
    assert best is not None
    for spot in grid(structure):
        pnl = structure.pnl_at_expiry(spot)
        assert pnl <= best + TOLERANCE
        assert pnl >= -worst - TOLERANCE


@settings(deadline=None)
@given(verticals())
def test_vertical_max_loss_plus_max_profit_is_the_width(case) -> None:
    structure, width = case
    total = structure.max_loss() + (structure.max_profit() or 0.0)
    assert math.isclose(total, width * 100 * structure.quantity, rel_tol=1e-9)
    assert_payoff_within_extremes(structure)


@settings(deadline=None)
@given(condors())
def test_condor_max_loss_plus_max_profit_is_the_wider_wing(case) -> None:
    structure, wider_wing = case
    total = structure.max_loss() + (structure.max_profit() or 0.0)
    assert math.isclose(total, wider_wing * 100 * structure.quantity, rel_tol=1e-9)
    assert_payoff_within_extremes(structure)


@settings(deadline=None)
@given(leg_sets())
def test_any_leg_set_stays_within_its_extremes_and_breaks_even_at_its_breakevens(
    structure,
) -> None:
    assert_payoff_within_extremes(structure)
    best, worst = structure.max_profit(), structure.max_loss()
    assert best is not None
    if best < math.inf:
        assert any(
            math.isclose(structure.pnl_at_expiry(s), best, abs_tol=1e-6) for s in grid(structure)
        )
    if worst < math.inf and worst > 0:
        assert any(
            math.isclose(structure.pnl_at_expiry(s), -worst, abs_tol=1e-6) for s in grid(structure)
        )
    for breakeven in structure.breakevens() or ():
        assert abs(structure.pnl_at_expiry(breakeven)) < 1e-6

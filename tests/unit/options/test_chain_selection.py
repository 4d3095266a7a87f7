"""Resolving leg rules against a chain: strike and expiration choice, and the reasons for None."""

import datetime as dt

import pytest

from options import presets
from options.chain_selection import ChainQuote, resolve
from options.structures import (
    DteWindow,
    FixedStrike,
    LegRule,
    Side,
    StrikeByDelta,
    StrikeByMoneyness,
    StrikeOffset,
    Structure,
)
from tests.unit.options.synthetic_chain import BACK, FRONT, SPOT, TODAY, C, P, chain

L, S = Side.LONG, Side.SHORT
WINDOW = DteWindow(30, 45)


def single(*legs: LegRule) -> Structure:
    return Structure("test", legs, (WINDOW,))


def strikes_of(structure: Structure, quotes=None, spot: float = SPOT) -> list[float]:
    resolution = resolve(structure, chain() if quotes is None else quotes, spot, TODAY)
    assert resolution.structure is not None, resolution.reason
    assert resolution.reason == ""
    return [leg.strike for leg in resolution.structure.legs]


def reason_of(structure: Structure, quotes=None) -> str:
    resolution = resolve(structure, chain() if quotes is None else quotes, SPOT, TODAY)
    assert resolution.structure is None
    return resolution.reason


def test_no_expiration_in_the_window_is_a_reason() -> None:
    reason = reason_of(presets.long_call(dte=DteWindow(100, 120)))
    assert reason == "long_call: no expiration 100-120 days after 2024-01-02 for expiration slot 0"


def test_the_preferred_expiration_is_skipped_when_its_strikes_do_not_fit() -> None:
    # 2024-02-08 (37 days) is nearest the window's middle but lists no puts.
    near = dt.date(2024, 2, 8)
    quotes = [*chain(), ChainQuote(near, C, 100.0, 2.0, 2.2, 0.5)]
    resolution = resolve(presets.bull_put_spread(), quotes, SPOT, TODAY)
    assert resolution.structure is not None
    assert {leg.expiration for leg in resolution.structure.legs} == {FRONT}


def test_the_reason_comes_from_the_most_preferred_expiration() -> None:
    reason = reason_of(presets.bull_put_spread(width=7.0))
    assert reason == (
        "bull_put_spread: leg 1 (long put 2024-02-06): "
        "no strike within 0.00 of 88.00 (-7.00 from leg 0's strike 95.00)"
    )


def test_offset_tolerance_accepts_the_nearest_listed_strike() -> None:
    rule = StrikeOffset(0, -7.0, tolerance=2.0)
    assert strikes_of(single(LegRule(P, S, StrikeByDelta(0.2)), LegRule(P, L, rule))) == [95, 90]


def test_a_non_zero_offset_lies_strictly_on_its_side() -> None:
    rule = StrikeOffset(0, 1.0, tolerance=10.0)
    assert strikes_of(single(LegRule(P, S, FixedStrike(100.0)), LegRule(P, L, rule))) == [100, 105]


def test_delta_ties_go_further_out_of_the_money() -> None:
    quotes = [ChainQuote(FRONT, C, k, 1.0, 1.1, d) for k, d in ((100.0, 0.5), (105.0, 0.25))]
    assert strikes_of(single(LegRule(C, L, StrikeByDelta(0.375))), quotes) == [105]


def test_moneyness_picks_the_nearest_strike_and_ties_go_lower() -> None:
    assert strikes_of(single(LegRule(C, L, StrikeByMoneyness(1.06))), spot=100.0) == [105]
    assert strikes_of(single(LegRule(C, L, StrikeByMoneyness(1.0))), spot=102.5) == [100]


def test_a_fixed_strike_must_be_listed() -> None:
    assert strikes_of(single(LegRule(P, S, FixedStrike(90.0)))) == [90]
    assert "fixed strike 91.00" in reason_of(single(LegRule(P, S, FixedStrike(91.0))))


def test_quotes_without_a_delta_are_skipped_by_delta_rules() -> None:
    quotes = [ChainQuote(FRONT, C, 100.0, 2.0, 2.2), ChainQuote(FRONT, C, 110.0, 0.5, 0.6, 0.1)]
    assert strikes_of(single(LegRule(C, S, StrikeByDelta(0.5))), quotes) == [110]
    reason = reason_of(single(LegRule(C, S, StrikeByDelta(0.5))), quotes[:1])
    assert reason.endswith("no quote has a delta")


def test_a_leg_with_no_quotes_of_its_kind_is_a_reason() -> None:
    quotes = [ChainQuote(FRONT, C, 100.0, 2.0, 2.2, 0.5)]
    assert (
        reason_of(presets.long_put(), quotes) == "long_put: leg 0 (long put 2024-02-06): no quotes"
    )


def test_two_legs_on_one_contract_are_a_reason() -> None:
    same = single(LegRule(C, S, StrikeByDelta(0.5)), LegRule(C, L, FixedStrike(100.0)))
    assert reason_of(same) == "test: two legs resolved to the same contract"


def test_the_back_slot_expires_strictly_after_the_front_slot() -> None:
    wide = DteWindow(30, 80)
    calendar = presets.calendar(front=wide, back=wide)
    resolution = resolve(calendar, chain(), SPOT, TODAY)
    assert resolution.structure is not None
    assert [leg.expiration for leg in resolution.structure.legs] == [FRONT, BACK]
    front_only = [q for q in chain() if q.expiration == FRONT]
    assert reason_of(calendar, front_only) == "calendar: no back expiration after the front one"


def test_same_day_expiries_resolve_with_a_zero_day_window() -> None:
    quotes = [ChainQuote(TODAY, C, 100.0, 0.5, 0.6, 0.5)]
    structure = presets.long_call(dte=DteWindow(0, 0))
    resolution = resolve(structure, quotes, SPOT, TODAY)
    assert resolution.structure is not None
    assert resolution.structure.legs[0].expiration == TODAY


def test_stock_is_priced_at_spot_and_quantity_is_carried() -> None:
    resolution = resolve(presets.covered_call(), chain(), 101.5, TODAY, quantity=4)
    priced = resolution.structure
    assert priced is not None and priced.stock is not None
    assert (priced.stock.shares, priced.stock.bid, priced.stock.ask) == (100, 101.5, 101.5)
    assert priced.quantity == 4 and priced.name == "covered_call"


def test_leg_greeks_come_from_quotes_with_all_four() -> None:
    full = ChainQuote(FRONT, C, 100.0, 2.0, 2.2, 0.5, 0.03, -0.05, 0.11)
    partial = ChainQuote(FRONT, C, 100.0, 2.0, 2.2, 0.5, 0.03)
    assert full.greeks is not None and full.greeks.vega == 0.11
    assert partial.greeks is None
    priced = resolve(presets.long_call(), [full], SPOT, TODAY).structure
    assert priced is not None and priced.legs[0].greeks == full.greeks


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ChainQuote(FRONT, C, 0.0, 1.0, 1.1), "ChainQuote.strike"),
        (lambda: ChainQuote(FRONT, C, 100.0, 1.2, 1.1), "ChainQuote bid/ask"),
        (lambda: ChainQuote(FRONT, C, 100.0, float("nan"), 1.1), "ChainQuote bid/ask"),
        (lambda: ChainQuote(FRONT, C, 100.0, 1.0, 1.1, 1.5), "ChainQuote.delta"),
        (lambda: ChainQuote(FRONT, C, 100.0, 1.0, 1.1, 0.5, float("inf")), "ChainQuote.gamma"),
        (lambda: resolve(presets.long_call(), chain(), 0.0, TODAY), "spot"),
        (lambda: resolve(presets.long_call(), [], SPOT, TODAY, quantity=0), "quantity"),
    ],
)
def test_bad_inputs_are_named(build, field) -> None:
    with pytest.raises(ValueError, match=field):
        build()


def test_expirations_equally_near_the_target_go_to_the_earlier() -> None:
    # window 30-40, middle 35: 33 and 37 days out are both 2 days away
    early, late = dt.date(2024, 2, 4), dt.date(2024, 2, 8)
    quotes = [ChainQuote(e, C, 100.0, 2.0, 2.2, 0.5) for e in (late, early)]
    priced = resolve(presets.long_call(dte=DteWindow(30, 40)), quotes, SPOT, TODAY).structure
    assert priced is not None and priced.legs[0].expiration == early

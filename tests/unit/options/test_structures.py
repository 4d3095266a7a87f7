"""Leg rules and structures: validation names the field; expiration windows prefer a target."""

import pytest
from nautilus_trader.model.enums import OptionKind

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

C, P = OptionKind.CALL, OptionKind.PUT
WINDOW = DteWindow(30, 45)


def test_side_value_is_the_sign() -> None:
    assert (Side.LONG.value, Side.SHORT.value) == (1, -1)


def test_window_bounds_are_inclusive_and_the_middle_is_preferred_by_default() -> None:
    assert [WINDOW.contains(d) for d in (29, 30, 45, 46)] == [False, True, True, False]
    assert WINDOW.distance(37) == 0.5
    assert DteWindow(30, 45, target=30).distance(37) == 7


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: StrikeByDelta(1.0), "StrikeByDelta.delta"),
        (lambda: StrikeByDelta(float("nan")), "StrikeByDelta.delta"),
        (lambda: StrikeByMoneyness(0.0), "StrikeByMoneyness.ratio"),
        (lambda: StrikeOffset(-1, 5.0), "StrikeOffset.leg"),
        (lambda: StrikeOffset(0, float("inf")), "StrikeOffset.dollars"),
        (lambda: StrikeOffset(0, 5.0, tolerance=-1.0), "StrikeOffset.tolerance"),
        (lambda: FixedStrike(-5.0), "FixedStrike.strike"),
        (lambda: DteWindow(-1, 10), "DteWindow.min_dte"),
        (lambda: DteWindow(10, 5), "DteWindow.max_dte"),
        (lambda: DteWindow(10, 20, target=30), "DteWindow.target"),
        (lambda: DteWindow(1.5, 20), "DteWindow.min_dte"),  # type: ignore[arg-type]
        (lambda: LegRule("call", Side.LONG, StrikeByDelta(0.3)), "LegRule.kind"),  # type: ignore[arg-type]
        (lambda: LegRule(C, 1, StrikeByDelta(0.3)), "LegRule.side"),  # type: ignore[arg-type]
        (lambda: LegRule(C, Side.LONG, 0.3), "LegRule.strike"),  # type: ignore[arg-type]
        (lambda: LegRule(C, Side.LONG, StrikeByDelta(0.3), ratio=0), "LegRule.ratio"),
        (lambda: LegRule(C, Side.LONG, StrikeByDelta(0.3), ratio=True), "LegRule.ratio"),
        (lambda: LegRule(C, Side.LONG, StrikeByDelta(0.3), expiration=-1), "LegRule.expiration"),
    ],
)
def test_rules_reject_bad_fields_naming_them(build, field) -> None:
    with pytest.raises(ValueError, match=field):
        build()


def leg(strike=None, expiration: int = 0, kind=C, side=Side.SHORT) -> LegRule:
    return LegRule(kind, side, strike or StrikeByDelta(0.3), expiration=expiration)


@pytest.mark.parametrize(
    ("legs", "windows", "extra", "message"),
    [
        ((), (WINDOW,), {}, r"Structure.legs of s must not be empty"),
        ((leg(),), (), {}, r"Structure.expirations of s must not be empty"),
        ((leg(expiration=1),), (WINDOW,), {}, r"Structure.legs\[0\].expiration"),
        ((leg(StrikeOffset(0, 5.0)),), (WINDOW,), {}, r"Structure.legs\[0\].strike"),
        ((leg(), leg(StrikeOffset(1, 5.0))), (WINDOW,), {}, r"Structure.legs\[1\].strike"),
        ((leg(),), (WINDOW, DteWindow(60, 90)), {}, r"slots \[1\] have no leg"),
        ((leg(), leg(expiration=1)), (WINDOW, DteWindow(10, 30)), {}, "expirations\\[1\\]"),
        ((leg(),), (WINDOW,), {"stock_shares": 1.5}, "Structure.stock_shares"),
        ((leg(kind=C),), (WINDOW,), {"cash_secured": True}, "Structure.cash_secured"),
        ((leg(kind=P),), (WINDOW,), {"cash_secured": True, "stock_shares": 100}, "cash_secured"),
    ],
)
def test_structure_rejects_inconsistent_fields(legs, windows, extra, message) -> None:
    with pytest.raises(ValueError, match=message):
        Structure("s", legs, windows, **extra)


def test_structure_name_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match=r"Structure.name"):
        Structure("", (leg(),), (WINDOW,))


def test_a_calendar_structure_is_valid_and_immutable() -> None:
    calendar = Structure(
        "calendar", (leg(), leg(StrikeOffset(0, 0.0), 1)), (WINDOW, DteWindow(50, 90))
    )
    with pytest.raises(AttributeError):
        calendar.name = "other"  # type: ignore[misc]

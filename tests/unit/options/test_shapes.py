"""The field's names of option shapes, read from the legs alone."""

import datetime as dt

import pytest
from nautilus_trader.model.enums import OptionKind

from options.shapes import ShapeLeg, shape_name

C, P = OptionKind.CALL, OptionKind.PUT
FRONT, BACK = dt.date(2024, 1, 19), dt.date(2024, 2, 16)


def leg(kind: OptionKind, contracts: int, strike: float, expiration: dt.date = FRONT, premium=0.0):
    return ShapeLeg(kind, contracts, strike, expiration, premium)


@pytest.mark.parametrize(
    ("legs", "name"),
    [
        ([leg(P, -1, 470)], "short put"),
        ([leg(C, 2, 480)], "long call"),
        ([leg(P, -1, 470, premium=2.0), leg(P, 1, 465, premium=1.0)], "put credit spread"),
        ([leg(C, 1, 480, premium=3.0), leg(C, -1, 490, premium=1.0)], "call debit spread"),
        ([leg(C, -1, 480), leg(C, 1, 480, BACK)], "call calendar"),
        ([leg(P, -1, 470), leg(P, 1, 480, BACK)], "put diagonal"),
        ([leg(C, 1, 475), leg(P, 1, 475)], "long straddle"),
        ([leg(C, -1, 490), leg(P, -1, 460)], "short strangle"),
        ([leg(P, 1, 480), leg(P, -2, 470)], "put ratio spread"),
        ([leg(C, 1, 470), leg(C, -2, 480), leg(C, 1, 490)], "call butterfly"),
        ([leg(P, -1, 470), leg(P, 2, 480), leg(P, -1, 490)], "short put butterfly"),
        ([leg(P, 1, 450), leg(P, -1, 460), leg(C, -1, 490), leg(C, 1, 500)], "iron condor"),
        ([leg(P, 1, 460), leg(P, -1, 475), leg(C, -1, 475), leg(C, 1, 490)], "iron butterfly"),
        ([leg(P, -1, 450), leg(P, 1, 460), leg(C, 1, 490), leg(C, -1, 500)], "long iron condor"),
    ],
)
def test_shapes_are_named_as_the_field_names_them(legs: list[ShapeLeg], name: str) -> None:
    assert shape_name(legs) == name
    assert shape_name(list(reversed(legs))) == name


@pytest.mark.parametrize(
    ("legs", "name"),
    [
        ([leg(C, 1, 480), leg(C, 1, 490)], "2-leg call"),  # two longs are no spread
        ([leg(C, 1, 480), leg(P, -1, 470)], "2-leg mixed"),  # a risk reversal
        ([leg(C, 1, 480), leg(P, 1, 470, BACK)], "2-leg mixed"),
        ([leg(C, 1, 470), leg(C, -2, 480), leg(C, 1, 495)], "3-leg call"),  # broken wings
        ([leg(C, 1, 470), leg(C, -2, 480), leg(C, 1, 490, BACK)], "3-leg call"),
        ([leg(P, 1, 450), leg(P, -1, 460), leg(C, -2, 490), leg(C, 2, 500)], "4-leg mixed"),
        ([leg(P, 1, 450), leg(P, -1, 495), leg(C, -1, 490), leg(C, 1, 500)], "4-leg mixed"),
        ([leg(P, 1, 450), leg(P, 1, 460), leg(C, 1, 490), leg(C, 1, 500)], "4-leg mixed"),
        ([leg(P, -1, 470)] * 5, "5-leg put"),
    ],
)
def test_other_shapes_are_counted_by_legs_and_kind(legs: list[ShapeLeg], name: str) -> None:
    assert shape_name(legs) == name


def test_no_legs_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one leg"):
        shape_name([])

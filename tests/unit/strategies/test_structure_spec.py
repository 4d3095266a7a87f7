"""Presets named in a config become the options domain's structures (``structure_spec``)."""

import pytest
from nautilus_trader.model.enums import OptionKind

from options import presets
from options.structures import DteWindow, StrikeByDelta, StrikeByMoneyness
from strategies.toolkit.structure_spec import build_structure


def test_plain_values_become_rules_windows_and_kinds() -> None:
    condor = build_structure("iron_condor", {"short_delta": 0.2, "width": 10}, DteWindow(30, 45))
    assert condor == presets.iron_condor(short_delta=0.2, width=10.0, dte=DteWindow(30, 45))
    calendar = build_structure(
        "calendar",
        {
            "kind": "put",
            "strike": {"moneyness": 1.0},
            "front": [20, 40],
            "back": {"min_dte": 50, "max_dte": 90, "target": 60},
        },
        DteWindow(30, 45),  # a calendar has front and back windows: no dte
    )
    assert calendar == presets.calendar(
        OptionKind.PUT, StrikeByMoneyness(1.0), DteWindow(20, 40), DteWindow(50, 90, 60)
    )
    short = build_structure("short_put", {"strike": {"delta": 0.25}, "dte": [7, 14]})
    assert short.legs[0].strike == StrikeByDelta(0.25)
    assert short.expirations == (DteWindow(7, 14),)
    assert build_structure("ratio_spread", {"ratio": 3}).legs[1].ratio == 3


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("condor", {}, r"structure was 'condor', not one of \['bear_call_spread'"),
        ("iron_condor", {"wings": 3}, r"structure_params of iron_condor: .*'wings'"),
        ("calendar", {"kind": "both"}, r"structure_params.kind of calendar: was 'both'"),
        ("short_put", {"dte": [45, 30]}, r"structure_params.dte of short_put: DteWindow.max_dte"),
        ("short_put", {"dte": 30}, r"structure_params.dte of short_put: was 30, not \[min_dte"),
        ("short_call", {"delta": 1.2}, r"structure_params of short_call: StrikeByDelta.delta"),
    ],
)
def test_bad_values_name_the_preset_and_parameter(name: str, params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_structure(name, params)

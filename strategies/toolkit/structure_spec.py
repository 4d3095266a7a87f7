"""A structure named in a config: a preset and its parameters as plain YAML values.

``structure: iron_condor`` with ``structure_params: {short_delta: 0.2, width: 10}`` becomes
``options.presets.iron_condor(short_delta=0.2, width=10.0, dte=DteWindow(...))``. Plain values
map to the options domain's types:

- ``kind``: ``call`` or ``put``;
- ``strike`` / ``center``: ``{delta: 0.3}`` (:class:`options.structures.StrikeByDelta`) or
  ``{moneyness: 1.0}`` (:class:`options.structures.StrikeByMoneyness`);
- ``dte`` / ``front`` / ``back``: ``[min, max]`` or ``{min_dte, max_dte, target}`` in calendar
  days (:class:`options.structures.DteWindow`).

The single-expiration window ``dte`` may also come from the strategy's ``dte_min``,
``dte_max`` and ``dte_target`` fields.
"""

from collections.abc import Mapping

from nautilus_trader.model.enums import OptionKind

from options.presets import PRESETS
from options.structures import DteWindow, StrikeByDelta, StrikeByMoneyness, StrikeRule, Structure

_WINDOW_KEYS = ("dte", "front", "back")
_STRIKE_KEYS = ("strike", "center")


def build_structure(
    name: str, params: Mapping[str, object], dte: DteWindow | None = None
) -> Structure:
    """Return the preset `name` built from config values.

    Parameters
    ----------
    name : str
        A key of :data:`options.presets.PRESETS`.
    params : mapping of str to object
        The preset's keyword arguments as plain values (module docstring).
    dte : DteWindow or None
        The expiration window when `params` has no ``dte`` (single-expiration presets only).

    Returns
    -------
    Structure
        The rules.

    Raises
    ------
    ValueError
        Naming the preset and the parameter: an unknown preset or parameter, or a value the
        preset refuses.

    """
    preset = PRESETS.get(name)
    if preset is None:
        raise ValueError(f"structure was {name!r}, not one of {sorted(PRESETS)}")
    kwargs: dict[str, object] = {}
    for key, value in params.items():
        try:
            kwargs[key] = _convert(key, value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"structure_params.{key} of {name}: {error}") from None
    takes_dte = "dte" in preset.__code__.co_varnames[: preset.__code__.co_argcount]
    if dte is not None and takes_dte and "dte" not in kwargs:
        kwargs["dte"] = dte
    try:
        return preset(**kwargs)
    except TypeError as error:
        raise ValueError(f"structure_params of {name}: {error}") from None
    except ValueError as error:
        raise ValueError(f"structure_params of {name}: {error}") from None


def _convert(key: str, value: object) -> object:
    if key == "kind":
        if value not in ("call", "put"):
            raise ValueError(f"was {value!r}, not 'call' or 'put'")
        return OptionKind.CALL if value == "call" else OptionKind.PUT
    if key in _STRIKE_KEYS:
        return _strike(value)
    if key in _WINDOW_KEYS:
        return _window(value)
    if isinstance(value, int) and not isinstance(value, bool) and key != "ratio":
        return float(value)
    return value


def _strike(value: object) -> StrikeRule:
    if isinstance(value, Mapping) and len(value) == 1:
        ((rule, number),) = value.items()
        if rule == "delta":
            return StrikeByDelta(float(number))
        if rule == "moneyness":
            return StrikeByMoneyness(float(number))
    raise ValueError(f"was {value!r}, not {{delta: x}} or {{moneyness: x}}")


def _window(value: object) -> DteWindow:
    if isinstance(value, list | tuple) and len(value) in (2, 3):
        return DteWindow(*value)
    if isinstance(value, Mapping):
        return DteWindow(**value)
    raise ValueError(f"was {value!r}, not [min_dte, max_dte] or {{min_dte, max_dte, target}}")

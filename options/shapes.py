"""Name a set of option legs by the field's name for its shape.

A report knows a trade by its fills, not by the preset that opened it, so the name is read from
the legs alone: kinds, sides, strikes, expirations and contracts. Names follow the usage of the
Options Industry Council's strategy guides and Cboe: a vertical is a ``put credit spread`` or
``call debit spread`` (by the net premium at entry); a ``calendar`` has one strike and two
expirations, a ``diagonal`` two of each; a ``straddle`` or ``strangle`` is a call and a put on
the same side; a butterfly is 1-2-1 at equally spaced strikes of one kind; an ``iron condor``
or ``iron butterfly`` is a put vertical below a call vertical (``short`` when the inner strikes
are sold; the plain name means the short form, as the field uses it); a ``ratio spread`` is two
strikes of one kind and expiration with unequal contracts. Anything else is ``N-leg put``,
``N-leg call`` or ``N-leg mixed``.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from nautilus_trader.model.enums import OptionKind


@dataclass(frozen=True, slots=True)
class ShapeLeg:
    """One option leg as a report sees it.

    Parameters
    ----------
    kind : OptionKind
        Call or put.
    signed_contracts : int
        Contracts, positive when bought (long), negative when sold (short); never 0.
    strike : float
        Strike price, dollars per share.
    expiration : dt.date
        Expiration date.
    premium : float
        Entry price, dollars per share (used only to call a vertical credit or debit).

    """

    kind: OptionKind
    signed_contracts: int
    strike: float
    expiration: dt.date
    premium: float = 0.0


def shape_name(legs: Sequence[ShapeLeg]) -> str:
    """Return the field's name for the shape of `legs`.

    Parameters
    ----------
    legs : Sequence[ShapeLeg]
        The option legs of one trade, in any order (at least one).

    Returns
    -------
    str
        E.g. ``short put``, ``put credit spread``, ``call calendar``, ``put diagonal``,
        ``long straddle``, ``short strangle``, ``call butterfly``, ``short put butterfly``,
        ``iron condor``, ``long iron butterfly``, ``put ratio spread``; else ``N-leg put``,
        ``N-leg call`` or ``N-leg mixed``.

    Raises
    ------
    ValueError
        If `legs` is empty.

    """
    if not legs:
        raise ValueError("a shape needs at least one leg")
    kinds = {leg.kind for leg in legs}
    kind = _kind_word(kinds)
    if len(legs) == 1:
        leg = legs[0]
        return f"{'long' if leg.signed_contracts > 0 else 'short'} {kind}"
    named = (
        _two_legs(legs[0], legs[1], kind)
        if len(legs) == 2
        else _butterfly(legs, kind)
        if len(legs) == 3
        else _iron(legs)
        if len(legs) == 4
        else None
    )
    return named or f"{len(legs)}-leg {kind}"


def _kind_word(kinds: set[OptionKind]) -> str:
    if kinds == {OptionKind.PUT}:
        return "put"
    if kinds == {OptionKind.CALL}:
        return "call"
    return "mixed"


def _two_legs(a: ShapeLeg, b: ShapeLeg, kind: str) -> str | None:
    if kind == "mixed":
        if a.expiration != b.expiration or (a.signed_contracts > 0) != (b.signed_contracts > 0):
            return None
        side = "long" if a.signed_contracts > 0 else "short"
        return f"{side} {'straddle' if a.strike == b.strike else 'strangle'}"
    if (a.signed_contracts > 0) == (b.signed_contracts > 0):
        return None
    if a.expiration != b.expiration:
        return f"{kind} {'calendar' if a.strike == b.strike else 'diagonal'}"
    if abs(a.signed_contracts) != abs(b.signed_contracts):
        return f"{kind} ratio spread"
    credit = -(a.signed_contracts * a.premium + b.signed_contracts * b.premium)
    return f"{kind} {'credit' if credit >= 0 else 'debit'} spread"


def _butterfly(legs: Sequence[ShapeLeg], kind: str) -> str | None:
    low, mid, high = sorted(legs, key=lambda leg: leg.strike)
    wings = low.signed_contracts
    if (
        kind == "mixed"
        or len({leg.expiration for leg in legs}) != 1
        or high.signed_contracts != wings
        or mid.signed_contracts != -2 * wings
        or mid.strike - low.strike != high.strike - mid.strike
    ):
        return None
    return f"{kind} butterfly" if wings > 0 else f"short {kind} butterfly"


def _iron(legs: Sequence[ShapeLeg]) -> str | None:
    puts = sorted((leg for leg in legs if leg.kind == OptionKind.PUT), key=lambda x: x.strike)
    calls = sorted((leg for leg in legs if leg.kind == OptionKind.CALL), key=lambda x: x.strike)
    if len(puts) != 2 or len(calls) != 2 or len({leg.expiration for leg in legs}) != 1:
        return None
    size = abs(puts[0].signed_contracts)
    if any(abs(leg.signed_contracts) != size for leg in legs):
        return None
    inner, outer = (puts[1], calls[0]), (puts[0], calls[1])
    if inner[0].strike > inner[1].strike:
        return None
    sold_inner = all(leg.signed_contracts < 0 for leg in inner) and all(
        leg.signed_contracts > 0 for leg in outer
    )
    bought_inner = all(leg.signed_contracts > 0 for leg in inner) and all(
        leg.signed_contracts < 0 for leg in outer
    )
    if not (sold_inner or bought_inner):
        return None
    name = "iron butterfly" if inner[0].strike == inner[1].strike else "iron condor"
    return name if sold_inner else f"long {name}"

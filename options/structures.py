"""Option structures as rules: legs that say how to pick their strike and expiration.

A :class:`Structure` is a trade shape independent of any chain: each :class:`LegRule` has a
kind (call or put), a :class:`Side`, a ratio (contracts per structure), a strike rule and an
expiration slot. The structure's expiration slots are :class:`DteWindow` s: one slot for
single-expiration structures, a front and a back slot for calendars and diagonals. Legs in one
slot share one expiration. :func:`options.chain_selection.resolve` turns a structure and a
chain snapshot into concrete, priced legs (:class:`options.priced.PricedStructure`); the
named presets are in :mod:`options.presets`.

Strike rules:

- :class:`StrikeByDelta`: the listed strike whose absolute delta is nearest a target;
- :class:`StrikeByMoneyness`: the listed strike nearest ``ratio × spot``;
- :class:`StrikeOffset`: the listed strike nearest an earlier leg's strike plus a signed
  dollar offset (a spread's width, a butterfly's wing, a calendar's shared strike);
- :class:`FixedStrike`: a given strike.

Units: strikes and offsets in dollars per share; deltas per share (absolute, as a decimal);
days to expiration (DTE) in calendar days. Every class is immutable and checks its fields on
construction, raising ``ValueError`` naming the field.
"""

import math
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from nautilus_trader.model.enums import OptionKind


class Side(Enum):
    """Long (bought) or short (sold); the value is the sign of the position."""

    LONG = 1
    SHORT = -1


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_count(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class StrikeByDelta:
    """The listed strike whose absolute delta is nearest `delta`.

    Parameters
    ----------
    delta : float
        Target absolute delta per share, in (0, 1): 0.30 picks a call near +0.30 or a put near
        -0.30. Ties go to the smaller absolute delta (further out of the money).

    Raises
    ------
    ValueError
        If `delta` is not in (0, 1).

    """

    delta: float

    def __post_init__(self) -> None:
        _require(
            _is_finite(self.delta) and 0.0 < self.delta < 1.0,
            f"StrikeByDelta.delta must be an absolute delta in (0, 1), got {self.delta!r}",
        )


@dataclass(frozen=True, slots=True)
class StrikeByMoneyness:
    """The listed strike nearest ``ratio × spot``.

    Parameters
    ----------
    ratio : float
        Target strike divided by the underlying price; 1.0 is at the money, 0.95 five per cent
        below spot. Positive. Ties go to the lower strike.

    Raises
    ------
    ValueError
        If `ratio` is not finite and positive.

    """

    ratio: float

    def __post_init__(self) -> None:
        _require(
            _is_finite(self.ratio) and self.ratio > 0.0,
            f"StrikeByMoneyness.ratio must be finite and positive, got {self.ratio!r}",
        )


@dataclass(frozen=True, slots=True)
class StrikeOffset:
    """The listed strike nearest an earlier leg's strike plus `dollars`.

    A spread's width is an offset: a bull put spread's long put is ``StrikeOffset(0, -5.0)``
    from the short put (leg 0). With a non-zero offset the strike lies strictly on the
    offset's side of the anchor; with zero it equals the anchor's strike.

    Parameters
    ----------
    leg : int
        Index of the anchor leg in the structure; must come before the leg using this rule.
    dollars : float
        Signed offset from the anchor's strike, dollars per share.
    tolerance : float, default 0.0
        Largest accepted distance, in dollars, between the listed strike and the target; 0
        requires the exact strike.

    Raises
    ------
    ValueError
        If `leg` is negative, `dollars` is not finite or `tolerance` is negative.

    """

    leg: int
    dollars: float
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        _require(_is_count(self.leg, 0), f"StrikeOffset.leg must be a leg index, got {self.leg!r}")
        _require(
            _is_finite(self.dollars), f"StrikeOffset.dollars must be finite, got {self.dollars!r}"
        )
        _require(
            _is_finite(self.tolerance) and self.tolerance >= 0.0,
            f"StrikeOffset.tolerance must be finite and >= 0, got {self.tolerance!r}",
        )


@dataclass(frozen=True, slots=True)
class FixedStrike:
    """A given strike, which must be listed.

    Parameters
    ----------
    strike : float
        Dollars per share; positive.

    Raises
    ------
    ValueError
        If `strike` is not finite and positive.

    """

    strike: float

    def __post_init__(self) -> None:
        _require(
            _is_finite(self.strike) and self.strike > 0.0,
            f"FixedStrike.strike must be finite and positive, got {self.strike!r}",
        )


StrikeRule = StrikeByDelta | StrikeByMoneyness | StrikeOffset | FixedStrike
"""How a leg picks its strike."""


@dataclass(frozen=True, slots=True)
class DteWindow:
    """An expiration slot: accepted days to expiration and the preferred number.

    Parameters
    ----------
    min_dte : int
        Fewest calendar days from the trade date to expiration; 0 allows same-day expiries.
    max_dte : int
        Most calendar days; at least `min_dte`.
    target : int or None, default None
        Preferred days; expirations nearer to it are tried first (ties: the earlier one).
        None means the middle of the window.

    Raises
    ------
    ValueError
        If the bounds are not integers with ``0 <= min_dte <= max_dte`` or `target` lies
        outside them.

    """

    min_dte: int
    max_dte: int
    target: int | None = None

    def __post_init__(self) -> None:
        _require(
            _is_count(self.min_dte, 0),
            f"DteWindow.min_dte must be an integer >= 0, got {self.min_dte!r}",
        )
        _require(
            _is_count(self.max_dte, self.min_dte),
            f"DteWindow.max_dte must be an integer >= min_dte ({self.min_dte}), "
            f"got {self.max_dte!r}",
        )
        _require(
            self.target is None
            or (_is_count(self.target, self.min_dte) and self.target <= self.max_dte),
            f"DteWindow.target must be an integer in [{self.min_dte}, {self.max_dte}], "
            f"got {self.target!r}",
        )

    def contains(self, dte: int) -> bool:
        """Return whether `dte` calendar days lies in the window (bounds included)."""
        return self.min_dte <= dte <= self.max_dte

    def distance(self, dte: int) -> float:
        """Return how far `dte` is from the preferred number of days, in days."""
        preferred = (self.min_dte + self.max_dte) / 2 if self.target is None else self.target
        return abs(dte - preferred)


@dataclass(frozen=True, slots=True)
class LegRule:
    """One leg of a structure, before it is matched to a chain.

    Parameters
    ----------
    kind : OptionKind
        ``CALL`` or ``PUT``.
    side : Side
        ``LONG`` or ``SHORT``.
    strike : StrikeRule
        How the strike is picked.
    ratio : int, default 1
        Contracts (of 100 shares) of this leg per structure; at least 1.
    expiration : int, default 0
        Index of the structure's expiration slot (0 the front, 1 the back).

    Raises
    ------
    ValueError
        If `kind`, `side` or `strike` has the wrong type, or `ratio` or `expiration` is out
        of range.

    """

    kind: OptionKind
    side: Side
    strike: StrikeRule
    ratio: int = 1
    expiration: int = 0

    def __post_init__(self) -> None:
        _require(
            isinstance(self.kind, OptionKind),
            f"LegRule.kind must be an OptionKind, got {self.kind!r}",
        )
        _require(isinstance(self.side, Side), f"LegRule.side must be a Side, got {self.side!r}")
        _require(
            isinstance(self.strike, StrikeRule),
            f"LegRule.strike must be a strike rule, got {self.strike!r}",
        )
        _require(
            _is_count(self.ratio, 1), f"LegRule.ratio must be an integer >= 1, got {self.ratio!r}"
        )
        _require(
            _is_count(self.expiration, 0),
            f"LegRule.expiration must be a slot index >= 0, got {self.expiration!r}",
        )


@dataclass(frozen=True, slots=True)
class Structure:
    """A named set of leg rules with its expiration slots.

    Parameters
    ----------
    name : str
        The structure's name, e.g. ``iron_condor``.
    legs : tuple of LegRule
        At least one leg. A :class:`StrikeOffset` must refer to an earlier leg.
    expirations : tuple of DteWindow
        One slot per distinct expiration; every slot is used by a leg. Slot ``i + 1``
        expires strictly after slot ``i``, so its window must reach past slot ``i``'s minimum.
    stock_shares : int, default 0
        Shares of the underlying held per structure (100 long for a covered call; negative
        for short stock).
    cash_secured : bool, default False
        Whether cash of strike × 100 per short put contract is reserved (a cash-secured put);
        only for structures made of short puts alone.

    Raises
    ------
    ValueError
        If a field is empty, a leg refers to a missing slot or to itself or a later leg, a
        slot is unused or cannot come after the previous one, or `cash_secured` is set on a
        structure with anything but short puts.

    """

    name: str
    legs: tuple[LegRule, ...]
    expirations: tuple[DteWindow, ...]
    stock_shares: int = 0
    cash_secured: bool = False

    def __post_init__(self) -> None:
        _require(bool(self.name), "Structure.name must not be empty")
        _require(len(self.legs) > 0, f"Structure.legs of {self.name} must not be empty")
        _require(
            len(self.expirations) > 0, f"Structure.expirations of {self.name} must not be empty"
        )
        for index, leg in enumerate(self.legs):
            _require(
                leg.expiration < len(self.expirations),
                f"Structure.legs[{index}].expiration of {self.name} is slot {leg.expiration}, "
                f"but there are {len(self.expirations)} expiration slots",
            )
            _require(
                not isinstance(leg.strike, StrikeOffset) or leg.strike.leg < index,
                f"Structure.legs[{index}].strike of {self.name} must refer to an earlier leg, "
                f"got leg {getattr(leg.strike, 'leg', None)}",
            )
        used = {leg.expiration for leg in self.legs}
        for slot, (earlier, later) in enumerate(pairwise(self.expirations)):
            _require(
                later.max_dte > earlier.min_dte,
                f"Structure.expirations[{slot + 1}] of {self.name} must reach past "
                f"{earlier.min_dte} days, got max_dte {later.max_dte}",
            )
        _require(
            used == set(range(len(self.expirations))),
            f"Structure.expirations of {self.name}: slots "
            f"{sorted(set(range(len(self.expirations))) - used)} have no leg",
        )
        _require(
            isinstance(self.stock_shares, int) and not isinstance(self.stock_shares, bool),
            f"Structure.stock_shares must be an integer, got {self.stock_shares!r}",
        )
        _require(
            not self.cash_secured
            or (
                self.stock_shares == 0
                and all(leg.kind == OptionKind.PUT and leg.side == Side.SHORT for leg in self.legs)
            ),
            f"Structure.cash_secured of {self.name} needs short puts alone",
        )

    @property
    def loss_unbounded(self) -> bool:
        """Whether the structure can lose without bound as the underlying rises.

        Above every strike each call moves one-for-one with the underlying (a long back call is
        worth at least its intrinsic value, a short back call at most the spot) and so does each
        share, so the loss is unbounded exactly when more calls are sold than bought and
        covered by shares: ``sum(signed call ratios) x 100 + stock_shares < 0``. The bound is
        that of :meth:`options.priced.PricedStructure.max_loss`.
        """
        calls = sum(
            leg.ratio if leg.side == Side.LONG else -leg.ratio
            for leg in self.legs
            if leg.kind == OptionKind.CALL
        )
        return calls * 100 + self.stock_shares < 0

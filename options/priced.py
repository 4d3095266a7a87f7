"""Concrete, quoted structures: net price, max profit and loss, breakevens and greeks.

A :class:`PricedStructure` holds concrete :class:`Leg` s (strike, expiration, kind, side,
ratio, bid/ask, optional greeks), an optional :class:`StockLeg` and a quantity.

Conventions:

- prices in dollars per share; one contract is 100 shares and its multiplier 100: a
  standard contract (:func:`options.deliverables.is_standard_contract`), the only kind the
  structure engine prices, since no adjusted or mini contract is ever chosen;
- a net price is per share of one structure: ``Σ side × ratio × leg price`` plus the stock's
  ``shares / 100 × price``; positive is a debit paid, negative a credit received. The
  natural price pays the ask on buys and receives the bid on sells; the mid uses
  ``(bid + ask) / 2``;
- profit, loss and cash in dollars for the whole position: per-share figures × 100 ×
  quantity. ``math.inf`` marks an unbounded profit or loss;
- greeks: delta in shares, gamma in shares per dollar of the underlying, theta in dollars per
  calendar day, vega in dollars per vol point (0.01 of vol); vol as a decimal.

At expiry the payoff of a single-expiration structure is piecewise linear in the underlying
price, with kinks at the strikes, so its extremes and breakevens are exact. A calendar or
diagonal still holds its back legs when the front legs expire; their value then needs a model.
For those, :meth:`PricedStructure.max_loss` is a model-free bound (long back legs worth at
least their intrinsic value, as for American options; short back calls at most the spot,
short back puts at most the strike), :meth:`PricedStructure.max_profit` and
:meth:`PricedStructure.breakevens` are None, and :meth:`PricedStructure.model_breakevens`
values the back legs by Black-Scholes at a given vol.
"""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from nautilus_trader.model.enums import OptionKind

from options.pricing import DAYS_PER_YEAR, bs_price_array
from options.structures import Side

CONTRACT_SHARES = 100
"""Shares per option contract, also its multiplier: a standard contract (module docstring)."""

_ZERO = 1e-9
_MODEL_GRID_POINTS = 4001
_BISECTION_STEPS = 60

FloatArray = npt.NDArray[np.float64]


def _check_price(owner: str, bid: float, ask: float) -> None:
    if not (math.isfinite(bid) and math.isfinite(ask) and 0.0 <= bid <= ask):
        raise ValueError(f"{owner} bid/ask must be finite with 0 <= bid <= ask, got {bid}/{ask}")


@dataclass(frozen=True, slots=True)
class Greeks:
    """Greeks of one option, per share.

    Parameters
    ----------
    delta : float
        Per dollar of the underlying.
    gamma : float
        Delta per dollar of the underlying.
    theta : float
        Dollars per calendar day.
    vega : float
        Dollars per vol point (0.01 of vol).

    Raises
    ------
    ValueError
        If a value is not finite.

    """

    delta: float
    gamma: float
    theta: float
    vega: float

    def __post_init__(self) -> None:
        for name in ("delta", "gamma", "theta", "vega"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"Greeks.{name} must be finite, got {getattr(self, name)!r}")


@dataclass(frozen=True, slots=True)
class Leg:
    """One concrete option leg with its quote.

    Parameters
    ----------
    kind : OptionKind
        ``CALL`` or ``PUT``.
    side : Side
        ``LONG`` or ``SHORT``.
    strike : float
        Dollars per share; positive.
    expiration : datetime.date
        The expiration date.
    bid, ask : float
        Quote in dollars per share, ``0 <= bid <= ask``.
    ratio : int, default 1
        Contracts per structure; at least 1.
    greeks : Greeks or None, default None
        Per-share greeks of one contract (not signed by `side`).

    Raises
    ------
    ValueError
        If the strike is not positive, the quote is crossed or negative, or `ratio` < 1.

    """

    kind: OptionKind
    side: Side
    strike: float
    expiration: dt.date
    bid: float
    ask: float
    ratio: int = 1
    greeks: Greeks | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.strike) and self.strike > 0.0):
            raise ValueError(f"Leg.strike must be finite and positive, got {self.strike!r}")
        _check_price(f"Leg {self.kind.name} {self.strike}", self.bid, self.ask)
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, int) or self.ratio < 1:
            raise ValueError(f"Leg.ratio must be an integer >= 1, got {self.ratio!r}")

    @property
    def natural(self) -> float:
        """Return the price paid (ask) on a long leg or received (bid) on a short one."""
        return self.ask if self.side == Side.LONG else self.bid

    @property
    def mid(self) -> float:
        """Return ``(bid + ask) / 2``, dollars per share."""
        return (self.bid + self.ask) / 2.0

    @property
    def units(self) -> int:
        """Return the signed contracts per structure: ``side × ratio``."""
        return self.side.value * self.ratio


@dataclass(frozen=True, slots=True)
class StockLeg:
    """Shares of the underlying held with the options (a covered call's stock).

    Parameters
    ----------
    shares : int
        Shares per structure; positive long, negative short, not zero.
    bid, ask : float
        Quote in dollars per share, ``0 <= bid <= ask``.

    Raises
    ------
    ValueError
        If `shares` is zero or the quote is crossed or negative.

    """

    shares: int
    bid: float
    ask: float

    def __post_init__(self) -> None:
        if isinstance(self.shares, bool) or not isinstance(self.shares, int) or self.shares == 0:
            raise ValueError(f"StockLeg.shares must be a non-zero integer, got {self.shares!r}")
        _check_price("StockLeg", self.bid, self.ask)

    @property
    def natural(self) -> float:
        """Return the ask when buying shares, the bid when selling them."""
        return self.ask if self.shares > 0 else self.bid


@dataclass(frozen=True, slots=True)
class PricedStructure:
    """A structure of concrete, quoted legs; see the module docstring for the conventions.

    Parameters
    ----------
    legs : tuple of Leg
        At least one option leg.
    stock : StockLeg or None, default None
        Shares held with the options.
    quantity : int, default 1
        Number of structures; every dollar figure and greek is multiplied by it.
    cash_secured : bool, default False
        Whether the short puts are secured by cash (see :attr:`cash_reserve`).
    name : str, default ""
        The structure's name, e.g. ``iron_condor``.

    Raises
    ------
    ValueError
        If there are no legs or `quantity` < 1.

    """

    legs: tuple[Leg, ...]
    stock: StockLeg | None = None
    quantity: int = 1
    cash_secured: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if not self.legs:
            raise ValueError("PricedStructure.legs must not be empty")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise ValueError(f"PricedStructure.quantity must be an integer, got {self.quantity!r}")
        if self.quantity < 1:
            raise ValueError(f"PricedStructure.quantity must be >= 1, got {self.quantity!r}")

    @property
    def natural(self) -> float:
        """Return the net price at the natural quotes, dollars per share (debit > 0)."""
        return self._net(lambda leg: leg.natural, self.stock.natural if self.stock else 0.0)

    @property
    def mid(self) -> float:
        """Return the net price at the mid quotes, dollars per share (debit > 0)."""
        stock_mid = (self.stock.bid + self.stock.ask) / 2.0 if self.stock else 0.0
        return self._net(lambda leg: leg.mid, stock_mid)

    @property
    def front_expiration(self) -> dt.date:
        """Return the earliest leg expiration."""
        return min(leg.expiration for leg in self.legs)

    @property
    def is_multi_expiration(self) -> bool:
        """Return whether the legs expire on more than one date (calendars, diagonals)."""
        return len({leg.expiration for leg in self.legs}) > 1

    @property
    def cash_reserve(self) -> float:
        """Return the cash set aside for cash-secured puts, dollars.

        Strike × 100 × ratio × quantity summed over the short puts when `cash_secured`;
        otherwise 0.
        """
        if not self.cash_secured:
            return 0.0
        return sum(
            leg.strike * leg.ratio * CONTRACT_SHARES * self.quantity
            for leg in self.legs
            if leg.kind == OptionKind.PUT and leg.side == Side.SHORT
        )

    @property
    def greeks(self) -> Greeks | None:
        """Return the position's net greeks, or None when a leg has none.

        Each greek is ``Σ side × ratio × leg greek × 100 × quantity``; the stock adds its
        shares × quantity to delta. Units as in the module docstring.
        """
        if any(leg.greeks is None for leg in self.legs):
            return None
        scale = CONTRACT_SHARES * self.quantity
        totals = {
            name: scale * sum(leg.units * getattr(leg.greeks, name) for leg in self.legs)
            for name in ("delta", "gamma", "theta", "vega")
        }
        totals["delta"] += (self.stock.shares if self.stock else 0) * self.quantity
        return Greeks(**totals)

    def pnl_at_expiry(self, spot: float, net_price: float | None = None) -> float:
        """Return the profit (loss < 0) when every leg expires with the underlying at `spot`.

        Parameters
        ----------
        spot : float
            Underlying price at expiration, dollars per share; zero or positive.
        net_price : float or None, default None
            Entry net price per share (debit > 0); None means :attr:`natural`.

        Returns
        -------
        float
            Dollars for the whole position.

        Raises
        ------
        ValueError
            If the structure has more than one expiration (its back legs need a model: use
            :meth:`model_pnl`) or `spot` is negative.

        """
        if self.is_multi_expiration:
            raise ValueError(f"{self.name or 'structure'} has several expirations: use model_pnl")
        if not spot >= 0.0:
            raise ValueError(f"spot must be >= 0, got {spot!r}")
        return float(self._bound_pnl(np.array([spot]), net_price)[0])

    def max_profit(self, net_price: float | None = None) -> float | None:
        """Return the most the position can make at the front expiration.

        Parameters
        ----------
        net_price : float or None, default None
            Entry net price per share (debit > 0); None means :attr:`natural`.

        Returns
        -------
        float or None
            Dollars for the whole position; ``math.inf`` when unbounded (a long call); None
            for several expirations, where it depends on a model.

        """
        if self.is_multi_expiration:
            return None
        return self._extremes(net_price)[1]

    def max_loss(self, net_price: float | None = None) -> float:
        """Return the most the position can lose, a positive number of dollars.

        Exact for one expiration; for several, a bound at the front expiration (see the module
        docstring).

        Parameters
        ----------
        net_price : float or None, default None
            Entry net price per share (debit > 0); None means :attr:`natural`.

        Returns
        -------
        float
            Dollars for the whole position (0 when it cannot lose); ``math.inf`` when
            unbounded (a naked short call).

        """
        return max(-self._extremes(net_price)[0], 0.0)

    def breakevens(self, net_price: float | None = None) -> tuple[float, ...] | None:
        """Return the underlying prices at expiry where the profit is zero, ascending.

        Parameters
        ----------
        net_price : float or None, default None
            Entry net price per share (debit > 0); None means :attr:`natural`.

        Returns
        -------
        tuple of float or None
            Dollars per share; an empty tuple when the position never breaks even. None for
            several expirations: the back legs' value at the front expiration needs a model
            (use :meth:`model_breakevens`).

        """
        if self.is_multi_expiration:
            return None
        points = self._breakpoints()
        values = self._bound_pnl(points, net_price)
        roots: list[float] = [float(points[i]) for i in np.flatnonzero(np.abs(values) < _ZERO)]
        for i in np.flatnonzero(values[:-1] * values[1:] < 0.0):
            x0, x1, y0, y1 = points[i], points[i + 1], values[i], values[i + 1]
            roots.append(float(x0 - y0 * (x1 - x0) / (y1 - y0)))
        slope = self._final_slope(net_price)
        if abs(values[-1]) >= _ZERO and abs(slope) >= _ZERO and -values[-1] / slope > 0.0:
            roots.append(float(points[-1] - values[-1] / slope))
        return tuple(sorted(set(roots)))

    def model_pnl(
        self,
        spots: npt.ArrayLike,
        vol: float,
        rate: float = 0.0,
        div_yield: float = 0.0,
        net_price: float | None = None,
    ) -> FloatArray:
        """Return the profit at the front expiration, valuing later legs by Black-Scholes.

        Parameters
        ----------
        spots : array_like of float
            Underlying prices at the front expiration, dollars per share; positive.
        vol : float
            Volatility of the back legs, decimal per year (0.2 is 20 %).
        rate, div_yield : float, default 0.0
            Risk-free rate and dividend yield, decimals per year, continuously compounded.
        net_price : float or None, default None
            Entry net price per share (debit > 0); None means :attr:`natural`.

        Returns
        -------
        numpy.ndarray of float64
            Dollars for the whole position, one per spot. Back legs have
            ``(expiration - front expiration) / 365`` years left.

        Raises
        ------
        ValueError
            If a spot or `vol` is not positive, or an input is not finite.

        """
        s = np.asarray(spots, dtype=np.float64)
        front = self.front_expiration
        value = self._stock_value(s)
        for leg in self.legs:
            years = (leg.expiration - front).days / DAYS_PER_YEAR
            price = bs_price_array(
                s, leg.strike, years, vol, rate, div_yield, leg.kind == OptionKind.CALL
            )
            value = value + leg.units * price
        return self._to_dollars(value, net_price)

    def model_breakevens(
        self,
        vol: float,
        rate: float = 0.0,
        div_yield: float = 0.0,
        net_price: float | None = None,
    ) -> tuple[float, ...]:
        """Return the zeros of :meth:`model_pnl`, ascending, dollars per share.

        Searches underlying prices in (0, 3 × the highest strike] on a grid of 4,001 points
        and refines each sign change by bisection to about 1e-9 dollars. For a
        single-expiration structure these equal :meth:`breakevens`.

        Parameters
        ----------
        vol, rate, div_yield, net_price
            As :meth:`model_pnl`.

        Returns
        -------
        tuple of float

        Raises
        ------
        ValueError
            As :meth:`model_pnl`.

        """
        top = 3.0 * max(leg.strike for leg in self.legs)
        grid = np.linspace(top / _MODEL_GRID_POINTS, top, _MODEL_GRID_POINTS)
        values = self.model_pnl(grid, vol, rate, div_yield, net_price)
        roots = list(grid[values == 0.0])
        crossing = np.flatnonzero(values[:-1] * values[1:] < 0.0)
        low, high = grid[crossing], grid[crossing + 1]
        low_sign = np.sign(values[crossing])
        for _ in range(_BISECTION_STEPS):
            middle = (low + high) / 2.0
            same = np.sign(self.model_pnl(middle, vol, rate, div_yield, net_price)) == low_sign
            low, high = np.where(same, middle, low), np.where(same, high, middle)
        roots.extend((low + high) / 2.0)
        return tuple(sorted(float(root) for root in roots))

    def _net(self, price_of: Callable[[Leg], float], stock_price: float) -> float:
        options = sum(leg.units * price_of(leg) for leg in self.legs)
        shares = self.stock.shares if self.stock else 0
        return options + shares / CONTRACT_SHARES * stock_price

    def _stock_value(self, spots: FloatArray) -> FloatArray:
        shares = self.stock.shares if self.stock else 0
        return shares / CONTRACT_SHARES * spots

    def _to_dollars(self, value_per_share: FloatArray, net_price: float | None) -> FloatArray:
        entry = self.natural if net_price is None else net_price
        return (value_per_share - entry) * CONTRACT_SHARES * self.quantity

    def _bound_pnl(self, spots: FloatArray, net_price: float | None) -> FloatArray:
        """Profit at the front expiration with back legs at their model-free bound."""
        front = self.front_expiration
        value = self._stock_value(spots)
        for leg in self.legs:
            intrinsic = np.maximum(
                spots - leg.strike if leg.kind == OptionKind.CALL else leg.strike - spots, 0.0
            )
            if leg.expiration > front and leg.side == Side.SHORT:
                intrinsic = (
                    spots if leg.kind == OptionKind.CALL else np.full_like(spots, leg.strike)
                )
            value = value + leg.units * intrinsic
        return self._to_dollars(value, net_price)

    def _breakpoints(self) -> FloatArray:
        return np.array(sorted({0.0, *(leg.strike for leg in self.legs)}), dtype=np.float64)

    def _final_slope(self, net_price: float | None) -> float:
        top = self._breakpoints()[-1]
        ends = self._bound_pnl(np.array([top, top + 1.0]), net_price)
        return float(ends[1] - ends[0])

    def _extremes(self, net_price: float | None) -> tuple[float, float]:
        values = self._bound_pnl(self._breakpoints(), net_price)
        slope = self._final_slope(net_price)
        low = -math.inf if slope < -_ZERO else float(values.min())
        high = math.inf if slope > _ZERO else float(values.max())
        return low, high

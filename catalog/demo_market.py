"""A seeded SYNTHETIC option market for the demo backtest. It is not market data.

Every price, quote, greek and open interest here is invented by a random model so that the
demo backtest runs on a fresh machine with no vendor data. Do not draw trading conclusions
from it. Each option definition carries ``info={"synthetic": True, "generator": "tradefly demo
market", "seed": seed}``.

The model (parameters in :class:`DemoModel`, defaults in brackets)
----------------------------------------------------------------------
- **Sessions.** NYSE sessions from ``exchange_calendars`` (holidays and early closes
  included); every record is stamped at the session close.
- **Underlying.** One ticker (``DEMO``) starting at `initial_spot` [$120]. Its log price takes
  one step per session (Δt = 1/252 year): drift `drift` [8 %/yr], a stochastic volatility σ,
  and Poisson jumps (`jump_intensity` [3/yr], log size Normal(`jump_mean` [-3 %], `jump_std`
  [4 %]), drift-compensated). log σ is an Ornstein-Uhlenbeck process that reverts at
  `vol_reversion` [4/yr] to log `long_run_vol` [24 %] with volatility `vol_of_vol` [0.9];
  its shocks are correlated `spot_vol_correlation` [-0.7] with the return shocks, and a down
  jump lifts log σ by `jump_vol_response` [4] × the jump's size, so vol rises as prices fall.
  σ is kept within [`vol_floor`, `vol_cap`]. Closes are rounded to cents; the daily bar's open,
  high, low and volume are drawn around them.
- **Listing.** Weekly expirations (every Friday; the previous session when Friday is a
  holiday) are listed `weekly_listing_days` [42] calendar days ahead, monthly ones (the third
  Friday) `monthly_listing_days` [100] days ahead, so every session holds expirations from the
  current week out past 60 DTE. At listing each expiration gets strikes across ±`strike_band`
  [25 %] of spot: every $1 within ±`near_band` [10 %] and every $2.50 beyond (the steps scale with
  the price level, see :func:`strike_grid`). When the underlying moves, the strikes of the
  current grid that lie beyond the listed range are added, so the chain keeps covering ±25 %
  of spot; listed strikes are never removed, so a contract persists from listing to expiry.
  Calls and puts share the strikes.
- **Implied vol surface.** The ATM implied vol for expiry T follows the expected average of a
  mean-reverting variance, ``σ_ATM(T)² = θ² + (v - θ²)(1 - e^(-κT)) / (κT)`` with
  ``v = (σ (1 + iv_premium))²``, ``θ = long_run_vol (1 + iv_premium)`` [premium 8 %] and
  κ = `vol_reversion`: an upward term structure when vol is low, inverted when high. Across
  strikes ``IV = σ_ATM(T) × (1 - skew x + smile x²)`` with ``x = ln(K/F) / √T`` (`skew`
  [0.15], `smile` [0.08]; the factor is kept within [0.5, 3]), so puts below spot carry the
  higher vols. T below one day is taken as one day for the surface.
- **Quotes.** The mid is the float64 Black-Scholes-Merton price (:mod:`options.pricing`)
  with rate `rate` [4.5 %] and dividend yield `div_yield` [1.5 %], time in ACT/365 from the
  session close to the expiry close. The width is
  ``(spread_base + spread_fraction × mid) × (1 + spread_otm_widening × |ln(K/S)|) ×
  (1 + spread_short_widening × e^(-DTE/7))`` [$0.02, 1.5 %, 2, 0.5], kept within
  [$0.01, `spread_cap` $1.00]. The bid is the mid minus half the width rounded down to a cent
  (at least 0), the ask the mid plus half the width rounded up, so ``0 <= bid <= mid <= ask``;
  far out-of-the-money options bid 0. Sizes are :data:`EOD_QUOTE_SIZE` on both sides.
- **Greeks.** Nautilus ``OptionGreeks`` records with the surface IV as ``mark_iv``, the bid and
  ask IVs (None where the bid or ask admits none, e.g. a zero bid), delta, gamma, vega per vol
  point, theta per calendar day, rho per rate point, the underlying close, and a synthetic open
  interest that builds up over the first 15 sessions after listing and is largest near the
  strike that was at the money at listing (three times larger for monthlies).

The seed drives one ``numpy.random.SeedSequence`` (one stream for the path, one for open
interest): the same seed, dates and model give identical output on the same platform; another
seed gives another market.

Size: the default 18 months (2023-01-03 to 2024-06-28, seed 7) hold 374 sessions, 7,072
option contracts and 242,928 quotes plus as many greeks records; generating them takes about
5 s on one core.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import numpy as np
from nautilus_trader.model.data import Bar, OptionGreeks, QuoteTick
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.objects import Price, Quantity

from options.instruments import (
    EOD_QUOTE_SIZE,
    EQUITY_PRICE_PRECISION,
    OPTION_PRICE_PRECISION,
    daily_bar_type,
    make_equity,
    make_option_contract,
    option_id,
)
from options.market_calendar import (
    expiration_close_ns,
    session_close_ns,
    session_of_ns,
    sessions_between,
)
from options.occ import OccSymbol
from options.pricing import (
    NS_PER_YEAR,
    bs_delta_array,
    bs_gamma_array,
    bs_price_array,
    bs_rho_array,
    bs_theta_array,
    bs_vega_array,
    implied_vol_array,
)

DEFAULT_START: Final = dt.date(2023, 1, 3)
DEFAULT_END: Final = dt.date(2024, 6, 28)
DEFAULT_SEED: Final = 7
DEFAULT_TICKER: Final = "DEMO"

# Matches the catalog's EOD convention: end-of-day option quotes carry this size on both sides.

GENERATOR_NAME: Final = "tradefly demo market"

# (highest spot, near-the-money step, far step) in cents; the first row whose spot bound exceeds
# the spot applies.
_STRIKE_STEPS_CENTS: Final = (
    (25.0, 50, 100),
    (200.0, 100, 250),
    (500.0, 100, 500),
    (1000.0, 250, 1000),
    (math.inf, 500, 2500),
)
_ONE_DAY_YEARS: Final = 1.0 / 365.0
# Open interest: builds up over 15 sessions, falls off with log-moneyness at listing (0.10 is
# one standard deviation), is 3x larger for monthlies and varies lognormally (0.5) by contract.
_OPEN_INTEREST_RAMP_SESSIONS: Final = 15
_OPEN_INTEREST_WIDTH: Final = 0.10
_MONTHLY_OPEN_INTEREST_FACTOR: Final = 3.0
_OPEN_INTEREST_DISPERSION: Final = 0.5


@dataclass(frozen=True, slots=True)
class DemoModel:
    """Parameters of the synthetic market; the module docstring describes the model.

    Parameters
    ----------
    initial_spot : float
        Underlying close on the first session, dollars per share.
    drift : float
        Expected return of the underlying, decimal per year.
    long_run_vol : float
        Level the underlying's volatility reverts to, decimal per year.
    vol_reversion : float
        Mean-reversion speed of log-volatility (and of implied variance), per year.
    vol_of_vol : float
        Volatility of log-volatility, per square-root year.
    spot_vol_correlation : float
        Correlation of return shocks with log-volatility shocks, in [-1, 1].
    jump_intensity : float
        Expected number of price jumps per year.
    jump_mean : float
        Mean jump of the log price.
    jump_std : float
        Standard deviation of a jump of the log price.
    jump_vol_response : float
        Rise of log-volatility per unit of down jump of the log price.
    vol_floor : float
        Lowest volatility of the underlying, decimal per year.
    vol_cap : float
        Highest volatility of the underlying, decimal per year.
    iv_premium : float
        Implied over realised volatility: implied = realised × (1 + `iv_premium`).
    skew : float
        Slope of the smile factor in ``x = ln(K/F) / √T`` (positive: put skew).
    smile : float
        Curvature of the smile factor in `x`.
    rate : float
        Continuously compounded risk-free rate, decimal per year.
    div_yield : float
        Continuous dividend yield of the underlying, decimal per year.
    weekly_listing_days : int
        Calendar days before expiry at which a weekly expiration is listed.
    monthly_listing_days : int
        Calendar days before expiry at which a monthly expiration is listed.
    strike_band : float
        Listed strikes cover spot × (1 ± `strike_band`).
    near_band : float
        The fine strike step applies within spot × (1 ± `near_band`).
    spread_base : float
        Fixed part of the bid/ask width, dollars per share.
    spread_fraction : float
        Part of the bid/ask width proportional to the mid.
    spread_otm_widening : float
        Widening of the spread per unit of ``|ln(K/S)|``.
    spread_short_widening : float
        Extra relative width at 0 DTE, decaying with a 7-day scale.
    spread_cap : float
        Widest bid/ask width, dollars per share.
    open_interest_scale : float
        Open interest of an at-the-money weekly contract once built up, contracts.
    bar_volume : float
        Median daily share volume of the underlying.

    """

    initial_spot: float = 120.0
    drift: float = 0.08
    long_run_vol: float = 0.24
    vol_reversion: float = 4.0
    vol_of_vol: float = 0.9
    spot_vol_correlation: float = -0.7
    jump_intensity: float = 3.0
    jump_mean: float = -0.03
    jump_std: float = 0.04
    jump_vol_response: float = 4.0
    vol_floor: float = 0.08
    vol_cap: float = 1.5
    iv_premium: float = 0.08
    skew: float = 0.15
    smile: float = 0.08
    rate: float = 0.045
    div_yield: float = 0.015
    weekly_listing_days: int = 42
    monthly_listing_days: int = 100
    strike_band: float = 0.25
    near_band: float = 0.10
    spread_base: float = 0.02
    spread_fraction: float = 0.015
    spread_otm_widening: float = 2.0
    spread_short_widening: float = 0.5
    spread_cap: float = 1.00
    open_interest_scale: float = 5_000.0
    bar_volume: float = 2_000_000.0

    def __post_init__(self) -> None:
        positive = ("initial_spot", "long_run_vol", "vol_floor", "spread_cap", "bar_volume")
        for name in positive:
            if not getattr(self, name) > 0.0:
                raise ValueError(f"{name} was not positive: {getattr(self, name)!r}")
        if not self.vol_floor <= self.long_run_vol <= self.vol_cap:
            raise ValueError(
                f"long_run_vol was not within [vol_floor, vol_cap]: {self.long_run_vol!r}"
            )
        if not -1.0 <= self.spot_vol_correlation <= 1.0:
            raise ValueError(
                f"spot_vol_correlation was not within [-1, 1]: {self.spot_vol_correlation!r}"
            )
        if not 0 < self.weekly_listing_days <= self.monthly_listing_days:
            raise ValueError(
                "listing days were not 0 < weekly_listing_days <= monthly_listing_days: "
                f"{self.weekly_listing_days!r}, {self.monthly_listing_days!r}"
            )


DEFAULT_MODEL: Final = DemoModel()


@dataclass(frozen=True, slots=True)
class DemoMarket:
    """The generated synthetic market, each list sorted by ``ts_init``.

    Parameters
    ----------
    seed : int
        The seed it was generated from.
    instruments : list
        The underlying ``Equity`` first (``ts_init`` = close of the first session), then every
        ``OptionContract`` in listing order (``ts_init`` = close of its listing session).
    bars : list of Bar
        One daily ``<TICKER>.US-1-DAY-LAST-EXTERNAL`` bar per session, at the session close.
    quotes : list of QuoteTick
        One quote per listed contract per session, at the session close.
    greeks : list of OptionGreeks
        One record per listed contract per session, in the same order as `quotes`.

    """

    seed: int
    instruments: list[Any] = field(repr=False)
    bars: list[Any] = field(repr=False)
    quotes: list[Any] = field(repr=False)
    greeks: list[Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class _Contract:
    occ: OccSymbol
    instrument_id: Any
    strike: float
    expiration_ns: int
    open_interest_peak: float
    listed_session: int


@dataclass(eq=False, slots=True)
class _Expiration:
    root: str
    expiration: dt.date
    expiration_ns: int
    monthly: bool
    strikes: set[Decimal] = field(default_factory=set)
    contracts: list[_Contract] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Path:
    closes: list[float]
    opens: list[float]
    highs: list[float]
    lows: list[float]
    volumes: list[int]
    vols: list[float]


def strike_grid(spot: float, band: float = 0.25, near_band: float = 0.10) -> list[Decimal]:
    """Return the strikes an expiration lists around `spot`.

    Parameters
    ----------
    spot : float
        Underlying price, dollars per share; positive.
    band : float, default 0.25
        The strikes cover at least ``spot × (1 ± band)``.
    near_band : float, default 0.10
        The fine step applies within ``spot × (1 ± near_band)``.

    Returns
    -------
    list of Decimal
        Ascending strikes in dollars per share: the near step inside the near band, the far
        step outside it. Steps (near, far) by spot: below $25
        ($0.50, $1), below $200 ($1, $2.50), below $500 ($1, $5), below $1000 ($2.50, $10),
        else ($5, $25).

    Raises
    ------
    ValueError
        If `spot` is not positive and finite or the bands are not within (0, 1).

    """
    if not (math.isfinite(spot) and spot > 0.0):
        raise ValueError(f"spot was not positive and finite: {spot!r}")
    if not 0.0 < near_band <= band < 1.0:
        raise ValueError(f"bands were not 0 < near_band <= band < 1: {near_band!r}, {band!r}")
    near, far = next((n, f) for bound, n, f in _STRIKE_STEPS_CENTS if spot < bound)
    cents = spot * 100.0
    far_lo = max(math.floor(cents * (1.0 - band) / far), 1) * far
    far_hi = math.ceil(cents * (1.0 + band) / far) * far
    near_lo = max(math.ceil(cents * (1.0 - near_band) / near), 1) * near
    near_hi = math.floor(cents * (1.0 + near_band) / near) * near
    outer = (k for k in range(far_lo, far_hi + 1, far) if not near_lo <= k <= near_hi)
    grid = sorted({*outer, *range(near_lo, near_hi + 1, near)})
    return [Decimal(c) / 100 for c in grid]


def _simulate_path(n: int, model: DemoModel, rng: np.random.Generator) -> _Path:
    """Simulate `n` daily closes (cents-rounded), bar ranges and the volatility state."""
    dt_years = 1.0 / 252.0
    sqrt_dt = math.sqrt(dt_years)
    shocks = rng.standard_normal((n, 3))
    jump_counts = rng.poisson(model.jump_intensity * dt_years, n)
    bar_noise = rng.standard_normal((n, 4))
    rho = model.spot_vol_correlation
    jump_compensator = model.jump_intensity * math.expm1(model.jump_mean + 0.5 * model.jump_std**2)
    decay = math.exp(-model.vol_reversion * dt_years)
    log_floor, log_cap = math.log(model.vol_floor), math.log(model.vol_cap)
    log_mean = math.log(model.long_run_vol)

    log_spot = math.log(model.initial_spot)
    log_vol = log_mean
    path = _Path([], [], [], [], [], [])
    previous_close = model.initial_spot
    for i in range(n):
        vol = math.exp(log_vol)
        z_spot, z_other, z_jump = shocks[i]
        count = int(jump_counts[i])
        jump = count * model.jump_mean + math.sqrt(count) * model.jump_std * z_jump
        if i > 0:
            log_spot += (
                (model.drift - jump_compensator - 0.5 * vol * vol) * dt_years
                + vol * sqrt_dt * z_spot
                + jump
            )
            z_vol = rho * z_spot + math.sqrt(1.0 - rho * rho) * z_other
            log_vol = log_mean + (log_vol - log_mean) * decay + model.vol_of_vol * sqrt_dt * z_vol
            log_vol += model.jump_vol_response * max(-jump, 0.0)
            log_vol = min(max(log_vol, log_floor), log_cap)
        close = round(math.exp(log_spot), 2)
        daily = vol * sqrt_dt
        gap, up, down, volume = bar_noise[i]
        open_ = round(previous_close * math.exp(0.25 * daily * gap), 2)
        path.closes.append(close)
        path.opens.append(open_)
        path.highs.append(round(max(open_, close) * math.exp(0.5 * daily * abs(up)), 2))
        path.lows.append(round(min(open_, close) * math.exp(-0.5 * daily * abs(down)), 2))
        path.volumes.append(round(model.bar_volume * math.exp(0.4 * volume)))
        path.vols.append(math.exp(log_vol))
        previous_close = close
    return path


def _expiration_schedule(
    root: str, first: dt.date, last: dt.date, model: DemoModel
) -> list[_Expiration]:
    """Return every weekly and monthly expiration that can be listed between the dates."""
    friday = first + dt.timedelta(days=(4 - first.weekday()) % 7)
    horizon = last + dt.timedelta(days=max(model.weekly_listing_days, model.monthly_listing_days))
    schedule = []
    while friday <= horizon:
        expiration_ns = expiration_close_ns(friday)
        expiration = session_of_ns(expiration_ns)
        if expiration >= first:
            monthly = 15 <= friday.day <= 21
            schedule.append(_Expiration(root, expiration, expiration_ns, monthly))
        friday += dt.timedelta(days=7)
    return schedule


def implied_vol_surface(
    spot: float,
    strike: np.ndarray[Any, np.dtype[np.float64]],
    t_years: np.ndarray[Any, np.dtype[np.float64]],
    realised_vol: float,
    model: DemoModel = DEFAULT_MODEL,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Return the demo market's implied vols (the surface in the module docstring).

    Parameters
    ----------
    spot : float
        Underlying price, dollars per share.
    strike : numpy.ndarray of float64
        Strikes, dollars per share.
    t_years : numpy.ndarray of float64
        Times to expiry in years (ACT/365), broadcasting against `strike`; values below one
        day count as one day.
    realised_vol : float
        The underlying's current volatility state σ, decimal per year.
    model : DemoModel, optional
        The model parameters.

    Returns
    -------
    numpy.ndarray of float64
        Implied vols as decimals per year.

    """
    t = np.maximum(t_years, _ONE_DAY_YEARS)
    kappa_t = model.vol_reversion * t
    weight = -np.expm1(-kappa_t) / kappa_t
    long_var = (model.long_run_vol * (1.0 + model.iv_premium)) ** 2
    spot_var = (realised_vol * (1.0 + model.iv_premium)) ** 2
    atm = np.sqrt(long_var + (spot_var - long_var) * weight)
    forward = spot * np.exp((model.rate - model.div_yield) * t)
    x = np.log(strike / forward) / np.sqrt(t)
    factor = np.clip(1.0 - model.skew * x + model.smile * x * x, 0.5, 3.0)
    return np.asarray(atm * factor, dtype=np.float64)


def _round_quotes(
    mid: np.ndarray[Any, np.dtype[np.float64]],
    strike: np.ndarray[Any, np.dtype[np.float64]],
    t_years: np.ndarray[Any, np.dtype[np.float64]],
    spot: float,
    model: DemoModel,
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Return bid and ask in cents around `mid` (dollars per share)."""
    width = (
        (model.spread_base + model.spread_fraction * mid)
        * (1.0 + model.spread_otm_widening * np.abs(np.log(strike / spot)))
        * (1.0 + model.spread_short_widening * np.exp(-t_years * 365.0 / 7.0))
    )
    width = np.clip(width, 0.01, model.spread_cap)
    bid = np.maximum(np.floor((mid - 0.5 * width) * 100.0), 0.0).astype(np.int64)
    ask = np.ceil((mid + 0.5 * width) * 100.0).astype(np.int64)
    return bid, ask


def generate_demo_market(
    seed: int = DEFAULT_SEED,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
    ticker: str = DEFAULT_TICKER,
    model: DemoModel = DEFAULT_MODEL,
) -> DemoMarket:
    """Generate the seeded SYNTHETIC market (the model is in the module docstring).

    Parameters
    ----------
    seed : int, default 7
        Seed of the random generator; non-negative.
    start : datetime.date, default 2023-01-03
        First day; the market starts at the first NYSE session on or after it.
    end : datetime.date, default 2024-06-28
        Last day (inclusive).
    ticker : str, default "DEMO"
        Underlying ticker and OCC root.
    model : DemoModel, optional
        The model parameters.

    Returns
    -------
    DemoMarket
        Instruments, daily bars, option quotes and option greeks, each sorted by ``ts_init``.

    Raises
    ------
    ValueError
        If `seed` is negative or no NYSE session lies between `start` and `end`.

    """
    if seed < 0:
        raise ValueError(f"seed was negative: {seed}")
    sessions = sessions_between(start, end)
    if not sessions:
        raise ValueError(f"no NYSE session was between {start} and {end}")
    path_rng, open_interest_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2)
    )
    path = _simulate_path(len(sessions), model, path_rng)
    closes_ns = [session_close_ns(day) for day in sessions]
    root = ticker.upper()
    equity = make_equity(root, ts_init=closes_ns[0])
    bar_type = daily_bar_type(equity.id)
    info = {"synthetic": True, "generator": GENERATOR_NAME, "seed": seed}

    instruments: list[Any] = [equity]
    bars: list[Any] = []
    quotes: list[Any] = []
    greeks: list[Any] = []
    pending = _expiration_schedule(root, sessions[0], sessions[-1], model)
    listed: list[_Expiration] = []
    for i, (day, close_ns) in enumerate(zip(sessions, closes_ns, strict=True)):
        spot = path.closes[i]
        bars.append(
            Bar(
                bar_type,
                Price(path.opens[i], EQUITY_PRICE_PRECISION),
                Price(path.highs[i], EQUITY_PRICE_PRECISION),
                Price(path.lows[i], EQUITY_PRICE_PRECISION),
                Price(spot, EQUITY_PRICE_PRECISION),
                Quantity.from_int(path.volumes[i]),
                close_ns,
                close_ns,
            )
        )
        due = [e for e in pending if (e.expiration - day).days <= _listing_days(e, model)]
        pending = [e for e in pending if e not in due]
        listed = sorted(
            (e for e in (*listed, *due) if e.expiration >= day), key=lambda e: e.expiration
        )
        grid = strike_grid(spot, model.strike_band, model.near_band)
        for expiration in listed:
            for contract in _add_strikes(expiration, grid, spot, i, model, open_interest_rng):
                instruments.append(
                    make_option_contract(contract.occ, ts_init=close_ns, info=dict(info))
                )
        contracts = [c for e in listed for c in e.contracts]
        session_quotes, session_greeks = _price_session(
            contracts, spot, path.vols[i], i, close_ns, model
        )
        quotes += session_quotes
        greeks += session_greeks
    return DemoMarket(seed=seed, instruments=instruments, bars=bars, quotes=quotes, greeks=greeks)


def _listing_days(expiration: _Expiration, model: DemoModel) -> int:
    return model.monthly_listing_days if expiration.monthly else model.weekly_listing_days


def _add_strikes(
    expiration: _Expiration,
    grid: list[Decimal],
    spot: float,
    session: int,
    model: DemoModel,
    open_interest_rng: np.random.Generator,
) -> list[_Contract]:
    """List the call and put of each `grid` strike beyond `expiration`'s listed range."""
    lowest = min(expiration.strikes, default=grid[-1])
    highest = max(expiration.strikes, default=grid[0])
    added = []
    for strike in grid:
        if lowest <= strike <= highest:
            continue  # Only the wings grow, so the interior grid never changes.
        expiration.strikes.add(strike)
        for kind in (OptionKind.CALL, OptionKind.PUT):
            occ = OccSymbol(expiration.root, expiration.expiration, kind, strike)
            peak = (
                model.open_interest_scale
                * math.exp(-0.5 * (math.log(float(strike) / spot) / _OPEN_INTEREST_WIDTH) ** 2)
                * (_MONTHLY_OPEN_INTEREST_FACTOR if expiration.monthly else 1.0)
                * math.exp(_OPEN_INTEREST_DISPERSION * float(open_interest_rng.standard_normal()))
            )
            added.append(
                _Contract(
                    occ, option_id(occ), float(strike), expiration.expiration_ns, peak, session
                )
            )
    expiration.contracts = sorted(
        [*expiration.contracts, *added], key=lambda c: (c.strike, c.occ.kind != OptionKind.CALL)
    )
    return added


def _price_session(
    contracts: list[_Contract],
    spot: float,
    realised_vol: float,
    session: int,
    close_ns: int,
    model: DemoModel,
) -> tuple[list[Any], list[Any]]:
    """Return the quotes and greeks of `contracts` at one session close."""
    strike = np.array([c.strike for c in contracts])
    is_call = np.array([c.occ.kind == OptionKind.CALL for c in contracts])
    t_years = (np.array([c.expiration_ns for c in contracts]) - close_ns) / NS_PER_YEAR
    iv = implied_vol_surface(spot, strike, t_years, realised_vol, model)
    args = (spot, strike, t_years, iv, model.rate, model.div_yield, is_call)
    bid, ask = _round_quotes(bs_price_array(*args), strike, t_years, spot, model)
    carry = (spot, strike, t_years, model.rate, model.div_yield, is_call)
    ages = np.array([session - c.listed_session + 1 for c in contracts])
    open_interest = np.round(
        np.array([c.open_interest_peak for c in contracts])
        * np.minimum(1.0, ages / _OPEN_INTEREST_RAMP_SESSIONS)
    )
    columns = zip(
        contracts,
        bid.tolist(),
        ask.tolist(),
        iv.tolist(),
        implied_vol_array(bid / 100.0, *carry).tolist(),
        implied_vol_array(ask / 100.0, *carry).tolist(),
        bs_delta_array(*args).tolist(),
        bs_gamma_array(*args).tolist(),
        bs_vega_array(*args).tolist(),
        bs_theta_array(*args).tolist(),
        bs_rho_array(*args).tolist(),
        open_interest.tolist(),
        strict=True,
    )
    size = Quantity.from_int(EOD_QUOTE_SIZE)
    quotes = []
    greeks = []
    for c, b, a, mark, b_iv, a_iv, delta, gamma, vega, theta, rho, oi in columns:
        bid_price = Price(b / 100, OPTION_PRICE_PRECISION)
        ask_price = Price(a / 100, OPTION_PRICE_PRECISION)
        quotes.append(
            QuoteTick(c.instrument_id, bid_price, ask_price, size, size, close_ns, close_ns)
        )
        greeks.append(
            OptionGreeks(
                c.instrument_id,
                delta,
                gamma,
                vega,
                theta,
                rho,
                mark,
                None if math.isnan(b_iv) else b_iv,
                None if math.isnan(a_iv) else a_iv,
                spot,
                oi,
                close_ns,
                close_ns,
            )
        )
    return quotes, greeks


def write_demo_catalog(
    catalog_dir: Path,
    seed: int = DEFAULT_SEED,
    start: dt.date = DEFAULT_START,
    end: dt.date = DEFAULT_END,
) -> int:
    """Generate the SYNTHETIC demo market and write it to a Parquet data catalog.

    Parameters
    ----------
    catalog_dir : pathlib.Path
        The catalog directory (created if missing).
    seed : int, default 7
        Seed of the random generator.
    start : datetime.date, default 2023-01-03
        First day.
    end : datetime.date, default 2024-06-28
        Last day (inclusive).

    Returns
    -------
    int
        The number of records newly stored (instruments, bars, quotes and greeks); 0 when the
        catalog already held the same market, since the writer skips identical records.

    Raises
    ------
    ValueError
        As :func:`generate_demo_market`.
    OSError
        If the catalog cannot be written; the catalog is then unchanged.

    """
    from catalog.writer import write_to_catalog

    market = generate_demo_market(seed=seed, start=start, end=end)
    data = [*market.instruments, *market.bars, *market.quotes, *market.greeks]
    stats = write_to_catalog(catalog_dir, data)
    return int(stats.rows_written + stats.instruments_written)

"""Portfolio greeks limits: net delta in shares, gamma, vega and theta per day, after an entry.

The book's options are valued with the project's Black-Scholes-Merton functions
(:mod:`options.pricing`) at the vol implied by each position's mark; a mark outside the
no-arbitrage bounds (or an option at expiry) is valued at a vol of ``pricing.IV_MIN``, close
to its intrinsic value. Shares count as delta only. A proposal's legs use their own greeks
when the strategy passed them (vendor greeks), else the same model at the leg's IV (or the
IV of its mid).

Units: delta in shares of the underlying (100 × contracts × delta per share), gamma in
shares per dollar, vega in USD per vol point, theta in USD per calendar day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import msgspec

from options import pricing
from risk.proposal import Book, EntryProposal, ProposedLeg
from risk.rules import Cap

RULE = "greeks"
GREEKS = ("delta", "gamma", "vega", "theta")


@dataclass(frozen=True, slots=True)
class Exposure:
    """One option or share line of a book or proposal, ready for repricing.

    Parameters
    ----------
    underlying : str
        Ticker.
    shares : float
        Signed shares controlled (contracts × multiplier; negative when short).
    spot : float
        Underlying price, dollars per share.
    kind : str
        ``put``, ``call`` or ``equity``.
    strike : float
        Dollars per share (0 for shares).
    t_years : float
        Time to expiry, ACT/365 years (0 for shares).
    vol : float
        Decimal per year (0 for shares).

    """

    underlying: str
    shares: float
    spot: float
    kind: str
    strike: float = 0.0
    t_years: float = 0.0
    vol: float = 0.0


class PricingConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Rate and dividend yield for the book's repricing (decimals per year, continuous)."""

    rate: float = 0.0
    dividend_yield: float = 0.0


def _vol(
    price: float | None, spot: float, strike: float, t: float, p: PricingConfig, call: bool
) -> float:
    if price is None or t <= 0.0:
        return pricing.IV_MIN
    try:
        return float(pricing.implied_vol(price, spot, strike, t, p.rate, p.dividend_yield, call))
    except ValueError:
        return pricing.IV_MIN


def option_exposure(
    underlying: str,
    shares: float,
    spot: float,
    kind: str,
    strike: float,
    expiration_ns: int,
    now_ns: int,
    price: float | None,
    vol: float | None,
    p: PricingConfig,
) -> Exposure:
    """Return the exposure of an option line valued at `vol` (else the IV of `price`)."""
    t = pricing.year_fraction(now_ns, expiration_ns) if expiration_ns > now_ns else 0.0
    if vol is None or not math.isfinite(vol) or vol <= 0:
        vol = _vol(price, spot, strike, t, p, kind == "call")
    return Exposure(underlying, shares, spot, kind, strike, t, vol)


def book_exposures(book: Book, now_ns: int, p: PricingConfig) -> list[Exposure]:
    """Return the exposures of the book's positions whose underlying has a price."""
    out = []
    for pos in book.positions:
        spot = book.underlying_prices.get(pos.underlying)
        if spot is None or spot <= 0:
            continue
        shares = pos.quantity * pos.multiplier
        if pos.kind == "equity":
            out.append(Exposure(pos.underlying, shares, spot, "equity"))
        elif pos.strike is not None and pos.expiration_ns is not None:
            out.append(
                option_exposure(
                    pos.underlying,
                    shares,
                    spot,
                    pos.kind,
                    pos.strike,
                    pos.expiration_ns,
                    now_ns,
                    pos.mark,
                    None,
                    p,
                )
            )
    return out


def _leg_mid(leg: ProposedLeg) -> float | None:
    if leg.bid is None or leg.ask is None:
        return None
    return (leg.bid + leg.ask) / 2.0


def proposal_exposures(proposal: EntryProposal, book: Book, p: PricingConfig) -> list[Exposure]:
    """Return the exposures of one unit of `proposal` (empty when its underlying has no price)."""
    spot = proposal.underlying_price or book.underlying_prices.get(proposal.underlying)
    if spot is None or spot <= 0:
        return []
    out = []
    for leg in proposal.legs:
        shares = leg.ratio * leg.multiplier
        if leg.kind == "equity":
            out.append(Exposure(proposal.underlying, shares, spot, "equity"))
        elif leg.strike is not None and leg.expiration_ns is not None:
            out.append(
                option_exposure(
                    proposal.underlying,
                    shares,
                    spot,
                    leg.kind,
                    leg.strike,
                    leg.expiration_ns,
                    proposal.ts_ns,
                    _leg_mid(leg),
                    leg.iv,
                    p,
                )
            )
    return out


def greeks_of(exposures: list[Exposure], p: PricingConfig) -> dict[str, float]:
    """Return net delta (shares), gamma (shares per $), vega ($/vol point), theta ($/day)."""
    total = dict.fromkeys(GREEKS, 0.0)
    for e in exposures:
        if e.kind == "equity":
            total["delta"] += e.shares
            continue
        args = (e.spot, e.strike, e.t_years, e.vol, p.rate, p.dividend_yield, e.kind == "call")
        total["delta"] += e.shares * pricing.bs_delta(*args)
        total["gamma"] += e.shares * pricing.bs_gamma(*args)
        total["vega"] += e.shares * pricing.bs_vega(*args)
        total["theta"] += e.shares * pricing.bs_theta(*args)
    return total


def proposal_greeks(proposal: EntryProposal, book: Book, p: PricingConfig) -> dict[str, float]:
    """Return the greeks of one unit: the legs' own greeks where all are known, else modelled."""
    if all(leg.has_greeks for leg in proposal.legs):
        total = dict.fromkeys(GREEKS, 0.0)
        for leg in proposal.legs:
            shares = leg.ratio * leg.multiplier
            for name in GREEKS:
                total[name] += shares * float(getattr(leg, name))
        return total
    return greeks_of(proposal_exposures(proposal, book, p), p)


class GreeksLimitsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Limits on the book's net greeks after an entry; a limit left ``None`` is off.

    Parameters
    ----------
    max_delta_shares : float | None
        Absolute net delta, shares of the underlying (all underlyings summed).
    max_gamma : float | None
        Absolute net gamma, shares per dollar.
    max_vega : float | None
        Absolute net vega, USD per vol point.
    max_theta : float | None
        Absolute net theta, USD per calendar day.
    pricing : PricingConfig
        Rate and dividend yield for the model.

    An entry that does not increase an absolute greek already past its limit is allowed.

    """

    max_delta_shares: float | None = None
    max_gamma: float | None = None
    max_vega: float | None = None
    max_theta: float | None = None
    pricing: PricingConfig = msgspec.field(default_factory=PricingConfig)

    def __post_init__(self) -> None:
        for name in ("max_delta_shares", "max_gamma", "max_vega", "max_theta"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"greeks.{name} was {value!r}, not > 0")


def _units_within(current: float, per_unit: float, limit: float, wanted: int) -> int:
    bound = max(limit, abs(current))
    for units in range(wanted, 0, -1):
        if abs(current + units * per_unit) <= bound + 1e-9:
            return units
    return 0


def check_greeks(config: GreeksLimitsConfig, proposal: EntryProposal, book: Book) -> Cap:
    """Return how many units keep every net greek of the book within its limit."""
    now = greeks_of(book_exposures(book, proposal.ts_ns, config.pricing), config.pricing)
    unit = proposal_greeks(proposal, book, config.pricing)
    limits = {
        "delta": config.max_delta_shares,
        "gamma": config.max_gamma,
        "vega": config.max_vega,
        "theta": config.max_theta,
    }
    allowed = proposal.quantity
    reasons = []
    for name, limit in limits.items():
        if limit is None:
            continue
        units = _units_within(now[name], unit[name], limit, proposal.quantity)
        if units < proposal.quantity:
            reasons.append(
                f"net {name} {now[name]:,.2f} with {unit[name]:+,.2f} per unit, limit "
                f"±{limit:,.2f}: {units} unit(s) fit"
            )
        allowed = min(allowed, units)
    return Cap(allowed, "greeks: " + "; ".join(reasons) if reasons else "", RULE)

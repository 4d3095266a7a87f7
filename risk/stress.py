"""Pre-trade stress grid: the book plus an entry repriced under underlying and IV shocks.

Each scenario moves every underlying by the same fraction (``spot × (1 + move)``) and shifts
every option's vol by the same number of vol points, instantly (no time passes), and values
the book with :mod:`options.pricing` (Black-Scholes-Merton at the vols of
:mod:`risk.exposure`). The scenario's P&L is the change of model value; the worst scenario's
loss is the stress VaR. An entry that would push it past the limit is cut to the units that
fit (none: blocked), unless it does not worsen the worst scenario.
"""

from __future__ import annotations

import msgspec
import numpy as np

from options import pricing
from risk.exposure import Exposure, PricingConfig, book_exposures, proposal_exposures
from risk.proposal import Book, EntryProposal
from risk.rules import Cap

RULE = "stress"


def _moves() -> list[float]:
    return [-0.20, -0.10, -0.05, 0.0, 0.05, 0.10, 0.20]


def _vol_shifts() -> list[float]:
    return [-0.10, 0.0, 0.10]


class StressConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :func:`check_stress`.

    Parameters
    ----------
    max_loss_fraction : float
        The worst scenario may lose at most this fraction of equity (0.10 = 10%); in (0, 1].
    moves : list[float]
        Underlying moves as fractions (default ±5/10/20% and 0); each > -1.
    vol_shifts : list[float]
        IV shifts as decimals (default -0.10, 0, +0.10: ±10 vol points); a shifted vol is
        floored at ``pricing.IV_MIN``.
    pricing : PricingConfig
        Rate and dividend yield.

    """

    max_loss_fraction: float
    moves: list[float] = msgspec.field(default_factory=_moves)
    vol_shifts: list[float] = msgspec.field(default_factory=_vol_shifts)
    pricing: PricingConfig = msgspec.field(default_factory=PricingConfig)

    def __post_init__(self) -> None:
        if not 0.0 < self.max_loss_fraction <= 1.0:
            raise ValueError(
                f"stress.max_loss_fraction was {self.max_loss_fraction!r}, not in (0, 1]"
            )
        if not self.moves or any(m <= -1.0 for m in self.moves):
            raise ValueError(f"stress.moves was {self.moves!r}: give moves each > -1")
        if not self.vol_shifts:
            raise ValueError("stress.vol_shifts is empty")


def scenario_pnl(exposures: list[Exposure], config: StressConfig) -> np.ndarray:
    """Return the P&L (USD) of `exposures` in each scenario, shape ``(moves, vol_shifts)``."""
    moves = np.asarray(config.moves, dtype=np.float64)[:, None]
    shifts = np.asarray(config.vol_shifts, dtype=np.float64)[None, :]
    pnl = np.zeros((moves.shape[0], shifts.shape[1]))
    p = config.pricing
    for e in exposures:
        if e.kind == "equity":
            pnl += e.shares * e.spot * moves
            continue
        call = e.kind == "call"
        now = pricing.bs_price(e.spot, e.strike, e.t_years, e.vol, p.rate, p.dividend_yield, call)
        vols = np.maximum(e.vol + shifts, pricing.IV_MIN)
        shocked = pricing.bs_price_array(
            e.spot * (1.0 + moves), e.strike, e.t_years, vols, p.rate, p.dividend_yield, call
        )
        pnl += e.shares * (shocked - now)
    return pnl


def _describe(config: StressConfig, pnl: np.ndarray) -> str:
    i, j = np.unravel_index(int(np.argmin(pnl)), pnl.shape)
    return f"underlying {config.moves[i]:+.0%}, IV {config.vol_shifts[j] * 100:+g} points"


def check_stress(config: StressConfig, proposal: EntryProposal, book: Book) -> Cap:
    """Return how many units keep the worst scenario's loss within the limit.

    Returns
    -------
    Cap
        ``allowed`` units; the reason names the worst scenario and its loss.

    """
    book_pnl = scenario_pnl(book_exposures(book, proposal.ts_ns, config.pricing), config)
    unit_pnl = scenario_pnl(proposal_exposures(proposal, book, config.pricing), config)
    limit = config.max_loss_fraction * book.equity
    current = float(-book_pnl.min())
    bound = max(limit, current)
    for units in range(proposal.quantity, 0, -1):
        if float(-(book_pnl + units * unit_pnl).min()) <= bound + 1e-6:
            allowed = units
            break
    else:
        allowed = 0
    if allowed == proposal.quantity:
        return Cap(allowed, "", RULE)
    total = book_pnl + proposal.quantity * unit_pnl
    reason = (
        f"stress: worst scenario ({_describe(config, total)}) would lose "
        f"{-total.min():,.2f} with {proposal.quantity} unit(s), limit {limit:,.2f} "
        f"({config.max_loss_fraction:.2%} of equity); {allowed} unit(s) fit"
    )
    return Cap(allowed, reason, RULE)

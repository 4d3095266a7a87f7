"""Position sizing for short premium trades."""

import math

OPTION_MULTIPLIER = 100


def max_loss_per_contract(short_strike: float, credit: float, wing_strike: float | None) -> float:
    """Return the worst-case loss of one contract (one spread), dollars per contract.

    A credit spread loses at most ``(width - credit) × 100``; a naked short put at most
    ``(strike - credit) × 100`` (the underlying going to zero). A naked short call has no
    bound; it is sized on its notional, ``strike × 100``.
    """
    if wing_strike is not None:
        return max(abs(short_strike - wing_strike) - credit, 0.01) * OPTION_MULTIPLIER
    return max(short_strike - credit, 0.01) * OPTION_MULTIPLIER


def contracts_for_risk(equity: float, risk_fraction: float, loss_per_contract: float) -> int:
    """Return how many contracts keep the worst-case loss within ``risk_fraction × equity``.

    Sizing on current equity lets gains compound. Returns 0 when not even one fits.

    Raises
    ------
    ValueError
        If `risk_fraction` is not in (0, 1] or `loss_per_contract` is not positive.

    """
    if not 0.0 < risk_fraction <= 1.0:
        raise ValueError(f"risk_fraction was {risk_fraction!r}, not in (0, 1]")
    if loss_per_contract <= 0:
        raise ValueError(f"loss_per_contract was {loss_per_contract!r}, not positive")
    return max(math.floor(equity * risk_fraction / loss_per_contract), 0)

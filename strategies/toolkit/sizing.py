"""Position sizing: contracts that keep a structure's max loss within a fraction of equity."""

import math

OPTION_MULTIPLIER = 100
"""Dollars per contract of one dollar of premium or strike. A constant, not each contract's
multiplier: the structure engine trades standard contracts only (100 shares, multiplier 100;
:func:`options.deliverables.is_standard_contract`)."""


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

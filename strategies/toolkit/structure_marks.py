"""Each open structure marked to market: value at mid, unrealized P&L and net greeks.

The risk guard writes these marks into the state store for the control app's positions page
(:meth:`statestore.control.ControlLedger.replace_marks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nautilus_trader.model.data import OptionGreeks
from nautilus_trader.model.identifiers import InstrumentId, PositionId

from statestore.control import StructureMark
from statestore.store import StoredStructure
from strategies.toolkit.equity import mark_price


def mark_structure(
    cache: Any,
    structure: StoredStructure,
    greeks: Mapping[InstrumentId, OptionGreeks],
    ts_ns: int,
) -> StructureMark | None:
    """Return the mark of a structure from the open positions of its legs.

    Per held leg, with ``q`` the position's signed quantity (contracts, negative short),
    ``m`` the contract multiplier (100) and ``mid`` its mark (:func:`mark_price`, dollars per
    share): value ``q·m·mid``; unrealized P&L ``q·m·(mid − average open price)`` (commissions
    left out); delta ``q·m·Δ`` (shares of the underlying), gamma ``q·m·Γ`` (shares per dollar
    of the underlying), vega ``q·m·vega`` (USD per vol point) and theta ``q·m·θ`` (USD per
    calendar day) from the latest vendor greeks (per share; ``None`` when a held leg has none).

    Parameters
    ----------
    cache : Cache
        The Nautilus cache (positions, instruments, quotes, bars).
    structure : StoredStructure
        The structure, its legs' position ids as the strategy stored them.
    greeks : Mapping[InstrumentId, OptionGreeks]
        The latest vendor greeks per contract.
    ts_ns : int
        The mark's time, UNIX ns.

    Returns
    -------
    StructureMark | None
        ``None`` when no leg holds an open position or a held leg has no mark.

    """
    value = pnl = 0.0
    totals = {"delta": 0.0, "gamma": 0.0, "vega": 0.0, "theta": 0.0}
    complete = True
    held = False
    for leg in structure.legs:
        position = cache.position(PositionId(leg.position_id)) if leg.position_id else None
        if position is None or position.is_closed:
            continue
        instrument_id = position.instrument_id
        mid = mark_price(cache, instrument_id)
        if mid is None:
            return None
        held = True
        units = float(position.signed_qty) * cache.instrument(instrument_id).multiplier.as_double()
        value += units * mid
        pnl += units * (mid - float(position.avg_px_open))
        leg_greeks = greeks.get(instrument_id)
        if leg_greeks is None:
            complete = False
            continue
        for name in totals:
            totals[name] += units * float(getattr(leg_greeks, name))
    if not held:
        return None

    def net(name: str) -> float | None:
        return totals[name] if complete else None

    return StructureMark(
        structure.structure_id,
        ts_ns,
        value,
        pnl,
        net("delta"),
        net("gamma"),
        net("vega"),
        net("theta"),
    )

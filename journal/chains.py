"""Roll chains in the trade journal: a structure and the structures rolled from it, as one.

Each journal record of a trade names the original structure of its chain (``roll_chain``,
:mod:`actors.journal`); a trade never rolled is a chain of one.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RollChain:
    """A structure and its successors by roll.

    Parameters
    ----------
    chain_id : str
        The original structure's id.
    structure_ids : tuple[str, ...]
        The chain's structures in entry order, the original first.
    pnl : float
        Realized P&L of the chain's closed structures, dollars, fees included.
    closed : bool
        Whether every structure of the chain has closed (else `pnl` is partial).

    """

    chain_id: str
    structure_ids: tuple[str, ...]
    pnl: float
    closed: bool


def roll_chains(records: Iterable[Mapping[str, Any]]) -> list[RollChain]:
    """Return the roll chains of journal records (trade records; other kinds are skipped).

    Parameters
    ----------
    records : iterable of mapping
        Journal records as :meth:`actors.journal.TradeJournal.rows` returns them (``kind``,
        ``id``, ``roll_chain``, ``entry_ns`` or ``entry_time``, ``pnl``).

    Returns
    -------
    list of RollChain
        One per chain, in the order their original structures were entered.

    """
    members: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        if record.get("kind", "trade") != "trade":
            continue
        members.setdefault(record.get("roll_chain") or record["id"], []).append(record)
    chains = []
    for chain_id, trades in members.items():
        trades.sort(key=lambda r: (r.get("entry_time") or "", r["id"] != chain_id))
        chains.append(
            RollChain(
                chain_id=chain_id,
                structure_ids=tuple(r["id"] for r in trades),
                pnl=sum(float(r["pnl"]) for r in trades if r.get("pnl") is not None),
                closed=all(r.get("pnl") is not None for r in trades),
            )
        )
    return chains

"""The node's state store: one SQLite file (WAL) holding what must survive a restart.

Strategies keep their open structures and legs, traded cycles, order intents (written before
an order is submitted), roll chains and the shares they received; the node keeps its status.
Risk actors, the trade journal and the control app add their tables as later migrations.
"""

from statestore.store import (
    FINAL_INTENT_STATES,
    IntentState,
    OrderIntent,
    StateStore,
    StoredLeg,
    StoredStructure,
    default_store_path,
)

__all__ = [
    "FINAL_INTENT_STATES",
    "IntentState",
    "OrderIntent",
    "StateStore",
    "StoredLeg",
    "StoredStructure",
    "default_store_path",
]

"""Open intents settled against today's Tradier orders before a restarted node is built."""

import time

from nautilus_trader.model.identifiers import InstrumentId, new_generic_spread_id

from adapters.tradier.restart import needs_look_back, settle_unsent_intents
from statestore import IntentState, StateStore, StoredLeg, StoredStructure

SHORT = "SPY270903P00470000.US"
WING = "SPY270903P00460000.US"
HELD = "SPY270903P00450000.US"
DAY_NS = 86_400 * 10**9


def test_intents_are_claimed_ended_or_found_never_sent() -> None:
    now = time.time_ns()
    spread = new_generic_spread_id(
        [(InstrumentId.from_str(SHORT), -1), (InstrumentId.from_str(WING), 1)]
    )
    with StateStore(":memory:") as store:
        store.mint_intent("S-000", "entry", "O-WORKING", spread.value, now)
        store.mint_intent("S-000", "exit", "O-CANCELED", SHORT, now)
        store.mint_intent("S-000", "exit", "O-PART", SHORT, now)
        store.mint_intent("S-001", "entry", "O-LOST", SHORT, now)
        store.mint_intent("S-001", "entry", "O-OLD", WING, now - 3 * DAY_NS)
        store.save_structure(
            StoredStructure(
                "T-1", "S-002", "SPY", "2027-09-03", "open", (StoredLeg(HELD, "SELL", 1),)
            )
        )
        claims = settle_unsent_intents(
            store,
            {
                "O-WORKING": ("open", 0.0),
                "O-CANCELED": ("canceled", 0.0),
                "O-PART": ("canceled", 1.0),
            },
            now,
        )

        def state(tag: str) -> IntentState:
            intent = store.intent(tag)
            assert intent is not None
            return intent.state

        assert state("O-WORKING") == IntentState.MINTED  # reconciliation settles it
        assert state("O-CANCELED") == IntentState.CANCELED
        assert state("O-PART") == IntentState.MINTED  # part-filled: its fills must be booked
        assert state("O-LOST") == IntentState.NOT_SENT  # today, and Tradier never had it
        assert state("O-OLD") == IntentState.MINTED  # an earlier day: unknown, left waiting
    # A SELL of the spread (a combo exit) is reconciled on the canonical BUY spread of its
    # broker legs, the ratios negated: claimed too.
    inverse = new_generic_spread_id(
        [(InstrumentId.from_str(SHORT), 1), (InstrumentId.from_str(WING), -1)]
    )
    assert {k: {str(i) for i in v} for k, v in claims.items()} == {
        "S-000": {spread.value, inverse.value, SHORT, WING},
        "S-002": {HELD},
    }


def test_an_older_intent_is_looked_up_in_a_month_of_orders_not_guessed() -> None:
    now = time.time_ns()
    with StateStore(":memory:") as store:
        store.mint_intent("S-000", "entry", "O-TODAY", SHORT, now)
        store.mint_intent("S-000", "entry", "O-3-DAYS", SHORT, now - 3 * DAY_NS)
        store.mint_intent("S-000", "entry", "O-40-DAYS", WING, now - 40 * DAY_NS)
        store.mint_intent("S-000", "entry", "O-FILLED-3-DAYS", WING, now - 3 * DAY_NS)
        assert not needs_look_back(store, ["O-3-DAYS", "O-40-DAYS", "O-FILLED-3-DAYS"], now)
        assert needs_look_back(store, ["O-TODAY"], now)  # older intents missing from today's
        claims = settle_unsent_intents(
            store, {"O-FILLED-3-DAYS": ("filled", 1.0)}, now, looked_back=True
        )

        def state(tag: str) -> IntentState:
            intent = store.intent(tag)
            assert intent is not None
            return intent.state

        assert state("O-TODAY") == IntentState.NOT_SENT
        assert state("O-3-DAYS") == IntentState.NOT_SENT  # the month of orders confirms it
        assert state("O-40-DAYS") == IntentState.MINTED  # beyond what Tradier lists: waits
        assert state("O-FILLED-3-DAYS") == IntentState.MINTED  # reconciliation settles it
    assert {str(i) for i in claims["S-000"]} == {WING}

"""Give a restarted node's orders and positions back to the strategies that own them.

After a restart the node's cache is empty and Nautilus attributes every order and position
reconciliation finds to the ``EXTERNAL`` strategy unless a strategy claims the instrument
(``external_order_claims``). Before the node is built, the state store says which strategy
owns what:

- every open intent is looked up at Tradier by its tag (our client order id) in today's
  orders: an intent whose order ended there without a fill (``canceled``, ``rejected``,
  ``expired``) takes that state (Nautilus does not rebuild such orders); one Tradier has
  otherwise is claimed for its strategy (the order's instrument, and for a combo each leg and
  the spread with its ratios negated, on which a combo exit is reconciled), so
  reconciliation gives the order and its fills to that strategy; an intent minted today that
  Tradier does not have was never received and becomes ``not_sent``. For an older intent
  today's list cannot say: the node then reads about a month of orders once (``all``
  filter, :func:`needs_look_back`); absent there too and minted within
  ``LOOK_BACK_DAYS``, it becomes ``not_sent``; older still, it stays open and its strategy
  waits rather than sending it again;
- the legs of every open structure are claimed for the strategy that holds them;
- the shares a strategy received by assignment or exercise (``owned_shares``) are claimed
  for it (:func:`owned_share_claims`), so its reconciled share position is its own and
  ``assigned_shares: close_next_session`` can sell it after a restart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from nautilus_trader.model.identifiers import (
    InstrumentId,
    generic_spread_id_to_list,
    is_generic_spread_id,
    new_generic_spread_id,
)

from options.market_calendar import session_of_ns
from statestore import IntentState, StateStore

UNFILLED_ENDS = {
    "canceled": IntentState.CANCELED,
    "rejected": IntentState.REJECTED,
    "error": IntentState.REJECTED,
    "expired": IntentState.EXPIRED,
}
"""Tradier order statuses that end an order; with nothing filled they end its intent."""


LOOK_BACK_DAYS = 28
"""Days of orders Tradier's ``all`` filter is trusted to list (it looks back about a month)."""


def needs_look_back(store: StateStore, broker_tags: Iterable[str], now_ns: int) -> bool:
    """Return whether an open intent minted before today is missing from today's orders."""
    tags, today = set(broker_tags), session_of_ns(now_ns)
    return any(
        intent.client_order_id not in tags and session_of_ns(intent.created_ns) < today
        for intent in store.intents(open_only=True)
    )


def settle_unsent_intents(
    store: StateStore,
    broker_orders: Mapping[str, tuple[str, float]],
    now_ns: int,
    looked_back: bool = False,
) -> dict[str, set[InstrumentId]]:
    """Settle open intents against today's Tradier orders; return what to claim.

    Parameters
    ----------
    store : StateStore
        The node's state store.
    broker_orders : Mapping[str, tuple[str, float]]
        Today's orders at Tradier by tag (every order the node placed carries one): their
        status and the quantity executed.
    now_ns : int
        UNIX nanoseconds now.
    looked_back : bool, default False
        Whether `broker_orders` holds about a month of orders (``all`` filter), not only
        today's.

    Returns
    -------
    dict[str, set[InstrumentId]]
        Instruments to claim, by strategy id: the instruments of open intents Tradier has, and
        the legs of open structures.

    """
    today = session_of_ns(now_ns)
    claims: dict[str, set[InstrumentId]] = defaultdict(set)
    strategies = set()
    for intent in store.intents(open_only=True):
        strategies.add(intent.strategy_id)
        order = broker_orders.get(intent.client_order_id)
        if order is not None:
            status, executed = order
            if status in UNFILLED_ENDS and not executed:
                store.set_intent_state(intent.client_order_id, UNFILLED_ENDS[status], now_ns)
            else:
                claims[intent.strategy_id].update(_instruments(intent.instrument_id))
        elif _confirmed_absent(session_of_ns(intent.created_ns), today, looked_back):
            store.set_intent_state(intent.client_order_id, IntentState.NOT_SENT, now_ns)
    for strategy_id in strategies | store.strategies_with_open_structures():
        for structure in store.structures(strategy_id):
            claims[strategy_id].update(
                InstrumentId.from_str(leg.instrument_id) for leg in structure.legs
            )
    return dict(claims)


def owned_share_claims(
    store: StateStore, taken: Iterable[InstrumentId]
) -> dict[str, set[InstrumentId]]:
    """Return the share instruments to claim for the strategies that received them.

    Parameters
    ----------
    store : StateStore
        The node's state store (its ``owned_shares``).
    taken : Iterable[InstrumentId]
        Instruments some strategy claims already; they are left to it.

    Returns
    -------
    dict[str, set[InstrumentId]]
        By strategy id; shares several strategies received go to the first that received
        them (Nautilus lets one strategy claim an instrument).

    """
    claimed = set(taken)
    claims: dict[str, set[InstrumentId]] = defaultdict(set)
    for strategy_id, instrument in store.share_owners():
        instrument_id = InstrumentId.from_str(instrument)
        if instrument_id not in claimed:
            claimed.add(instrument_id)
            claims[strategy_id].add(instrument_id)
    return dict(claims)


def _instruments(instrument: str) -> set[InstrumentId]:
    # A combo is reconciled on the canonical spread of its broker legs (a BUY), so a SELL of
    # the spread (a combo exit) comes back on the spread with every ratio negated: claim both.
    instrument_id = InstrumentId.from_str(instrument)
    if not is_generic_spread_id(instrument_id):
        return {instrument_id}
    legs = generic_spread_id_to_list(instrument_id)
    inverse = new_generic_spread_id([(leg, -ratio) for leg, ratio in legs])
    return {instrument_id, inverse, *(leg for leg, _ratio in legs)}


def _confirmed_absent(minted: dt.date, today: dt.date, looked_back: bool) -> bool:
    if minted == today:
        return True
    return looked_back and (today - minted).days <= LOOK_BACK_DAYS

"""Property: arbitrary JSON never makes decoding or parsing fail with anything but a clear error.

Invariant: for any JSON document, ``schemas.decode`` returns a struct or raises
``TradierParseError``, and the ``parse_*`` functions on what decoded return or raise
``TradierParseError``/``ValueError`` (never ``KeyError``, ``AttributeError``, ``TypeError``).
"""

import contextlib

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.tradier import parsing, schemas
from adapters.tradier.errors import TradierParseError
from options.instruments import daily_bar_type, equity_id

TS = 1_704_300_000_000_000_000
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**15),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["null", "", "1.25", "SPY", "SPY240119P00470000", "2024-01-02", "open"]),
)
keys = st.sampled_from(
    [
        "quotes",
        "quote",
        "symbol",
        "bid",
        "ask",
        "options",
        "option",
        "history",
        "day",
        "date",
        "open",
        "high",
        "low",
        "close",
        "orders",
        "order",
        "id",
        "status",
        "side",
        "type",
        "leg",
        "positions",
        "position",
        "quantity",
        "balances",
        "total_equity",
        "margin",
        "cash",
        "expirations",
        "expiration",
        "strikes",
        "strike",
        "greeks",
        "delta",
        "exec_quantity",
    ]
)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)
PARSERS = [
    (schemas.QuotesResponse, lambda r: parsing.parse_chain(r, TS)),
    (schemas.ChainResponse, lambda r: parsing.parse_chain(r, TS)),
    (
        schemas.HistoryResponse,
        lambda r: parsing.parse_daily_bars(r, daily_bar_type(equity_id("SPY")), 4),
    ),
    (
        schemas.OrdersResponse,
        lambda r: [parsing.order_status(o.status) for o in parsing.parse_orders(r)],
    ),
    (schemas.PositionsResponse, parsing.parse_positions),
    (schemas.BalancesResponse, parsing.parse_account_balance),
    (schemas.ExpirationsResponse, parsing.parse_expirations),
    (schemas.StrikesResponse, parsing.parse_strikes),
]


@settings(deadline=None, max_examples=300)
@given(document=documents, index=st.integers(0, len(PARSERS) - 1))
def test_arbitrary_json_fails_cleanly(document: object, index: int) -> None:
    schema, parse = PARSERS[index]
    with contextlib.suppress(TradierParseError, ValueError):
        parse(schemas.decode(schema, msgspec.json.encode(document)))

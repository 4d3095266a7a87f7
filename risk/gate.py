"""Where strategies ask the risk layer before an entry (never before an exit).

Two calls, both synchronous reads of the Nautilus cache, so they work the same in a backtest
and live:

- :func:`current_decision` returns the risk guard's standing decision (``allow`` when no
  guard runs). Strategies read it before exits only to see ``flatten``.
- :func:`check_entry` judges one proposed entry: the standing decision, the signal actor's
  entry gate (:mod:`risk.signal_gate`: earnings and news rules), then every pre-trade
  check the guard configured (:mod:`risk.pretrade`) against the account as the cache holds it
  (equity = cash plus positions at their marks). Call it once per entry with an
  :class:`~risk.proposal.EntryProposal` and pass the strategy's message bus; enter
  ``decision.sized(proposal.quantity)`` units (0: skip). An admitted entry is recorded as
  open (caps and concurrent-trade limits count it); a blocked or resized one is published on
  :data:`RISK_ENTRY_TOPIC` as an :class:`EntryGated`, which the guard writes to the risk log
  with its reason::

      decision = check_entry(self.cache, proposal, self.msgbus)
      units = decision.sized(proposal.quantity)
      if units >= 1:
          ...  # submit the legs, `units` of each ratio

Without a risk guard both return ``allow`` (a node without a guard trades unrestricted). A
check that raises (a bug, data it cannot handle) blocks the entry with the error as reason.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import msgspec

from options.instruments import VENUE, daily_bar_type, equity_id
from risk.decision import ALLOW, Action, RiskDecision
from risk.pretrade import PreTradeConfig, evaluate_entry
from risk.proposal import Book, BookPosition, EntryProposal, OpenEntry
from risk.signal_gate import signal_gate

RISK_CACHE_KEY = "tradefly.risk.decision"
"""Cache key under which the risk guard keeps the combined decision (JSON bytes)."""

PRETRADE_CACHE_KEY = "tradefly.risk.pretrade"
"""Cache key of the guard's :class:`~risk.pretrade.PreTradeConfig` (msgspec JSON bytes)."""

ENTRIES_CACHE_KEY = "tradefly.risk.entries"
"""Cache key of the admitted entries still open (JSON list of :class:`OpenEntry` fields)."""

RISK_ENTRY_TOPIC = "tradefly.risk.entry"
"""Message bus topic of :class:`EntryGated` and :class:`EntryAdmitted` (the guard logs them)."""

NS_PER_SECOND = 1_000_000_000

OWNER_FLATTEN_TOPIC = "tradefly.owner.flatten"
"""Message bus topic on which the risk guard publishes the owner's flatten command.

The message is a ``str``: a structure id, or :data:`FLATTEN_ALL`. A strategy holding that
structure (or any, for ``*``) closes it at once with exit reason ``owner_flatten``; one that
does not hold it ignores the message.
"""

FLATTEN_ALL = "*"
"""The flatten target meaning every open structure of every strategy."""


def current_decision(cache: Any) -> RiskDecision:
    """Return the risk guard's current decision from a Nautilus cache.

    Returns ``allow`` when no guard has written one (a node without a risk guard trades
    unrestricted).
    """
    data = cache.get(RISK_CACHE_KEY)
    return ALLOW if data is None else RiskDecision.from_bytes(bytes(data))


@dataclass(frozen=True, slots=True)
class EntryGated:
    """An entry the risk decision blocked or resized.

    Parameters
    ----------
    ts_ns : int
        UNIX nanoseconds.
    strategy_id : str
        Who wanted to enter.
    decision : RiskDecision
        The decision applied.
    wanted : int
        Contracts before the decision.
    allowed : int
        Contracts after it (0 when blocked).

    """

    ts_ns: int
    strategy_id: str
    decision: RiskDecision
    wanted: int
    allowed: int


@dataclass(frozen=True, slots=True)
class EntryAdmitted:
    """An entry the gate admitted (the guard keeps the open entries in its state store)."""

    entry: OpenEntry


@lru_cache(maxsize=8)
def _pretrade(data: bytes) -> PreTradeConfig:
    return msgspec.json.decode(data, type=PreTradeConfig)


def pretrade_config(cache: Any) -> PreTradeConfig | None:
    """Return the guard's pre-trade configuration, or ``None`` when no guard published one."""
    data = cache.get(PRETRADE_CACHE_KEY)
    return None if data is None else _pretrade(bytes(data))


def entries_from_json(rows: list[dict[str, Any]]) -> list[OpenEntry]:
    """Return the entries of their JSON form (a list of :class:`OpenEntry` field mappings)."""
    return [OpenEntry(**{**row, "instruments": tuple(row["instruments"])}) for row in rows]


def stored_entries(cache: Any) -> list[OpenEntry]:
    """Return the admitted entries kept in the cache (open or not yet pruned)."""
    data = cache.get(ENTRIES_CACHE_KEY)
    return [] if data is None else entries_from_json(json.loads(bytes(data)))


def save_entries(cache: Any, entries: list[OpenEntry]) -> bytes:
    """Keep `entries` in the cache; return the bytes written."""
    data = json.dumps([asdict(e) for e in entries], sort_keys=True).encode()
    cache.add(ENTRIES_CACHE_KEY, data)
    return data


def open_entries(
    entries: list[OpenEntry], held: set[str], now_ns: int, pending_secs: float
) -> list[OpenEntry]:
    """Return the entries still open: a leg's instrument is held, or admitted < pending ago."""
    pending_ns = int(pending_secs * NS_PER_SECOND)
    return [e for e in entries if held.intersection(e.instruments) or now_ns - e.ts_ns < pending_ns]


def _mid_or_close(cache: Any, instrument_id: Any) -> float | None:
    quote = cache.quote_tick(instrument_id)
    if quote is not None:
        return float((quote.bid_price.as_double() + quote.ask_price.as_double()) / 2.0)
    bar = cache.bar(daily_bar_type(instrument_id))
    return None if bar is None else float(bar.close.as_double())


def _position(cache: Any, position: Any) -> BookPosition:
    instrument = cache.instrument(position.instrument_id)
    mark = _mid_or_close(cache, position.instrument_id)
    quantity = float(position.signed_qty)
    multiplier = float(instrument.multiplier.as_double())
    name = position.instrument_id.value
    if hasattr(instrument, "option_kind"):
        return BookPosition(
            name,
            str(instrument.underlying),
            instrument.option_kind.name.lower(),
            quantity,
            multiplier,
            mark,
            float(instrument.strike_price.as_double()),
            int(instrument.expiration_ns),
        )
    ticker = position.instrument_id.symbol.value
    return BookPosition(name, ticker, "equity", quantity, multiplier, mark)


def book_from_cache(cache: Any, now_ns: int, underlyings: set[str], pending_secs: float) -> Book:
    """Return the account of venue ``US`` as the pre-trade checks see it.

    Parameters
    ----------
    cache : Cache
        The Nautilus cache (account, positions, quotes, bars, orders, admitted entries).
    now_ns : int
        UNIX ns.
    underlyings : set[str]
        Tickers whose own price is wanted besides those of the open positions.
    pending_secs : float
        See :func:`open_entries`.

    """
    from nautilus_trader.model.currencies import USD

    account = cache.account_for_venue(VENUE)
    cash = float(account.balance_total(USD).as_double()) if account is not None else 0.0
    positions = tuple(_position(cache, p) for p in cache.positions_open(venue=VENUE))
    equity = cash + sum(p.quantity * p.multiplier * p.mark for p in positions if p.mark is not None)
    tickers = underlyings | {p.underlying for p in positions}
    prices = {}
    for ticker in tickers:
        price = _mid_or_close(cache, equity_id(ticker))
        if price is not None:
            prices[ticker] = price
    held = {p.instrument_id for p in positions}
    entries = open_entries(stored_entries(cache), held, now_ns, pending_secs)
    orders = tuple(int(o.ts_init) for o in cache.orders())
    return Book(equity, cash, positions, tuple(entries), prices, orders)


def check_entry(cache: Any, proposal: EntryProposal, msgbus: Any = None) -> RiskDecision:
    """Return the risk layer's decision on one proposed entry.

    Parameters
    ----------
    cache : Cache
        The node's Nautilus cache.
    proposal : EntryProposal
        The entry (its `ts_ns` from the strategy's clock).
    msgbus : MessageBus, optional
        When given, a blocked or resized entry is published as :class:`EntryGated` and an
        admitted one as :class:`EntryAdmitted` on :data:`RISK_ENTRY_TOPIC`.

    Returns
    -------
    RiskDecision
        Enter ``decision.sized(proposal.quantity)`` units; 0 skips the entry.

    """
    standing = current_decision(cache)
    signal_block = signal_gate(cache, proposal.underlying)
    if signal_block is not None and not standing.blocks_entries:
        standing = signal_block
    config = pretrade_config(cache)
    entries: list[OpenEntry] | None = None
    if config is None:
        decision = evaluate_entry(PreTradeConfig(), proposal, Book(0.0, 0.0), standing)
    else:
        try:
            book = book_from_cache(
                cache, proposal.ts_ns, {proposal.underlying}, config.pending_secs
            )
            decision = evaluate_entry(config, proposal, book, standing)
            entries = list(book.entries)
        except Exception as exc:  # a broken check fails closed
            reason = f"pre-trade checks failed ({exc!r}): entry skipped"
            decision = RiskDecision(Action.BLOCK, 0.0, reason, "pretrade")
    allowed = decision.sized(proposal.quantity)
    if allowed < proposal.quantity and msgbus is not None:
        gated = EntryGated(
            proposal.ts_ns, proposal.strategy_id, decision, proposal.quantity, allowed
        )
        msgbus.publish(topic=RISK_ENTRY_TOPIC, msg=gated)
    if allowed >= 1 and entries is not None:
        entry = OpenEntry(
            proposal.ts_ns,
            proposal.strategy_id,
            proposal.underlying,
            proposal.structure,
            allowed,
            allowed * proposal.max_loss_per_unit,
            tuple(leg.instrument_id for leg in proposal.legs),
        )
        save_entries(cache, [*entries, entry])
        if msgbus is not None:
            msgbus.publish(topic=RISK_ENTRY_TOPIC, msg=EntryAdmitted(entry))
    return decision

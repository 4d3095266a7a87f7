"""check_entry on a Nautilus cache: the standing decision, the guard's checks, open entries."""

import dataclasses
from typing import Any

import msgspec
import pytest
from nautilus_trader.cache.cache import Cache

from risk import RISK_CACHE_KEY, Action, EntryAdmitted, EntryGated, RiskDecision, check_entry
from risk.entry_sizing import EntrySizingConfig
from risk.gate import PRETRADE_CACHE_KEY, stored_entries
from risk.pretrade import PreTradeConfig
from strategies.toolkit.signal import Signal, signal_cache_key, store_latest_signal
from tests.unit.risk.test_pretrade import NOW, SECOND_NS, short_put


class Bus:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def publish(self, topic: str, msg: Any) -> None:
        self.sent.append(msg)


def test_without_a_guard_every_entry_is_allowed_and_nothing_is_recorded() -> None:
    cache, bus = Cache(), Bus()
    decision = check_entry(cache, short_put(3), bus)
    assert decision.sized(3) == 3
    assert bus.sent == []
    assert stored_entries(cache) == []


def test_the_standing_decision_resizes_and_the_gated_entry_is_published() -> None:
    cache, bus = Cache(), Bus()
    cache.add(RISK_CACHE_KEY, RiskDecision(Action.REDUCE, 0.5, "tier", "drawdown").to_bytes())
    decision = check_entry(cache, short_put(5), bus)
    assert decision.sized(5) == 2
    assert [type(m) for m in bus.sent] == [EntryGated]
    assert (bus.sent[0].wanted, bus.sent[0].allowed) == (5, 2)


def test_admitted_entries_count_until_they_hold_no_position_past_the_pending_time() -> None:
    cache, bus = Cache(), Bus()
    config = PreTradeConfig(sizing=EntrySizingConfig(max_concurrent_trades=1), pending_secs=60)
    cache.add(PRETRADE_CACHE_KEY, msgspec.json.encode(config))
    assert check_entry(cache, short_put(2), bus).sized(2) == 2
    assert isinstance(bus.sent[-1], EntryAdmitted)
    assert [(e.quantity, e.max_loss, e.structure) for e in stored_entries(cache)] == [
        (2, 1_000.0, "short_put")
    ]
    second = check_entry(cache, short_put(1, ts_ns=NOW + 59 * SECOND_NS), bus)
    assert second.action == Action.BLOCK
    assert "1 open trades, the limit is 1" in second.reason
    assert isinstance(bus.sent[-1], EntryGated)
    # no leg of the first entry became a position within the pending time: no longer open
    third = check_entry(cache, short_put(1, ts_ns=NOW + 61 * SECOND_NS), bus)
    assert third.sized(1) == 1
    assert len(stored_entries(cache)) == 1


def test_a_check_that_raises_blocks_the_entry_with_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache, bus = Cache(), Bus()
    cache.add(PRETRADE_CACHE_KEY, msgspec.json.encode(PreTradeConfig()))

    def broken(*_args: Any) -> RiskDecision:
        raise ValueError("spot was not positive: 0.0")

    monkeypatch.setattr("risk.gate.evaluate_entry", broken)
    decision = check_entry(cache, short_put(2), bus)
    assert decision.action == Action.BLOCK
    assert decision.rule == "pretrade"
    assert "pre-trade checks failed (ValueError('spot was not positive: 0.0'))" in decision.reason
    assert isinstance(bus.sent[-1], EntryGated)
    assert stored_entries(cache) == []


def _signal(allowed: bool, reason: str = "", underlying: str = "SPY") -> Signal:
    return Signal(
        underlying=underlying,
        ts_ns=NOW,
        direction=0,
        probability=0.5,
        confidence=0.0,
        model_version="m/v1",
        features_hash="0" * 64,
        entries_allowed=allowed,
        gate_reason=reason,
    )


def test_the_signal_gate_blocks_entries_of_its_underlying_only() -> None:
    cache, bus = Cache(), Bus()
    store_latest_signal(cache, _signal(False, "earnings in 2 days"))
    decision = check_entry(cache, short_put(3), bus)
    assert (decision.action, decision.rule) == (Action.BLOCK, "signal_gate")
    assert decision.reason == "signal gate: earnings in 2 days (SPY)"
    assert isinstance(bus.sent[-1], EntryGated) and bus.sent[-1].allowed == 0
    qqq = dataclasses.replace(short_put(3), underlying="QQQ")
    assert check_entry(cache, qqq, bus).sized(3) == 3
    store_latest_signal(cache, _signal(True))
    assert check_entry(cache, short_put(3), bus).sized(3) == 3


def test_the_signal_gate_leaves_a_flatten_as_it_is_and_fails_closed_on_a_bad_signal() -> None:
    cache, bus = Cache(), Bus()
    store_latest_signal(cache, _signal(False, "news score -0.500 below -0.2"))
    cache.add(RISK_CACHE_KEY, RiskDecision(Action.FLATTEN, 0.0, "kill", "kill_switch").to_bytes())
    assert check_entry(cache, short_put(1), bus).action == Action.FLATTEN
    other = Cache()
    other.add(signal_cache_key("SPY"), b'{"underlying": "SPY"}')
    decision = check_entry(other, short_put(1), bus)
    assert (decision.action, decision.rule) == (Action.BLOCK, "signal_gate")
    assert "the stored signal of SPY is unreadable" in decision.reason

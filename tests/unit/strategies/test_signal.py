"""The published signal: validation, JSON round trip, latest value through a real Nautilus cache."""

import msgspec
import pytest
from nautilus_trader.cache.cache import Cache

from strategies.toolkit.signal import (
    Signal,
    decode_signal,
    encode_signal,
    latest_signal,
    signal_cache_key,
    signal_topic,
    store_latest_signal,
)


def make(**overrides: object) -> Signal:
    fields: dict[str, object] = {
        "underlying": "SPY",
        "ts_ns": 1_609_770_600_000_000_000,
        "direction": 1,
        "probability": 0.62,
        "confidence": 0.24,
        "model_version": "spy-fwd5-20261207T0500Z",
        "features_hash": "ab" * 32,
    }
    fields.update(overrides)
    return Signal(**fields)  # type: ignore[arg-type]


def test_topic_and_cache_key_name_the_underlying() -> None:
    assert signal_topic("SPY") == "tradefly.signal.SPY"
    assert signal_cache_key("QQQ") == "tradefly.signal.QQQ"


def test_round_trip_through_bytes() -> None:
    signal = make()
    assert decode_signal(encode_signal(signal)) == signal
    assert decode_signal(encode_signal(make(probability=None))) == make(probability=None)
    gated = make(entries_allowed=False, gate_reason="earnings in 2 days")
    assert decode_signal(encode_signal(gated)) == gated
    assert signal.entries_allowed and signal.gate_reason == ""


def test_latest_signal_reads_the_last_stored_value_from_a_nautilus_cache() -> None:
    cache = Cache()
    assert latest_signal(cache, "SPY") is None
    store_latest_signal(cache, make(direction=1))
    later = make(ts_ns=1_609_857_000_000_000_000, direction=-1, probability=0.3, confidence=0.4)
    store_latest_signal(cache, later)
    store_latest_signal(cache, make(underlying="QQQ"))
    assert latest_signal(cache, "SPY") == later
    assert latest_signal(cache, "IWM") is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("direction", 2, "direction was 2"),
        ("probability", 1.5, "probability was 1.5"),
        ("probability", float("nan"), "probability was nan"),
        ("confidence", -0.1, "confidence was -0.1"),
        ("underlying", "", "underlying was empty"),
        ("ts_ns", -1, "ts_ns was -1"),
    ],
)
def test_bad_values_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(**{field: value})


def test_hostile_bytes_in_the_cache_raise_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_signal(b"\xff\x00not json")
    bad = encode_signal(make()).replace(b'"direction":1', b'"direction":7')
    with pytest.raises(msgspec.ValidationError, match="direction was 7"):
        decode_signal(bad)


def test_the_strategy_facing_path_is_the_risk_layers_signal() -> None:
    import risk.signal
    import strategies.toolkit.signal

    assert strategies.toolkit.signal.latest_signal is risk.signal.latest_signal
    assert strategies.toolkit.signal.Signal is risk.signal.Signal

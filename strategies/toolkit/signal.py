"""The published model signal, as strategies read it (defined in :mod:`risk.signal`).

The risk layer's signal gate reads the same signal, so the type lives below both; this is the
strategy-facing import path: ``from strategies.toolkit.signal import latest_signal``.
"""

from risk.signal import (
    SIGNAL_PREFIX,
    Signal,
    SignalCache,
    decode_signal,
    encode_signal,
    latest_signal,
    signal_cache_key,
    signal_topic,
    store_latest_signal,
)

__all__ = [
    "SIGNAL_PREFIX",
    "Signal",
    "SignalCache",
    "decode_signal",
    "encode_signal",
    "latest_signal",
    "signal_cache_key",
    "signal_topic",
    "store_latest_signal",
]

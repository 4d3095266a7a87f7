"""The published model signal: its type, message-bus topic and cache key.

The signal actor (``actors/signal_actor.py``) publishes a :class:`Signal` per underlying on the
topic :func:`signal_topic` and stores its latest value, encoded as JSON bytes, in the cache under
:func:`signal_cache_key`. A strategy reads the latest value with :func:`latest_signal` without
importing the research package that computed it.
"""

from __future__ import annotations

import math
from typing import Protocol

import msgspec

SIGNAL_PREFIX = "tradefly.signal."


class Signal(msgspec.Struct, frozen=True, kw_only=True):
    """A model's view of one underlying at one decision time.

    Parameters
    ----------
    underlying : str
        Ticker of the underlying (``SPY``).
    ts_ns : int
        Decision time, UNIX nanoseconds: the signal uses only data known at or before it.
    direction : int
        -1 (bearish), 0 (no view) or 1 (bullish).
    probability : float | None
        Model probability that the forward return over the model's horizon is positive
        (0 to 1), or None for a model that only gives a direction.
    confidence : float
        0 to 1; ``abs(2 * probability - 1)`` for a probability model.
    model_version : str
        Version of the registered model that produced it (its registry folder name).
    features_hash : str
        SHA-256 (hex) of the feature names and values the model read, so a signal can be
        matched to the exact inputs that produced it.
    entries_allowed : bool, default True
        False when the actor's entry gate (earnings or news rule) blocks new entries now;
        :func:`risk.gate.check_entry` then blocks every entry on this underlying.
    gate_reason : str, default ""
        Why entries are blocked (``earnings in 2 days``), empty when allowed.

    Raises
    ------
    ValueError
        If ``direction`` is not -1, 0 or 1, ``probability`` or ``confidence`` is outside
        [0, 1] or not finite, ``underlying`` is empty, or ``ts_ns`` is negative.

    """

    underlying: str
    ts_ns: int
    direction: int
    probability: float | None
    confidence: float
    model_version: str
    features_hash: str
    entries_allowed: bool = True
    gate_reason: str = ""

    def __post_init__(self) -> None:
        if not self.underlying:
            raise ValueError("signal underlying was empty")
        if self.ts_ns < 0:
            raise ValueError(f"signal ts_ns was {self.ts_ns!r}, must be >= 0")
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"signal direction was {self.direction!r}, must be -1, 0 or 1")
        if self.probability is not None and not _unit(self.probability):
            raise ValueError(f"signal probability was {self.probability!r}, must be in [0, 1]")
        if not _unit(self.confidence):
            raise ValueError(f"signal confidence was {self.confidence!r}, must be in [0, 1]")


def _unit(value: float) -> bool:
    return math.isfinite(value) and 0.0 <= value <= 1.0


class SignalCache(Protocol):
    """The part of Nautilus's ``Cache`` the signal uses (``add`` and ``get`` of bytes)."""

    def add(self, key: str, value: bytes) -> None:
        """Store ``value`` under ``key``."""

    def get(self, key: str) -> bytes | None:
        """Return the value stored under ``key``, or None."""


def signal_topic(underlying: str) -> str:
    """Return the message-bus topic of an underlying's signals (``tradefly.signal.SPY``)."""
    return SIGNAL_PREFIX + underlying


def signal_cache_key(underlying: str) -> str:
    """Return the cache key of an underlying's latest signal (``tradefly.signal.SPY``)."""
    return SIGNAL_PREFIX + underlying


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Signal)


def encode_signal(signal: Signal) -> bytes:
    """Return a signal as JSON bytes (the cache value)."""
    return _ENCODER.encode(signal)


def decode_signal(data: bytes) -> Signal:
    """Return the signal encoded in ``data``.

    Raises
    ------
    msgspec.ValidationError
        If ``data`` is not an encoded signal (a missing field, a bad value).
    msgspec.DecodeError
        If ``data`` is not JSON.

    """
    return _DECODER.decode(data)


def store_latest_signal(cache: SignalCache, signal: Signal) -> None:
    """Store ``signal`` as its underlying's latest signal in ``cache``."""
    cache.add(signal_cache_key(signal.underlying), encode_signal(signal))


def latest_signal(cache: SignalCache, underlying: str) -> Signal | None:
    """Return the latest signal stored for ``underlying``, or None if there is none."""
    data = cache.get(signal_cache_key(underlying))
    return None if data is None else decode_signal(data)

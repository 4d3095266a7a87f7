"""Choose the structure to trade from the regime: IV rank and percentile, trend, a signal.

A config lists choices in order; the first whose conditions all hold is traded, none: no entry.

```yaml
choices:
  - {structure: iron_condor, when: {iv_rank_min: 50, trend: [neutral]}}
  - {structure: bull_call_spread, when: {iv_rank_max: 30, trend: [up]}}
  - {structure: bull_put_spread, when: {signal: [up], min_confidence: 0.2}}
```

The regime's inputs, each ``None`` until known (a condition on an unknown input fails):

- IV rank and IV percentile (:mod:`options.iv_metrics`, percent) of the session's 30-day ATM IV
  against the last ``iv_window`` sessions (those before the start included when the engine is
  seeded, :mod:`strategies.iv_seed`), once ``iv_min_sessions`` are in;
- trend: ``up`` when the close is above its ``trend_sessions``-session simple moving average by
  more than ``trend_band`` (a fraction: 0.02 is 2 %), ``down`` when below it by more, else
  ``neutral``;
- the latest published signal of the underlying (:mod:`strategies.toolkit.signal`): direction
  ``up`` (1), ``down`` (-1) or ``neutral`` (0), with its confidence.
"""

from collections import deque
from dataclasses import dataclass
from typing import Any

import msgspec

from options.iv_metrics import iv_percentile, iv_rank

TRENDS = ("up", "down", "neutral")
DIRECTIONS = {1: "up", -1: "down", 0: "neutral"}


class Condition(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """When a choice applies; every bound given must hold, unset bounds always do.

    Parameters
    ----------
    iv_rank_min, iv_rank_max : float | None
        Bounds (inclusive) on the IV rank, percent.
    iv_percentile_min, iv_percentile_max : float | None
        Bounds (inclusive) on the IV percentile, percent.
    trend : list[str] | None
        Accepted trends (``up``, ``down``, ``neutral``).
    signal : list[str] | None
        Accepted signal directions (``up``, ``down``, ``neutral``).
    min_confidence : float | None
        Lowest accepted signal confidence (0 to 1).

    """

    iv_rank_min: float | None = None
    iv_rank_max: float | None = None
    iv_percentile_min: float | None = None
    iv_percentile_max: float | None = None
    trend: list[str] | None = None
    signal: list[str] | None = None
    min_confidence: float | None = None

    def __post_init__(self) -> None:
        for name in ("trend", "signal"):
            for value in getattr(self, name) or ():
                if value not in TRENDS:
                    raise ValueError(f"when.{name} held {value!r}, not one of {TRENDS}")

    def holds(self, regime: "Regime") -> bool:
        """Return whether every bound holds for `regime` (False when its input is unknown)."""
        bounds = (
            (regime.iv_rank, self.iv_rank_min, self.iv_rank_max),
            (regime.iv_percentile, self.iv_percentile_min, self.iv_percentile_max),
            (regime.signal_confidence, self.min_confidence, None),
        )
        for value, low, high in bounds:
            if (low is not None or high is not None) and value is None:
                return False
            if value is not None and low is not None and value < low:
                return False
            if value is not None and high is not None and value > high:
                return False
        if self.trend is not None and regime.trend not in self.trend:
            return False
        return self.signal is None or regime.signal in self.signal


class StructureChoice(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A structure and when to trade it.

    Parameters
    ----------
    structure : str
        A preset name (:data:`options.presets.PRESETS`).
    structure_params : dict
        Its parameters (:mod:`strategies.toolkit.structure_spec`).
    when : Condition
        When it applies.

    """

    structure: str
    structure_params: dict[str, Any] = msgspec.field(default_factory=dict)
    when: Condition = msgspec.field(default_factory=Condition)


@dataclass(frozen=True, slots=True)
class Regime:
    """The inputs of a choice at one decision.

    Parameters
    ----------
    iv : float | None
        The session's 30-day ATM IV, decimal per year.
    iv_rank, iv_percentile : float | None
        Percent.
    trend : str | None
        ``up``, ``down`` or ``neutral``.
    signal : str | None
        The latest signal's direction.
    signal_confidence : float | None
        Its confidence, 0 to 1.

    """

    iv: float | None = None
    iv_rank: float | None = None
    iv_percentile: float | None = None
    trend: str | None = None
    signal: str | None = None
    signal_confidence: float | None = None

    def tags(self) -> tuple[str, ...]:
        """Return the known inputs as ``name:value`` tags (for the trade's journal record)."""
        values = {
            "iv": self.iv,
            "iv_rank": self.iv_rank,
            "iv_percentile": self.iv_percentile,
            "trend": self.trend,
            "signal": self.signal,
            "confidence": self.signal_confidence,
        }
        return tuple(
            f"{name}:{value:.4g}" if isinstance(value, float) else f"{name}:{value}"
            for name, value in values.items()
            if value is not None
        )


class RegimeTracker:
    """The IV history and closes of one underlying, one value per session.

    Parameters
    ----------
    iv_window : int
        Sessions in the IV rank and percentile look-back (the current one included); >= 2.
    iv_min_sessions : int
        Sessions of IV needed before a rank or percentile is given; 2 to `iv_window`.
    trend_sessions : int
        Closes in the moving average; >= 1.
    trend_band : float
        Fraction of the average the close must clear for ``up`` or ``down``; >= 0.

    Raises
    ------
    ValueError
        Naming the parameter out of range.

    """

    def __init__(
        self, iv_window: int, iv_min_sessions: int, trend_sessions: int, trend_band: float
    ) -> None:
        if iv_window < 2:
            raise ValueError(f"iv_window was {iv_window!r}, not >= 2")
        if not 2 <= iv_min_sessions <= iv_window:
            raise ValueError(f"iv_min_sessions was {iv_min_sessions!r}, not in [2, iv_window]")
        if trend_sessions < 1:
            raise ValueError(f"trend_sessions was {trend_sessions!r}, not >= 1")
        if not trend_band >= 0:
            raise ValueError(f"trend_band was {trend_band!r}, not >= 0")
        self._ivs: deque[float] = deque(maxlen=iv_window)
        self._closes: deque[float] = deque(maxlen=trend_sessions)
        self._iv_window = iv_window
        self._iv_min_sessions = iv_min_sessions
        self._trend_band = trend_band
        self._iv: float | None = None

    def add_close(self, close: float) -> None:
        """Add a session's close (dollars per share)."""
        self._closes.append(close)

    def add_iv(self, iv: float | None) -> None:
        """Add a session's 30-day ATM IV (None when the chain gave none: nothing is added)."""
        self._iv = iv
        if iv is not None:
            self._ivs.append(iv)

    def regime(self, signal: str | None = None, confidence: float | None = None) -> Regime:
        """Return the regime after the latest session added."""
        ranked = self._iv is not None and len(self._ivs) >= self._iv_min_sessions
        history = list(self._ivs)
        return Regime(
            iv=self._iv,
            iv_rank=iv_rank(history, self._iv_window) if ranked else None,
            iv_percentile=iv_percentile(history, self._iv_window) if ranked else None,
            trend=self._trend(),
            signal=signal,
            signal_confidence=confidence,
        )

    def _trend(self) -> str | None:
        if not self._closes or len(self._closes) < (self._closes.maxlen or 1):
            return None
        average = sum(self._closes) / len(self._closes)
        close = self._closes[-1]
        if close > average * (1 + self._trend_band):
            return "up"
        if close < average * (1 - self._trend_band):
            return "down"
        return "neutral"

"""The underlying's 30-day ATM implied vol, session by session, for its IV rank at an entry.

Each session close adds the constant-maturity ATM IV of the chain the strategy sees
(:func:`options.iv_metrics.atm_iv_30d`: the vendor's IV of a contract when the data has one at
that close, else the Black-Scholes IV of its mid), and :meth:`AtmIvHistory.rank` is
:func:`options.iv_metrics.iv_rank` of the latest value over the sessions kept (at most
`window`, the sessions seen since the strategy started, after any :meth:`AtmIvHistory.seed` of
earlier sessions) once `min_sessions` are in; before that :meth:`AtmIvHistory.rank_note` says
``unknown until N sessions (k seen)``.

The IVs are solved when they are asked for (:meth:`AtmIvHistory.rank`, :meth:`AtmIvHistory.latest`,
:attr:`AtmIvHistory.values`) or every `window` sessions, the sessions added since the last time
in one vectorised call (:func:`options.iv_metrics.atm_ivs_30d`: the same values as one call per
session): a strategy asks at its entries, not at every close.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable, Mapping

from nautilus_trader.model.identifiers import InstrumentId

from options import iv_metrics
from options.chain_selection import ChainQuote as PricedQuote
from strategies.toolkit.chain import ChainSnapshot


class AtmIvHistory:
    """The last `window` sessions' 30-day ATM IVs (decimals per year), oldest first.

    Parameters
    ----------
    window : int, default 252
        Sessions kept (the IV-rank look-back).
    min_sessions : int, default 2
        Sessions needed before a rank is given (at least 2).
    rate, div_yield : float, default 0.0
        Continuously compounded rate and yield (decimals) for IVs computed from mids.

    Raises
    ------
    ValueError
        If `min_sessions` is below 2 or above `window`.

    """

    def __init__(
        self,
        window: int = iv_metrics.DEFAULT_WINDOW,
        min_sessions: int = 2,
        rate: float = 0.0,
        div_yield: float = 0.0,
    ) -> None:
        if not 2 <= min_sessions <= window:
            raise ValueError(f"min_sessions was {min_sessions!r}, not in [2, window={window}]")
        self._values: deque[float] = deque(maxlen=window)
        self._pending: list[tuple[list[PricedQuote], float, dt.date]] = []
        self._window = window
        self._min_sessions = min_sessions
        self._rate = rate
        self._div_yield = div_yield
        self._latest: tuple[dt.date, float] | None = None

    def seed(self, values: Iterable[float]) -> None:
        """Add earlier sessions' ATM IVs (decimals per year, oldest first), before any :meth:`add`.

        Raises
        ------
        ValueError
            If a value is not finite and positive.

        """
        for value in values:
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"a seeded ATM IV was {value!r}, not finite and positive")
            self.values.append(value)

    def latest(self) -> tuple[dt.date, float] | None:
        """Return the last session :meth:`add` gave an ATM IV and that IV (``None``: none yet)."""
        self._solve_pending()
        return self._latest

    @property
    def values(self) -> deque[float]:
        """The sessions' 30-day ATM IVs kept (decimals per year), oldest first."""
        self._solve_pending()
        return self._values

    def _solve_pending(self) -> None:
        if not self._pending:
            return
        atms = iv_metrics.atm_ivs_30d(self._pending, rate=self._rate, div_yield=self._div_yield)
        for (_quotes, _spot, session), atm in zip(self._pending, atms, strict=True):
            if atm is not None and math.isfinite(atm):
                self._values.append(atm)
                self._latest = (session, atm)
        self._pending.clear()

    def add(self, snapshot: ChainSnapshot, vendor_ivs: Mapping[InstrumentId, float]) -> None:
        """Add the session's ATM IV (nothing when the chain gives none).

        Parameters
        ----------
        snapshot : ChainSnapshot
            The session's chain.
        vendor_ivs : Mapping[InstrumentId, float]
            The vendor's IV (decimal) of contracts quoted at this close, where it has one.

        """
        solvable = solvable_chain(snapshot, vendor_ivs)
        if solvable is None:
            return
        self._pending.append(solvable)
        if len(self._pending) >= self._window:
            self._solve_pending()

    def rank(self) -> float | None:
        """Return the IV rank (0-100) of the latest session; ``None`` before `min_sessions`."""
        values = self.values
        if len(values) < self._min_sessions:
            return None
        return iv_metrics.iv_rank(list(values), self._window)

    def rank_note(self) -> str:
        """Say why :meth:`rank` is ``None`` (``""`` when it is known).

        Returns
        -------
        str
            ``unknown until N sessions (k seen)`` before `min_sessions` sessions of IV, or
            ``unknown: the IV did not change over k sessions`` (no range to rank in).

        """
        seen = len(self.values)
        if seen < self._min_sessions:
            return f"unknown until {self._min_sessions} sessions ({seen} seen)"
        if self.rank() is None:
            return f"unknown: the IV did not change over {seen} sessions"
        return ""


def solvable_chain(
    snapshot: ChainSnapshot, vendor_ivs: Mapping[InstrumentId, float]
) -> tuple[list[PricedQuote], float, dt.date] | None:
    """Return a session's chain as :func:`options.iv_metrics.atm_ivs_30d` takes it.

    Parameters
    ----------
    snapshot : ChainSnapshot
        The session's chain.
    vendor_ivs : Mapping[InstrumentId, float]
        The vendor's IV (decimal per year) of contracts quoted at this close, where it has one.

    Returns
    -------
    tuple of (list of options.chain_selection.ChainQuote, float, datetime.date) or None
        The usable quotes (a crossed or unusable quote is left out: it says nothing about the
        vol), each with its positive vendor IV where there is one, the spot (dollars per share)
        and the session; None when no quote is usable or the spot is not finite and positive.

    """
    quotes = []
    for quote in snapshot.quotes:
        vendor = vendor_ivs.get(quote.instrument_id)
        try:
            quotes.append(
                PricedQuote(
                    expiration=quote.expiration,
                    kind=quote.kind,
                    strike=quote.strike,
                    bid=quote.bid,
                    ask=quote.ask,
                    implied_vol=vendor if vendor is not None and vendor > 0 else None,
                )
            )
        except ValueError:
            continue
    if not quotes or not (math.isfinite(snapshot.spot) and snapshot.spot > 0):
        return None
    return quotes, snapshot.spot, snapshot.session

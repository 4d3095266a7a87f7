"""The underlying's 30-day ATM implied vol, session by session, for its IV rank at an entry.

Each session close adds the constant-maturity ATM IV of the chain the strategy sees
(:func:`options.iv_metrics.atm_iv_30d`: the vendor's IV of a contract when the data has one at
that close, else the Black-Scholes IV of its mid), and :meth:`AtmIvHistory.rank` is
:func:`options.iv_metrics.iv_rank` of the latest value over the sessions kept (at most 252, the
sessions seen since the strategy started: a backtest's first session, or a live node's first
session after a start, has no rank yet).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

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
    rate, div_yield : float, default 0.0
        Continuously compounded rate and yield (decimals) for IVs computed from mids.

    """

    def __init__(
        self, window: int = iv_metrics.DEFAULT_WINDOW, rate: float = 0.0, div_yield: float = 0.0
    ) -> None:
        self.values: deque[float] = deque(maxlen=window)
        self._window = window
        self._rate = rate
        self._div_yield = div_yield

    def add(self, snapshot: ChainSnapshot, vendor_ivs: Mapping[InstrumentId, float]) -> None:
        """Add the session's ATM IV (nothing when the chain gives none).

        Parameters
        ----------
        snapshot : ChainSnapshot
            The session's chain.
        vendor_ivs : Mapping[InstrumentId, float]
            The vendor's IV (decimal) of contracts quoted at this close, where it has one.

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
                continue  # a crossed or unusable quote says nothing about the vol
        if not quotes or not snapshot.spot > 0:
            return
        atm = iv_metrics.atm_iv_30d(
            quotes, snapshot.spot, snapshot.session, rate=self._rate, div_yield=self._div_yield
        )
        if atm is not None and math.isfinite(atm):
            self.values.append(atm)

    def rank(self) -> float | None:
        """Return the IV rank (0-100) of the latest session, or ``None`` before two sessions."""
        if len(self.values) < 2:
            return None
        return iv_metrics.iv_rank(list(self.values), self._window)

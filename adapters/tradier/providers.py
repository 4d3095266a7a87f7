"""Instrument provider: Tradier underlyings, option chains and spreads as Nautilus instruments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from nautilus_trader.common.component import LiveClock
from nautilus_trader.common.providers import InstrumentProvider
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.identifiers import (
    InstrumentId,
    Symbol,
    generic_spread_id_to_list,
    is_generic_spread_id,
)
from nautilus_trader.model.instruments import Instrument, OptionSpread

from adapters.tradier import parsing, schemas, validation
from adapters.tradier.api import TradierMarketApi
from adapters.tradier.constants import MAX_MULTILEG_LEGS
from adapters.tradier.errors import TradierParseError
from adapters.vendor_values import RejectionTally
from options.instruments import make_underlying
from options.market_calendar import session_of_ns
from strategies.toolkit.selection import is_monthly_expiration


def build_option_spread(
    spread_id: InstrumentId, legs: list[Instrument], ts_init: int
) -> OptionSpread:
    """Return the ``OptionSpread`` of a generic spread ID from its loaded legs.

    Parameters
    ----------
    spread_id : InstrumentId
        A generic spread ID (``new_generic_spread_id``), 2 to 4 option legs.
    legs : list[Instrument]
        The leg instruments, in the order of the spread ID.
    ts_init : int
        UNIX ns of creation.

    Returns
    -------
    OptionSpread
        Prices, multiplier and currency of the first leg; expiry of the earliest leg; the
        underlying shared by all legs.

    Raises
    ------
    ValueError
        If the legs are not 2 to 4 options on one underlying.

    """
    if not 2 <= len(legs) <= MAX_MULTILEG_LEGS:
        raise ValueError(f"spread legs were not 2 to {MAX_MULTILEG_LEGS}: {spread_id}")
    underlyings = {getattr(leg, "underlying", None) for leg in legs}
    if len(underlyings) != 1 or None in underlyings:
        raise ValueError(f"spread legs did not share one underlying: {spread_id}")
    first = legs[0]
    return OptionSpread(
        instrument_id=spread_id,
        raw_symbol=Symbol(spread_id.symbol.value),
        asset_class=first.asset_class,
        currency=first.quote_currency,
        price_precision=first.price_precision,
        price_increment=first.price_increment,
        multiplier=first.multiplier,
        lot_size=first.lot_size,
        underlying=str(underlyings.pop()),
        strategy_type="SPREAD",
        activation_ns=0,
        expiration_ns=min(leg.expiration_ns for leg in legs),
        ts_event=ts_init,
        ts_init=ts_init,
    )


class TradierInstrumentProvider(InstrumentProvider):
    """Load underlyings (``Equity``), options (``OptionContract``) and spreads from Tradier.

    ``load_ids`` accepts equity IDs (``SPY.US``), OCC option IDs (``SPY240119P00470000.US``) and
    generic spread IDs of them; one quotes call validates every symbol (unknown or expired
    symbols are skipped with a warning) and supplies contract sizes. ``load_all`` walks the
    chains of ``filters["underlyings"]`` for expirations ``filters["min_dte"]`` (default 0) to
    ``filters["max_dte"]`` (default 60) days out; ``filters["monthly_only"]`` keeps standard
    monthly expirations, and ``filters["strike_window_pct"]`` (e.g. 0.15) keeps strikes within
    that fraction of the underlying's last price.

    Parameters
    ----------
    market : TradierMarketApi
        The market-data endpoints.
    clock : LiveClock
        The clock (for ``ts_init`` and days to expiration).
    config : InstrumentProviderConfig, optional
        What to load at start.

    """

    def __init__(
        self,
        market: TradierMarketApi,
        clock: LiveClock,
        config: InstrumentProviderConfig | None = None,
    ) -> None:
        super().__init__(config=config)
        self._market = market
        self._clock = clock
        self._rejections = RejectionTally(self._log.warning, "Tradier instrument provider")

    @property
    def rejections(self) -> dict[str, int]:
        """Vendor rows dropped at the edge so far, per kind (``identifier``, ``price`` ...)."""
        return self._rejections.counts

    def _valid_quotes(self, quotes: list[schemas.Quote]) -> list[schemas.Quote]:
        checked = validation.keep_valid(quotes, validation.check_quote)
        for error in checked.errors:
            self._rejections.record(error.kind, error.message)
        return checked.items

    async def load_all_async(self, filters: dict[str, Any] | None = None) -> None:
        """Load each configured underlying and its chains within the DTE window."""
        filters = filters or {}
        underlyings = [str(u).upper() for u in filters.get("underlyings", [])]
        if not underlyings:
            self._log.warning("load_all needs filters['underlyings'], e.g. ['SPY']")
            return
        min_dte = int(filters.get("min_dte", 0))
        max_dte = int(filters.get("max_dte", 60))
        monthly_only = bool(filters.get("monthly_only", False))
        window = filters.get("strike_window_pct")
        today = session_of_ns(self._clock.timestamp_ns())
        quotes, _ = parsing.parse_quotes(await self._market.quotes(underlyings))
        last = {q.symbol: q.last for q in self._valid_quotes(quotes)}
        for underlying in underlyings:
            self.add(make_underlying(underlying, self._clock.timestamp_ns()))
            spot = last.get(underlying)
            strikes = None
            if window is not None and spot:
                strikes = (spot * (1 - float(window)), spot * (1 + float(window)))
            expirations = parsing.parse_expirations(await self._market.expirations(underlying))
            for expiration in expirations:
                if not min_dte <= (expiration.date - today).days <= max_dte:
                    continue
                if monthly_only and not is_monthly_expiration(expiration.date):
                    continue
                await self.load_chain(underlying, expiration.date, strikes)

    async def load_chain(
        self,
        underlying: str,
        expiration: dt.date,
        strike_range: tuple[float, float] | None = None,
    ) -> parsing.Parsed[parsing.ChainRow]:
        """Load one expiration's contracts (with greeks) and return the parsed rows.

        Rows outside `strike_range` (dollars, inclusive) are dropped; rejected rows are
        counted in :attr:`rejections` (the first of each kind logged) and in the result.
        """
        response = await self._market.chain(underlying, expiration, greeks=True)
        parsed = parsing.parse_chain(response, self._clock.timestamp_ns())
        if strike_range is not None:
            low, high = strike_range
            rows = [r for r in parsed.items if low <= r.contract.strike_price.as_double() <= high]
            parsed = parsing.Parsed(rows, parsed.rejected, parsed.reasons, parsed.kinds)
        for row in parsed.items:
            self.add(row.contract)
        for kind, reason in zip(parsed.kinds, parsed.reasons, strict=True):
            self._rejections.record(kind, reason)
        return parsed

    async def load_ids_async(
        self,
        instrument_ids: list[InstrumentId],
        filters: dict[str, Any] | None = None,
    ) -> None:
        """Load the given equity, option and spread IDs (spreads after their legs)."""
        spreads = [i for i in instrument_ids if is_generic_spread_id(i)]
        wanted = {i for i in instrument_ids if not is_generic_spread_id(i)}
        for spread_id in spreads:
            wanted.update(leg for leg, _ in generic_spread_id_to_list(spread_id))
        missing = sorted((i for i in wanted if self.find(i) is None), key=str)
        if missing:
            await self._load_symbols(missing)
        for spread_id in spreads:
            self._add_spread(spread_id)

    async def _load_symbols(self, instrument_ids: list[InstrumentId]) -> None:
        ts_init = self._clock.timestamp_ns()
        quotes, unmatched = parsing.parse_quotes(
            await self._market.quotes(i.symbol.value for i in instrument_ids)
        )
        if unmatched:
            self._log.warning(f"Tradier did not recognise (expired or invalid): {unmatched!r:.200}")
        for quote in self._valid_quotes(quotes):
            try:
                if parsing.is_option_symbol(quote.symbol):
                    self.add(
                        parsing.parse_option_contract(
                            quote.symbol,
                            ts_init,
                            underlying=quote.underlying,
                            contract_size=quote.contract_size,
                        ),
                    )
                else:
                    self.add(make_underlying(quote.symbol, ts_init))
            except TradierParseError as exc:
                self._rejections.record(exc.kind, exc.message)

    def _add_spread(self, spread_id: InstrumentId) -> None:
        legs = [self.find(leg) for leg, _ in generic_spread_id_to_list(spread_id)]
        if any(leg is None for leg in legs):
            self._log.warning(f"Cannot build spread {spread_id}: a leg was not loaded")
            return
        try:
            spread = build_option_spread(
                spread_id, [leg for leg in legs if leg is not None], self._clock.timestamp_ns()
            )
        except ValueError as exc:
            self._log.warning(f"Cannot build spread {spread_id}: {exc}")
            return
        self.add(spread)

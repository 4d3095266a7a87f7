"""Instrument provider: underlyings and their option chains on venue ``US``."""

import datetime as dt

from nautilus_trader.common.providers import InstrumentProvider
from nautilus_trader.config import InstrumentProviderConfig
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.model.instruments import OptionContract

from adapters.alphavantage.constants import AlphaVantageFunction as Fn
from adapters.alphavantage.http.client import AlphaVantageHttpClient
from adapters.alphavantage.parsing.options import parse_options
from adapters.alphavantage.parsing.values import clean_ticker
from adapters.alphavantage.schemas.options import decode_options
from options.instruments import VENUE, make_equity, make_option_contract
from options.occ import parse_occ


class AlphaVantageInstrumentProvider(InstrumentProvider):
    """Provide ``Equity`` underlyings and their ``OptionContract`` chains.

    Option definitions follow from the OCC symbol alone (:mod:`options.instruments`), so
    loading a contract by ID needs no request; a chain needs one HISTORICAL_OPTIONS call.

    Parameters
    ----------
    client : AlphaVantageHttpClient
        The HTTP client.
    underlyings : tuple[str, ...], default ()
        Tickers :meth:`load_all_async` loads with their chains.
    config : InstrumentProviderConfig, optional
        Nautilus provider options (``load_all``, ``load_ids``).

    Raises
    ------
    AlphaVantageParseError
        If an underlying is not a valid ticker.

    """

    def __init__(
        self,
        client: AlphaVantageHttpClient,
        underlyings: tuple[str, ...] = (),
        config: InstrumentProviderConfig | None = None,
    ) -> None:
        super().__init__(config=config)
        self._client = client
        self._underlyings = tuple(clean_ticker(ticker) for ticker in underlyings)

    async def load_all_async(self, filters: dict[str, object] | None = None) -> None:
        """Load every configured underlying and its chain of the previous session.

        Parameters
        ----------
        filters : dict, optional
            ``{"session": datetime.date}`` picks the chain of that session instead.

        """
        session = (filters or {}).get("session")
        for ticker in self._underlyings:
            self.add(make_equity(ticker))
            await self.load_chain_async(ticker, session if isinstance(session, dt.date) else None)

    async def load_ids_async(
        self, instrument_ids: list[InstrumentId], filters: dict[str, object] | None = None
    ) -> None:
        """Load the given underlyings and options (options from their OCC symbols, no call).

        Raises
        ------
        ValueError
            If an ID is not on venue ``US``.

        """
        for instrument_id in instrument_ids:
            if instrument_id.venue != VENUE:
                raise ValueError(f"instrument venue was {instrument_id.venue}, not {VENUE}")
            try:
                occ = parse_occ(instrument_id.symbol.value)
            except ValueError:
                self.add(make_equity(instrument_id.symbol.value))
            else:
                self.add(make_option_contract(occ))

    async def load_async(
        self, instrument_id: InstrumentId, filters: dict[str, object] | None = None
    ) -> None:
        """Load one instrument (see :meth:`load_ids_async`)."""
        await self.load_ids_async([instrument_id], filters)

    async def load_chain_async(
        self, underlying: str, session: dt.date | None = None
    ) -> list[OptionContract]:
        """Load and return the option chain of `underlying` listed on `session`.

        Parameters
        ----------
        underlying : str
            The ticker, e.g. ``SPY``.
        session : datetime.date, optional
            The session; the vendor's previous session if ``None``.

        Returns
        -------
        list[OptionContract]
            The contracts of the chain (malformed rows are skipped and logged).

        Raises
        ------
        AlphaVantageError
            If the call fails or is refused.

        """
        params = {"symbol": underlying.upper()}
        if session is not None:
            params["date"] = session.isoformat()
        body = await self._client.query(Fn.HISTORICAL_OPTIONS, params)
        chain = parse_options(decode_options(body), session=session)
        if chain.rejected:
            self._log.warning(f"{underlying} chain: {len(chain.rejected)} rows rejected")
        for contract in chain.instruments:
            self.add(contract)
        return chain.instruments

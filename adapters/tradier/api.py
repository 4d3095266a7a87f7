"""Typed Tradier endpoints: each method sends one request and returns the decoded schema.

Paths and parameters follow ``api-tradier.md`` A4, A6, A8, A9 and A11. The transport (auth,
limits, retries, error bodies) is :class:`adapters.tradier.http.TradierHttpClient`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from adapters.tradier import schemas
from adapters.tradier.http import TradierHttpClient


def _flag(value: bool) -> str:
    return "true" if value else "false"


class TradierMarketApi:
    """Market-data endpoints (``/v1/markets``) and market stream sessions.

    Parameters
    ----------
    http : TradierHttpClient
        The transport.

    """

    def __init__(self, http: TradierHttpClient) -> None:
        self._http = http

    async def quotes(self, symbols: Iterable[str], greeks: bool = False) -> schemas.QuotesResponse:
        """Return quotes for equities and OCC options (POST form, no URL-length limit)."""
        data = {"symbols": ",".join(symbols), "greeks": _flag(greeks)}
        body = await self._http.post("/v1/markets/quotes", data)
        return schemas.decode(schemas.QuotesResponse, body)

    async def chain(
        self, symbol: str, expiration: dt.date, greeks: bool = True
    ) -> schemas.ChainResponse:
        """Return the chain of one expiration (calls and puts mixed)."""
        params = {"symbol": symbol, "expiration": expiration.isoformat(), "greeks": _flag(greeks)}
        body = await self._http.get("/v1/markets/options/chains", params)
        return schemas.decode(schemas.ChainResponse, body)

    async def expirations(
        self, symbol: str, include_all_roots: bool = True, strikes: bool = False
    ) -> schemas.ExpirationsResponse:
        """Return the expirations of an underlying (all roots: SPX with SPXW, adjusted roots)."""
        params = {
            "symbol": symbol,
            "includeAllRoots": _flag(include_all_roots),
            "strikes": _flag(strikes),
            "contractSize": _flag(strikes),
            "expirationType": _flag(strikes),
        }
        body = await self._http.get("/v1/markets/options/expirations", params)
        return schemas.decode(schemas.ExpirationsResponse, body)

    async def strikes(self, symbol: str, expiration: dt.date) -> schemas.StrikesResponse:
        """Return the strikes of one expiration."""
        params = {"symbol": symbol, "expiration": expiration.isoformat()}
        body = await self._http.get("/v1/markets/options/strikes", params)
        return schemas.decode(schemas.StrikesResponse, body)

    async def history(
        self, symbol: str, start: dt.date, end: dt.date, interval: str = "daily"
    ) -> schemas.HistoryResponse:
        """Return daily (weekly, monthly) bars from `start` to `end` inclusive."""
        params = {
            "symbol": symbol,
            "interval": interval,
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        body = await self._http.get("/v1/markets/history", params)
        return schemas.decode(schemas.HistoryResponse, body)

    async def timesales(
        self, symbol: str, interval: str, start: str, end: str, session_filter: str = "open"
    ) -> schemas.TimesalesResponse:
        """Return time and sales; `start`/`end` are ``YYYY-MM-DD HH:MM`` US/Eastern."""
        params = {
            "symbol": symbol,
            "interval": interval,
            "start": start,
            "end": end,
            "session_filter": session_filter,
        }
        body = await self._http.get("/v1/markets/timesales", params)
        return schemas.decode(schemas.TimesalesResponse, body)

    async def option_lookup(self, underlying: str) -> schemas.OptionLookupResponse:
        """Return every OCC symbol of an underlying, per root (SPX gives SPX and SPXW)."""
        body = await self._http.get("/v1/markets/options/lookup", {"underlying": underlying})
        return schemas.decode(schemas.OptionLookupResponse, body)

    async def lookup(self, prefix: str) -> schemas.SecuritiesResponse:
        """Return securities whose symbol starts with `prefix`."""
        body = await self._http.get("/v1/markets/lookup", {"q": prefix})
        return schemas.decode(schemas.SecuritiesResponse, body)

    async def clock(self) -> schemas.ClockResponse:
        """Return the market clock."""
        return schemas.decode(schemas.ClockResponse, await self._http.get("/v1/markets/clock"))

    async def calendar(self, year: int, month: int) -> schemas.CalendarResponse:
        """Return the market calendar of one month."""
        params = {"year": str(year), "month": str(month)}
        body = await self._http.get("/v1/markets/calendar", params)
        return schemas.decode(schemas.CalendarResponse, body)

    async def create_session(self) -> schemas.StreamSession:
        """Create a market streaming session (valid about five minutes to connect)."""
        body = await self._http.post("/v1/markets/events/session")
        return schemas.decode(schemas.SessionResponse, body).stream


class TradierAccountApi:
    """Account and trading endpoints (``/v1/accounts/{id}``) and account stream sessions.

    Parameters
    ----------
    http : TradierHttpClient
        The transport.
    account_id : str
        The brokerage account (``TRADIER_ACCOUNT_ID``).

    """

    def __init__(self, http: TradierHttpClient, account_id: str) -> None:
        if not account_id:
            raise ValueError("Tradier account id was empty (set TRADIER_ACCOUNT_ID)")
        self._http = http
        self.account_id = account_id
        self._base = f"/v1/accounts/{account_id}"

    async def balances(self) -> schemas.BalancesResponse:
        """Return the account balances."""
        body = await self._http.get(f"{self._base}/balances")
        return schemas.decode(schemas.BalancesResponse, body)

    async def positions(self) -> schemas.PositionsResponse:
        """Return the open positions."""
        body = await self._http.get(f"{self._base}/positions")
        return schemas.decode(schemas.PositionsResponse, body)

    async def option_history(self, start: dt.date) -> schemas.AccountHistoryResponse:
        """Return the account-history events of type ``option`` dated `start` or later.

        Tradier builds the history nightly from the clearing firm (no intraday rows, none in
        the sandbox); expirations, assignments and exercises appear there.
        """
        params = {"type": "option", "start": start.isoformat(), "limit": "1000"}
        body = await self._http.get(f"{self._base}/history", params)
        return schemas.decode(schemas.AccountHistoryResponse, body)

    async def orders(self, look_back: bool = False) -> schemas.OrdersResponse:
        """Return today's orders with their tags (the ``intraday`` filter).

        With `look_back`, the ``all`` filter: about a month of orders. Tradier advises against
        polling it; the node asks once at start, only when an older intent needs it.
        """
        params = {"includeTags": "true", **({"filter": "all"} if look_back else {})}
        body = await self._http.get(f"{self._base}/orders", params)
        return schemas.decode(schemas.OrdersResponse, body)

    async def order(self, order_id: int | str) -> schemas.OrderResponse:
        """Return one order with its legs and tag."""
        body = await self._http.get(f"{self._base}/orders/{order_id}", {"includeTags": "true"})
        return schemas.decode(schemas.OrderResponse, body)

    async def place(self, form: Mapping[str, str]) -> schemas.OrderResponse:
        """Place (or, with ``preview=true`` in `form`, preview) an order; sent exactly once."""
        body = await self._http.post(f"{self._base}/orders", form)
        return schemas.decode(schemas.OrderResponse, body)

    async def modify(self, order_id: int | str, form: Mapping[str, str]) -> schemas.OrderResponse:
        """Change an order's type, duration, price or stop (not its quantity)."""
        body = await self._http.put(f"{self._base}/orders/{order_id}", form)
        return schemas.decode(schemas.OrderResponse, body)

    async def cancel(self, order_id: int | str) -> schemas.OrderResponse:
        """Request the cancel of an order (asynchronous: wait for ``canceled``)."""
        body = await self._http.delete(f"{self._base}/orders/{order_id}")
        return schemas.decode(schemas.OrderResponse, body)

    async def create_session(self) -> schemas.StreamSession:
        """Create an account streaming session."""
        body = await self._http.post("/v1/accounts/events/session")
        return schemas.decode(schemas.SessionResponse, body).stream

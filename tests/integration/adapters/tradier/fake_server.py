"""A loopback fake Tradier: REST (h11 over asyncio) and WebSocket streams on 127.0.0.1.

It follows the documented behaviour (``../shared/docs/api-tradier.md``), quirks included:

- placement answers ``{"order": {"id", "status": "ok"}}`` and fills arrive later, driven by the
  test (:meth:`FakeTradier.fill`, :meth:`FakeTradier.fill_leg`) or automatically
  (``auto_fill``), partially or fully; a refused order still gets HTTP 200 and turns
  ``rejected`` with a ``reason_description`` afterwards (:attr:`FakeTradier.reject_next`);
- lists of one item are bare objects and empty lists are the string ``"null"``; numbers on the
  streams are strings;
- a cancel of a final order is HTTP 400 with an ``errors`` body; cancels complete
  asynchronously;
- multileg, OCO, OTO and OTOCO orders carry their children in ``leg``;
- positions follow the fills, per symbol, with the peak absolute quantity ever held
  (:attr:`FakeTradier.peak`); a closing order (``buy_to_close``/``sell_to_close``, alone or as
  a leg) for more than the position held, less what other working closing orders already
  cover, and an opening order against a position held the other way are refused: HTTP 200,
  then ``rejected`` with a ``reason_description``;
- ``day`` orders expire at the close (:meth:`FakeTradier.expire_day_orders`);
- :meth:`FakeTradier.assign` assigns (or exercises) an option: the option position shrinks,
  the shares are delivered at the strike, and an ``option`` event appears in the account
  history (``/v1/accounts/{id}/history``) in the documented layout (A6.4: ``amount``, ``date``,
  ``type``, ``option: {option_type, description, quantity}``; ``symbol`` at the event level as
  in the recorded 2013 history). The docs name only ``OPTEXP`` among ``option_type`` values:
  the fake's ``OPTASGN``/``OPTEXC`` and its descriptions are labelled guesses;
  :meth:`FakeTradier.expire` expires an option worthless (the position goes, an ``OPTEXP``
  event appears);
- :attr:`FakeTradier.on_order` sees each order placed, so a test can decide its fate (fill now,
  later, or leave it working);
- faults are injected per request (:meth:`FakeTradier.inject`): any status with headers and
  body (429 with ``X-Ratelimit-*``, 5xx), a delay longer than the client's timeout, or a
  request applied and then answered with an error (an order placed but its answer lost);
  :meth:`FakeTradier.drop_streams` closes every WebSocket;
- :meth:`FakeTradier.publish_quote` and :meth:`FakeTradier.publish_trade` stream a ``quote``
  or a ``trade`` print to the market clients subscribed to the symbol; a quote's ``volume``
  (traded so far today, 1,000 unless set by :meth:`FakeTradier.set_quote`) grows with each
  streamed trade.

Everything runs on the caller's event loop; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import h11
from websockets.asyncio.server import Server, ServerConnection, serve

OCC = re.compile(r"^([A-Z.]{1,6}\d?)(\d{6})([CP])(\d{8})$")
NEW_YORK = ZoneInfo("America/New_York")
FINAL = {"filled", "canceled", "rejected", "expired", "error"}
DEFAULT_VOLUME = 1000  # a quote's ``volume`` unless the test sets one


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _one_or_many(items: list[Any]) -> Any:
    """Tradier's list quirk: none is ``"null"``, one is the bare item."""
    if not items:
        return "null"
    return items[0] if len(items) == 1 else items


@dataclass
class Fault:
    """One injected failure for requests matching `method` and the `path` regex."""

    method: str
    path: str
    status: int = 500
    body: Any = field(default_factory=lambda: {"errors": {"error": "injected"}})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    apply: bool = False  # process the request first, then fail (outcome unknown to the client)
    times: int = 1


@dataclass
class Leg:
    """A child of a multileg or advanced order."""

    id: int
    option_symbol: str | None
    symbol: str
    side: str
    quantity: float
    type: str
    price: float | None = None
    stop: float | None = None
    status: str = "open"
    exec_quantity: float = 0.0
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    last_fill_quantity: float = 0.0


@dataclass
class Order:
    """A fake order, rendered in today's layout by :meth:`to_json`."""

    id: int
    order_class: str
    symbol: str
    type: str
    side: str | None
    quantity: float
    duration: str
    price: float | None
    stop: float | None
    option_symbol: str | None
    tag: str | None
    legs: list[Leg] = field(default_factory=list)
    status: str = "open"
    exec_quantity: float = 0.0
    avg_fill_price: float = 0.0
    last_fill_price: float = 0.0
    last_fill_quantity: float = 0.0
    reason: str | None = None
    create_date: str = field(default_factory=_now)
    transaction_date: str = field(default_factory=_now)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "symbol": self.symbol,
            "side": self.side or "buy",
            "quantity": self.quantity,
            "status": self.status,
            "duration": self.duration,
            "avg_fill_price": self.avg_fill_price,
            "exec_quantity": self.exec_quantity,
            "last_fill_price": self.last_fill_price,
            "last_fill_quantity": self.last_fill_quantity,
            "remaining_quantity": self.quantity - self.exec_quantity,
            "create_date": self.create_date,
            "transaction_date": self.transaction_date,
            "class": self.order_class,
        }
        if self.price is not None:
            body["price"] = self.price
        if self.stop is not None:
            body["stop_price"] = self.stop
        if self.option_symbol:
            body["option_symbol"] = self.option_symbol
        if self.tag:
            body["tag"] = self.tag
        if self.reason:
            body["reason_description"] = self.reason
        if self.legs:
            body["num_legs"] = len(self.legs)
            body["leg"] = _one_or_many([self._leg_json(leg) for leg in self.legs])
        return body

    def _leg_json(self, leg: Leg) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": leg.id,
            "type": leg.type,
            "symbol": leg.symbol,
            "side": leg.side,
            "quantity": leg.quantity,
            "status": leg.status,
            "duration": self.duration,
            "avg_fill_price": leg.avg_fill_price,
            "exec_quantity": leg.exec_quantity,
            "last_fill_price": leg.last_fill_price,
            "last_fill_quantity": leg.last_fill_quantity,
            "remaining_quantity": leg.quantity - leg.exec_quantity,
            "create_date": self.create_date,
            "transaction_date": self.transaction_date,
            "class": "option" if leg.option_symbol else "equity",
        }
        if leg.option_symbol:
            body["option_symbol"] = leg.option_symbol
        if leg.price is not None:
            body["price"] = leg.price
        if leg.stop is not None:
            body["stop_price"] = leg.stop
        return body


@dataclass
class Quote:
    """A quote the fake serves and streams."""

    bid: float
    ask: float
    bidsize: int = 10
    asksize: int = 10
    last: float | None = None
    volume: int = DEFAULT_VOLUME  # contracts (shares) traded so far today


class FakeTradier:
    """The fake server. Use as ``async with FakeTradier() as server:``.

    Parameters
    ----------
    account_id : str
        The account in paths (``/v1/accounts/{account_id}``).
    cash : float
        Starting cash balance in USD.
    market_streaming : bool
        Whether market stream sessions may be created (paper accounts often cannot).
    auto_fill : bool
        Fill every new order (and every leg) at its limit price as soon as it is placed.

    Attributes
    ----------
    peak : dict[str, float]
        Per symbol, the largest absolute position quantity ever held.
    on_order : Callable[[Order, str | None], None] or None
        Unless ``auto_fill`` is set, called with every order placed, before any fill, and the
        reason it will be refused (None if it is accepted).

    """

    def __init__(
        self,
        account_id: str = "VA00000001",
        cash: float = 100_000.0,
        market_streaming: bool = True,
        auto_fill: bool = False,
    ) -> None:
        self.account_id = account_id
        self.cash = cash
        self.market_streaming = market_streaming
        self.auto_fill = auto_fill
        self.quotes: dict[str, Quote] = {}
        self.orders: dict[int, Order] = {}  # today's: the orders list shows them
        self.earlier_orders: dict[int, Order] = {}  # found by id only (:meth:`new_day`)
        self.positions: dict[str, list[float]] = {}  # symbol -> [quantity, cost_basis]
        self.peak: dict[str, float] = {}
        self.account_events: list[dict[str, Any]] = []  # account history, oldest first
        self.on_order: Callable[[Order, str | None], None] | None = None
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.faults: list[Fault] = []
        self.reject_next: str | None = None
        self.sessions: set[str] = set()
        self.market_clients: dict[ServerConnection, list[str]] = {}
        self.account_clients: set[ServerConnection] = set()
        self._ids = itertools.count(1000)
        self._rest: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ws: Server | None = None
        self.rest_url = ""
        self.ws_url = ""
        self.order_placed = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTradier:
        self._rest = await asyncio.start_server(self._serve_http, "127.0.0.1", 0)
        rest_port = self._rest.sockets[0].getsockname()[1]
        self._ws = await serve(self._serve_ws, "127.0.0.1", 0)
        ws_port = next(iter(self._ws.sockets)).getsockname()[1]
        self.rest_url = f"http://127.0.0.1:{rest_port}"
        self.ws_url = f"ws://127.0.0.1:{ws_port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            self._ws.close()
            await self._ws.wait_closed()
        if self._rest is not None:
            self._rest.close()
            for writer in list(self._writers):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._rest.wait_closed(), 1.0)

    @property
    def market_ws_url(self) -> str:
        return f"{self.ws_url}/v1/markets/events"

    @property
    def account_ws_url(self) -> str:
        return f"{self.ws_url}/v1/accounts/events"

    # -- test controls --------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Add a fault for the next matching request(s)."""
        self.faults.append(fault)

    def set_quote(
        self, symbol: str, bid: float, ask: float, size: int = 10, volume: int | None = None
    ) -> None:
        """Set the REST quote of a symbol; `volume` (traded so far today) is kept if None."""
        held = self.quotes.get(symbol)
        volume = volume if volume is not None else (held.volume if held else DEFAULT_VOLUME)
        self.quotes[symbol] = Quote(bid, ask, size, size, (bid + ask) / 2, volume)

    async def publish_quote(self, symbol: str, bid: float, ask: float, size: int = 10) -> int:
        """Set a quote and stream it (numbers as strings); return the clients reached."""
        self.set_quote(symbol, bid, ask, size)
        ms = str(int(dt.datetime.now(dt.UTC).timestamp() * 1000))
        message = json.dumps(
            {
                "type": "quote",
                "symbol": symbol,
                "bid": f"{bid:.4f}",
                "bidsz": str(size),
                "bidexch": "Q",
                "biddate": ms,
                "ask": f"{ask:.4f}",
                "asksz": str(size),
                "askexch": "Q",
                "askdate": ms,
            },
        )
        return await self._stream_market(symbol, message)

    async def publish_trade(self, symbol: str, price: float, size: int) -> int:
        """Stream a trade print (the documented ``trade`` event, numbers as strings).

        The symbol's ``volume`` (``cvol``, cumulative) grows by `size`; its ``last`` becomes
        `price`. Returns the clients reached.
        """
        quote = self.quotes[symbol]
        quote.last, quote.volume = price, quote.volume + size
        ms = str(int(dt.datetime.now(dt.UTC).timestamp() * 1000))
        message = json.dumps(
            {
                "type": "trade",
                "symbol": symbol,
                "exch": "Q",
                "price": f"{price:.4f}",
                "size": str(size),
                "cvol": str(quote.volume),
                "date": ms,
                "last": f"{price:.4f}",
            },
        )
        return await self._stream_market(symbol, message)

    async def _stream_market(self, symbol: str, message: str) -> int:
        reached = 0
        for client, symbols in list(self.market_clients.items()):
            if symbol in symbols:
                with contextlib.suppress(Exception):
                    await client.send(message)
                    reached += 1
        return reached

    async def drop_streams(self) -> None:
        """Close every WebSocket connection (clients must reconnect with a fresh session)."""
        for client in [*self.market_clients, *self.account_clients]:
            with contextlib.suppress(Exception):
                await client.close()
        self.sessions.clear()

    def placements(self) -> list[dict[str, str]]:
        """Return the form of every order placement received (previews excluded)."""
        return [
            form
            for method, path, form in self.requests
            if method == "POST" and path.endswith("/orders") and form.get("preview") != "true"
        ]

    async def fill(
        self,
        order_id: int,
        quantity: float,
        price: float | None = None,
        leg_prices: dict[str, float] | None = None,
    ) -> None:
        """Fill `quantity` of a single-leg order, or `quantity` spreads of a multileg order.

        For a multileg order each leg fills ``quantity × leg ratio`` at `leg_prices` (default:
        the leg's quote mid), keyed by OCC symbol; the parent's average is the net price per
        spread.
        """
        order = self.orders[order_id]
        if order.order_class == "multileg":
            net = 0.0
            for leg in order.legs:
                symbol = leg.option_symbol or leg.symbol
                leg_price = (leg_prices or {}).get(symbol) or self._mid(symbol)
                ratio = leg.quantity / order.quantity
                self._apply_fill(leg, quantity * ratio, leg_price)
                sign = 1 if leg.side.startswith("buy") else -1
                net += sign * ratio * leg_price
            self._advance(order, quantity, abs(net))
        else:
            fill_price = (
                price
                if price is not None
                else (order.price or self._mid(order.option_symbol or order.symbol))
            )
            self._advance(order, quantity, fill_price)
            self._book(
                order.option_symbol or order.symbol, order.side or "buy", quantity, fill_price
            )
        order.transaction_date = _now()
        await self._push_order_events(order)

    async def fill_leg(self, order_id: int, index: int, price: float | None = None) -> None:
        """Fill one child of an OCO/OTO/OTOCO order; siblings react as the class says."""
        order = self.orders[order_id]
        leg = order.legs[index]
        fill_price = (
            price
            if price is not None
            else (leg.price or leg.stop or self._mid(leg.option_symbol or leg.symbol))
        )
        self._apply_fill(leg, leg.quantity - leg.exec_quantity, fill_price)
        if order.order_class == "oco":
            for other in order.legs:
                if other is not leg and other.status not in FINAL:
                    other.status = "canceled"
        elif order.order_class in ("oto", "otoco") and index == 0:
            for other in order.legs[1:]:
                other.status = "open"
        elif order.order_class == "otoco":
            for other in order.legs[1:]:
                if other is not leg and other.status not in FINAL:
                    other.status = "canceled"
        statuses = {leg.status for leg in order.legs}
        order.status = "filled" if statuses <= {"filled", "canceled"} else "open"
        order.transaction_date = _now()
        await self._push_order_events(order)

    async def set_status(self, order_id: int, status: str, reason: str | None = None) -> None:
        """Move an order to `status` (e.g. ``rejected``, ``expired``) and stream it."""
        order = self.orders[order_id]
        order.status = status
        order.reason = reason
        for leg in order.legs:
            if leg.status not in FINAL:
                leg.status = status
        order.transaction_date = _now()
        await self._push_order_events(order)

    def new_day(self) -> None:
        """A new session: the orders list (``intraday``) no longer shows earlier orders.

        ``GET /orders/{id}`` still returns them, legs and fill prices included.
        """
        self.earlier_orders.update(self.orders)
        self.orders.clear()

    async def expire_day_orders(self) -> list[int]:
        """The close: move every working ``day`` order to ``expired``; return their ids."""
        expiring = [
            o.id for o in self.orders.values() if o.duration == "day" and o.status not in FINAL
        ]
        for order_id in expiring:
            await self.set_status(order_id, "expired")
        return expiring

    # -- bookkeeping ----------------------------------------------------------------------

    def _mid(self, symbol: str) -> float:
        quote = self.quotes.get(symbol)
        return round((quote.bid + quote.ask) / 2, 2) if quote else 1.0

    def _apply_fill(self, leg: Leg, quantity: float, price: float) -> None:
        total = leg.exec_quantity + quantity
        leg.avg_fill_price = (leg.avg_fill_price * leg.exec_quantity + price * quantity) / total
        leg.exec_quantity = total
        leg.last_fill_price = price
        leg.last_fill_quantity = quantity
        leg.status = "filled" if total >= leg.quantity else "partially_filled"
        self._book(leg.option_symbol or leg.symbol, leg.side, quantity, price)

    def _advance(self, order: Order, quantity: float, price: float) -> None:
        total = order.exec_quantity + quantity
        order.avg_fill_price = (
            order.avg_fill_price * order.exec_quantity + price * quantity
        ) / total
        order.exec_quantity = total
        order.last_fill_price = price
        order.last_fill_quantity = quantity
        order.status = "filled" if total >= order.quantity else "partially_filled"

    def _book(self, symbol: str, side: str, quantity: float, price: float) -> None:
        multiplier = 100 if OCC.match(symbol) else 1
        signed = quantity if side.startswith("buy") else -quantity
        position = self.positions.setdefault(symbol, [0.0, 0.0])
        position[0] += signed
        position[1] += signed * price * multiplier
        self.cash -= signed * price * multiplier
        self.peak[symbol] = max(self.peak.get(symbol, 0.0), abs(position[0]))
        if abs(position[0]) < 1e-9:
            del self.positions[symbol]

    def _balances(self) -> dict[str, Any]:
        market_value = sum(cost for _, cost in self.positions.values())
        equity = self.cash + market_value
        return {
            "balances": {
                "account_number": self.account_id,
                "account_type": "margin",
                "total_equity": round(equity, 2),
                "total_cash": round(self.cash, 2),
                "market_value": round(market_value, 2),
                "pending_orders_count": sum(
                    1 for o in self.orders.values() if o.status not in FINAL
                ),
                "margin": {
                    "option_buying_power": round(equity * 0.9, 2),
                    "stock_buying_power": round(equity * 1.8, 2),
                },
            },
        }

    def _positions(self) -> dict[str, Any]:
        rows = [
            {
                "cost_basis": round(cost, 2),
                "date_acquired": _now(),
                "id": index,
                "quantity": qty,
                "symbol": symbol,
            }
            for index, (symbol, (qty, cost)) in enumerate(sorted(self.positions.items()), start=1)
        ]
        if not rows:
            return {"positions": "null"}
        return {"positions": {"position": _one_or_many(rows)}}

    def assign(self, symbol: str, date: dt.date, contracts: int) -> None:
        """Assign (short) or exercise (long) `contracts` of option `symbol` on `date`.

        The option position moves toward 0, ``contracts × 100`` shares of the root are bought
        (short put, long call) or sold at the strike, and the history gets the event.
        """
        match = OCC.match(symbol)
        assert match is not None and symbol in self.positions, symbol
        root, kind, strike = match.group(1), match.group(3), int(match.group(4)) / 1000
        short = self.positions[symbol][0] < 0
        self._book(symbol, "buy_to_close" if short else "sell_to_close", contracts, 0.0)
        receives = short == (kind == "P")
        self._book(root, "buy" if receives else "sell", contracts * 100, strike)
        what = "Assignment" if short else "Exercise"
        code = "OPTASGN" if short else "OPTEXC"
        self._option_event(symbol, date, code, what, float(contracts if short else -contracts))

    def expire(self, symbol: str, date: dt.date) -> None:
        """Expire option `symbol` worthless on `date`: the position goes, no cash moves.

        The history gets the documented ``OPTEXP`` event (quantity: the signed contracts held).
        """
        assert OCC.match(symbol) is not None and symbol in self.positions, symbol
        quantity = self.positions.pop(symbol)[0]
        self._option_event(symbol, date, "OPTEXP", "Expired", quantity)

    def _option_event(
        self, symbol: str, date: dt.date, code: str, what: str, quantity: float
    ) -> None:
        # An account-history ``option`` event in the documented layout (A6.4).
        self.account_events.append(
            {
                "amount": 0,
                "date": f"{date.isoformat()}T00:00:00Z",
                "type": "option",
                "symbol": symbol,
                "option": {
                    "option_type": code,
                    "description": f"{what} {symbol}",
                    "quantity": quantity,
                },
            }
        )

    def _account_history(self, form: dict[str, str]) -> dict[str, Any]:
        start = form.get("start", "0000")
        rows = [
            event
            for event in self.account_events
            if event["date"] >= start and form.get("type") in (None, event["type"])
        ]
        return {"history": {"event": _one_or_many(rows)} if rows else "null"}

    # -- orders ---------------------------------------------------------------------------

    def _place(self, form: dict[str, str]) -> tuple[int, Any]:
        order_class = form.get("class", "")
        if form.get("preview") == "true":
            return 200, {
                "order": {
                    "status": "ok",
                    "commission": 0.0,
                    "cost": 100.0,
                    "fees": 0.0,
                    "symbol": form.get("symbol"),
                    "quantity": float(form.get("quantity", form.get("quantity[0]", "1"))),
                    "side": form.get("side", "buy"),
                    "type": form.get("type", form.get("type[0]")),
                    "duration": form.get("duration", "day"),
                    "result": True,
                    "order_cost": 100.0,
                    "margin_change": 500.0,
                    "request_date": _now(),
                    "extended_hours": False,
                    "class": order_class,
                    "strategy": "spread" if order_class == "multileg" else order_class,
                    "day_trades": 0,
                },
            }
        if order_class not in ("equity", "option", "multileg", "oco", "oto", "otoco"):
            return 400, {"errors": {"error": f"Invalid Parameter: class {order_class}"}}
        order = Order(
            id=next(self._ids),
            order_class=order_class,
            symbol=form.get("symbol", form.get("symbol[0]", "")),
            type=form.get("type", form.get("type[0]", "market")),
            side=form.get("side"),
            quantity=float(form.get("quantity", form.get("quantity[0]", "0"))),
            duration=form.get("duration", form.get("duration[0]", "day")),
            price=float(form["price"]) if "price" in form else None,
            stop=float(form["stop"]) if "stop" in form else None,
            option_symbol=form.get("option_symbol"),
            tag=form.get("tag"),
        )
        index = 0
        while f"side[{index}]" in form:
            leg = Leg(
                id=next(self._ids),
                option_symbol=form.get(f"option_symbol[{index}]"),
                symbol=form.get(f"symbol[{index}]", order.symbol),
                side=form[f"side[{index}]"],
                quantity=float(form[f"quantity[{index}]"]),
                type=form.get(f"type[{index}]", order.type),
                price=float(form[f"price[{index}]"]) if f"price[{index}]" in form else None,
                stop=float(form[f"stop[{index}]"]) if f"stop[{index}]" in form else None,
            )
            if order_class in ("oto", "otoco") and index > 0:
                leg.status = "pending"  # waits for the entry
            order.legs.append(leg)
            index += 1
        if order_class == "multileg":
            order.quantity = min(leg.quantity for leg in order.legs)
        refusal = self._refusal(order)
        if refusal is None and self.reject_next is not None:
            refusal, self.reject_next = self.reject_next, None
        self.orders[order.id] = order
        self.order_placed.set()
        if refusal is not None:
            asyncio.get_running_loop().call_later(
                0.05, self._spawn, self.set_status(order.id, "rejected", refusal)
            )
        elif self.auto_fill:
            asyncio.get_running_loop().call_soon(self._spawn, self._auto_fill(order))
        else:
            asyncio.get_running_loop().call_soon(self._spawn, self._push_order_events(order))
        if self.on_order is not None and not self.auto_fill:
            self.on_order(order, refusal)
        return 200, {"order": {"id": order.id, "status": "ok"}}

    def _refusal(self, order: Order) -> str | None:
        """Why Tradier would refuse `order` given the positions and working orders, or None."""
        legs = [(leg.option_symbol, leg.side, leg.quantity) for leg in order.legs]
        if order.order_class in ("oto", "otoco"):
            legs = legs[:1]  # the contingent legs close what the first leg opens
        if order.order_class == "option":
            legs = [(order.option_symbol, order.side or "", order.quantity)]
        for symbol, side, quantity in legs:
            if symbol is None:
                continue
            held = self.positions.get(symbol, [0.0])[0]
            if side.endswith("_to_close"):
                direction = -1 if side.startswith("buy") else 1  # the position being closed
                available = max(direction * held, 0.0) - self._closing(symbol, side)
                if quantity > available + 1e-9:
                    return (
                        f"IncorrectOrderQuantity: {side} {quantity:g} {symbol} "
                        f"exceeds the {available:g} held and not already being closed"
                    )
            elif side.endswith("_to_open") and held * (1 if side.startswith("buy") else -1) < 0:
                return "Backoffice rejected override of the order. Unexpected SellShortOrder"
        return None

    def _closing(self, symbol: str, side: str) -> float:
        """Quantity of `symbol` that working orders already `side` (a ``*_to_close``)."""
        total = 0.0
        for order in self.orders.values():
            if order.status in FINAL:
                continue
            parts = order.legs or [order]
            for part in parts:
                symbol_of = part.option_symbol
                if symbol_of == symbol and part.side == side and part.status not in FINAL:
                    total += part.quantity - part.exec_quantity
        return total

    def _spawn(self, coro: Any) -> None:
        asyncio.get_running_loop().create_task(coro)

    async def _auto_fill(self, order: Order) -> None:
        if order.order_class in ("equity", "option"):
            await self.fill(order.id, order.quantity, order.price)
        elif order.order_class == "multileg":
            await self.fill(order.id, order.quantity)

    async def _cancel(self, order_id: int) -> tuple[int, Any]:
        order = self.orders.get(order_id)
        if order is None:
            return 404, {"errors": {"error": "Order not found"}}
        if order.status in FINAL:
            return 400, {"errors": {"error": "order already in finalized state: " + order.status}}
        asyncio.get_running_loop().call_later(
            0.02, self._spawn, self.set_status(order_id, "canceled")
        )
        return 200, {"order": {"id": order_id, "status": "ok"}}

    def _modify(self, order_id: int, form: dict[str, str]) -> tuple[int, Any]:
        order = self.orders.get(order_id)
        if order is None:
            return 404, {"errors": {"error": "Order not found"}}
        if order.status in FINAL:
            return 400, {"errors": {"error": "order already in finalized state: " + order.status}}
        if "quantity" in form:
            return 400, {"errors": {"error": "Quantity cannot be modified"}}
        order.type = form.get("type", order.type)
        order.duration = form.get("duration", order.duration)
        if "price" in form:
            order.price = float(form["price"])
        if "stop" in form:
            order.stop = float(form["stop"])
        order.transaction_date = _now()
        self._spawn(self._push_order_events(order))
        return 200, {"order": {"id": order_id, "status": "ok"}}

    async def _push_order_events(self, order: Order) -> None:
        events = [self._event(order.to_json(), None)]
        events += [self._event(order._leg_json(leg), order.id) for leg in order.legs]
        for client in list(self.account_clients):
            for event in events:
                with contextlib.suppress(Exception):
                    await client.send(json.dumps(event))

    def _event(self, body: dict[str, Any], parent_id: int | None) -> dict[str, Any]:
        event = {
            "id": body["id"],
            "event": "order",
            "status": body["status"],
            "type": body["type"],
            "price": body.get("price", 0.0),
            "stop_price": body.get("stop_price", 0.0),
            "avg_fill_price": body["avg_fill_price"],
            "exec_quantity": body["exec_quantity"],
            "last_fill_quantity": body["last_fill_quantity"],
            "remaining_quantity": body["remaining_quantity"],
            "transaction_date": body["transaction_date"],
            "create_date": body["create_date"],
            "account": self.account_id,
        }
        if parent_id is not None:
            event["parent_id"] = parent_id
        if body.get("tag"):
            event["tag"] = body["tag"]
        return event

    # -- REST -----------------------------------------------------------------------------

    async def _dispatch(
        self, method: str, target: str, body: bytes
    ) -> tuple[int, dict[str, str], Any]:
        url = urlsplit(target)
        path = url.path
        form = dict(parse_qsl(url.query)) | dict(parse_qsl(body.decode()))
        self.requests.append((method, path, form))
        fault = next(
            (f for f in self.faults if f.method == method and re.search(f.path, path)),
            None,
        )
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            if fault.apply:
                await self._route(method, path, form)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            return fault.status, fault.headers, fault.body
        status, payload = await self._route(method, path, form)
        return status, {}, payload

    async def _route(self, method: str, path: str, form: dict[str, str]) -> tuple[int, Any]:
        account = f"/v1/accounts/{self.account_id}"
        if path == "/v1/markets/quotes":
            return 200, self._quotes(form.get("symbols", "").split(","))
        if path == "/v1/markets/history":
            return 200, self._history(form)
        if path == "/v1/markets/timesales":
            return 200, self._timesales(form)
        if path == "/v1/markets/clock":
            today = dt.datetime.now(dt.UTC).date().isoformat()
            return 200, {
                "clock": {
                    "date": today,
                    "description": "Market is open",
                    "state": "open",
                    "timestamp": int(dt.datetime.now(dt.UTC).timestamp()),
                    "next_change": "16:00",
                    "next_state": "postmarket",
                }
            }
        if path in ("/v1/markets/events/session", "/v1/accounts/events/session"):
            if path.startswith("/v1/markets") and not self.market_streaming:
                return 400, {"errors": {"error": "Streaming is not available for paper accounts"}}
            session = str(uuid.uuid4())
            self.sessions.add(session)
            stream = self.market_ws_url if path.startswith("/v1/markets") else self.account_ws_url
            return 200, {"stream": {"url": stream, "sessionid": session}}
        if path == f"{account}/balances":
            return 200, self._balances()
        if path == f"{account}/positions":
            return 200, self._positions()
        if path == f"{account}/history":
            return 200, self._account_history(form)
        if path == f"{account}/orders":
            if method == "POST":
                return self._place(form)
            rows = [o.to_json() for o in self.orders.values()]
            return 200, {"orders": "null"} if not rows else {
                "orders": {"order": _one_or_many(rows)}
            }
        match = re.fullmatch(rf"{account}/orders/(\d+)", path)
        if match:
            order_id = int(match.group(1))
            if method == "DELETE":
                return await self._cancel(order_id)
            if method == "PUT":
                return self._modify(order_id, form)
            order = self.orders.get(order_id) or self.earlier_orders.get(order_id)
            if order is None:
                return 404, {"errors": {"error": "Order not found"}}
            return 200, {"order": order.to_json()}
        return 404, {"errors": {"error": f"no route {method} {path}"}}

    def _history(self, form: dict[str, str]) -> dict[str, Any]:
        """Daily bars on weekdays from ``start`` to ``end`` (a holiday may slip in)."""
        day = dt.date.fromisoformat(form["start"])
        end = dt.date.fromisoformat(form["end"])
        rows = []
        while day <= end:
            if day.weekday() < 5:
                rows.append(
                    {
                        "date": day.isoformat(),
                        "open": 470.0,
                        "high": 474.0,
                        "low": 468.0,
                        "close": 472.0,
                        "volume": 1e6,
                    }
                )
            day += dt.timedelta(days=1)
        return {"history": {"day": _one_or_many(rows)} if rows else None}

    def _timesales(self, form: dict[str, str]) -> dict[str, Any]:
        """One-minute bars from ``start`` (US/Eastern ``YYYY-MM-DD HH:MM``), five of them."""
        start = dt.datetime.fromisoformat(form["start"]).replace(tzinfo=NEW_YORK)
        rows = []
        for minute in range(5):
            stamp = start + dt.timedelta(minutes=minute)
            rows.append(
                {
                    "time": stamp.strftime("%Y-%m-%dT%H:%M:00"),
                    "timestamp": int(stamp.timestamp()),
                    "price": 472.0,
                    "open": 472.0,
                    "high": 472.5,
                    "low": 471.5,
                    "close": 472.2,
                    "volume": 1000,
                    "vwap": 472.1,
                },
            )
        return {"series": {"data": rows}}

    def _quotes(self, symbols: list[str]) -> dict[str, Any]:
        rows: list[dict[str, Any]] = []
        unmatched: list[str] = []
        for symbol in symbols:
            quote = self.quotes.get(symbol)
            if quote is None:
                unmatched.append(symbol)
                continue
            row: dict[str, Any] = {
                "symbol": symbol,
                "bid": quote.bid,
                "ask": quote.ask,
                "bidsize": quote.bidsize,
                "asksize": quote.asksize,
                "last": quote.last,
                "last_volume": 100 if quote.last is not None else None,
                "open": quote.last,
                "high": max(quote.ask, quote.last or 0),
                "low": min(quote.bid, quote.last or quote.bid),
                "volume": quote.volume,
                "bid_date": int(dt.datetime.now(dt.UTC).timestamp() * 1000),
                "ask_date": int(dt.datetime.now(dt.UTC).timestamp() * 1000),
            }
            occ = OCC.match(symbol)
            if occ:
                root = occ.group(1)
                row |= {
                    "type": "option",
                    "underlying": root.rstrip("0123456789"),
                    "root_symbol": root,
                    "contract_size": 100,
                    "option_type": "call" if occ.group(3) == "C" else "put",
                    "greeks": {
                        "delta": -0.25,
                        "gamma": 0.01,
                        "theta": -0.05,
                        "vega": 0.3,
                        "rho": -0.02,
                        "phi": 0.02,
                        "bid_iv": 0.18,
                        "mid_iv": 0.19,
                        "ask_iv": 0.2,
                        "smv_vol": 0.19,
                        "updated_at": "2024-01-02 14:59:08",
                    },
                }
            else:
                row["type"] = "stock"
            rows.append(row)
        body: dict[str, Any] = {"quote": _one_or_many(rows)} if rows else {}
        if unmatched:
            body["unmatched_symbols"] = {"symbol": _one_or_many(unmatched)}
        return {"quotes": body or "null"}

    async def _serve_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        connection = h11.Connection(h11.SERVER)
        request: h11.Request | None = None
        body = b""
        try:
            while True:
                event = connection.next_event()
                if event is h11.NEED_DATA:
                    connection.receive_data(await reader.read(65536))
                    continue
                if isinstance(event, h11.Request):
                    request, body = event, b""
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage) and request is not None:
                    status, headers, payload = await self._dispatch(
                        request.method.decode(), request.target.decode(), body
                    )
                    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                    response_headers = [
                        ("content-type", "application/json"),
                        ("content-length", str(len(data))),
                        *headers.items(),
                    ]
                    writer.write(
                        connection.send(h11.Response(status_code=status, headers=response_headers))
                    )
                    writer.write(connection.send(h11.Data(data=data)))
                    writer.write(connection.send(h11.EndOfMessage()))
                    await writer.drain()
                    if connection.our_state is h11.MUST_CLOSE:
                        break
                    connection.start_next_cycle()
                elif isinstance(event, h11.ConnectionClosed):
                    break
        except (ConnectionError, h11.RemoteProtocolError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    # -- WebSocket ------------------------------------------------------------------------

    async def _serve_ws(self, client: ServerConnection) -> None:
        path = client.request.path if client.request is not None else ""
        try:
            first = json.loads(await client.recv())
            if first.get("sessionid") not in self.sessions:
                await client.send(json.dumps({"error": "invalid session"}))
                await client.close()
                return
            if path.startswith("/v1/markets"):
                self.market_clients[client] = list(first.get("symbols", []))
                async for message in client:  # resubscription replaces the symbol list
                    self.market_clients[client] = list(json.loads(message).get("symbols", []))
            else:
                self.account_clients.add(client)
                await client.wait_closed()
        except Exception:  # a dropped client is normal here
            pass
        finally:
            self.market_clients.pop(client, None)
            self.account_clients.discard(client)

    async def heartbeat(self) -> None:
        """Send an account-stream heartbeat to every account client."""
        message = json.dumps({"event": "heartbeat", "status": "active", "timestamp": _now()})
        for client in list(self.account_clients):
            with contextlib.suppress(Exception):
                await client.send(message)

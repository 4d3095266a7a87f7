"""Restart chaos: SIGKILL a live ``StructureEngine`` node at random moments, restart it.

The node runs in a child process (:mod:`tests.integration.adapters.tradier.chaos_node`) built
by ``build_trading_node`` as ``tradefly live`` builds it; it decides every 0.4 s. The fake
Tradier runs here, in the parent, so it outlives every kill. A seeded RNG picks when to kill
(before, during or after decisions, sometimes while the node is still starting), what happens
to each order (filled on arrival, filled later, possibly while the node is down, or left
working until the test cancels it; the strategy's market orders are GTC, so the close's
expiry of ``day`` orders does not end them) and when the quotes drop far enough for the
take-profit, so the strategy enters, exits and enters again. After the last kill the node
starts once more, settles and stops cleanly. The seed fixes the test's choices, not the
node's timing, so two runs of one seed can differ.

Checked, from the broker's record of every order placed and its ``tag`` (client order id):

1. no intent sent twice: an entry is placed only when the broker shows no position and no
   working entry in its contracts, an exit only when no other exit works on them and the
   position covers it (``max_open_trades: 1``); every broker order is exactly one intent's
   in the node's state store (the ``order_intents`` table of the ``state_store`` file);
2. no order lost: every intent the store says reached the broker is there, and no intent
   stays open once its broker order has ended;
3. never more than ``quantity × max_open_trades`` contracts held in any leg;
4. at the clean stop, the node's open positions equal the broker's.

Each variant's folder (under pytest's ``tmp_path``) keeps the node's log of every life
(``life-N.log``), its state store and the broker's orders (``broker-orders.json``).

``TRADEFLY_CHAOS_KILLS`` (default 30, split over the combo, legs and single-option variants)
and ``TRADEFLY_CHAOS_SEED`` (default 1) set the run.
"""

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import pytest
import yaml

from adapters.tradier.orders import order_tag
from statestore.kill_points import KILL_AT_ENV
from tests.integration.adapters.tradier.fake_server import FINAL, FakeTradier, Order
from tests.integration.adapters.tradier.node_harness import LONG_PUT, SHORT_PUT, seed_quotes
from tests.integration.adapters.tradier.test_short_option_combo import combo_config

KILLS = int(os.environ.get("TRADEFLY_CHAOS_KILLS", "30"))
SEED = int(os.environ.get("TRADEFLY_CHAOS_SEED", "1"))
QUANTITY, MAX_OPEN_TRADES = 2, 1
PROJECT_ROOT = Path(__file__).resolve().parents[4]
CHILD = "tests.integration.adapters.tradier.chaos_node"
BAR_SECS = 0.4
SETTLE_TIMEOUT_SECS = 60.0
SUBMITTED = {"working", "filled", "canceled", "expired"}  # intent states that reached the broker
OPEN_INTENT = {"minted", "working"}

ATM = {"moneyness": 1.0}  # spot 472.6: the 470 put (the spread's wing: the 460 put)

# Entries fill at the high quotes and the take-profit (50% of the credit) triggers at the low.
OPEN_PRICE = {SHORT_PUT: 3.10, LONG_PUT: 1.90}
CLOSE_PRICE = {SHORT_PUT: 1.04, LONG_PUT: 0.60}
HIGH = {SHORT_PUT: (3.10, 3.14), LONG_PUT: (1.88, 1.92)}
LOW = {SHORT_PUT: (1.00, 1.04), LONG_PUT: (0.60, 0.64)}

SPREAD = {"structure": "bull_put_spread", "structure_params": {"strike": ATM, "width": 10}}
VARIANTS: dict[str, dict[str, object]] = {
    "combo": {**SPREAD, "spread_orders": "combo"},
    "legs": {**SPREAD, "spread_orders": "legs"},
    "single": {
        "structure": "short_put",
        "structure_params": {"strike": ATM},
        "spread_orders": "legs",
    },
}

pytestmark = pytest.mark.timeout(900)


def parts(order: Order) -> list[tuple[str, str, float]]:
    """(OCC symbol, side, quantity) of each option leg of a broker order."""
    if order.legs:
        return [(leg.option_symbol or leg.symbol, leg.side, leg.quantity) for leg in order.legs]
    return [(order.option_symbol or order.symbol, order.side or "", order.quantity)]


def effect(side: str) -> str:
    """``open`` or ``close`` for Tradier's ``*_to_open``/``*_to_close`` sides."""
    return side.rsplit("_", 1)[-1]


def kind_of(order: Order) -> str:
    sides = {effect(side) for _, side, _ in parts(order)}
    return (
        {"open": "entry", "close": "exit"}.get(sides.pop(), "other") if len(sides) == 1 else "mixed"
    )


@dataclass
class Record:
    """What the broker saw, and what broke the rules."""

    variant: str
    kinds: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    kills: int = 0
    kills_starting: int = 0

    def duplicate(self, kind: str, order: Order, why: str) -> None:
        self.duplicates[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind} {order.id} tag {order.tag}: {why}")


class Chaos:
    """Drives the fake broker: classifies, checks and decides the fate of each order."""

    def __init__(self, server: FakeTradier, rng: Random, record: Record) -> None:
        self.server = server
        self.rng = rng
        self.record = record
        self.later: list[int] = []  # to fill later
        self.working: list[int] = []  # to cancel later (the strategy's market orders are GTC)
        self.settling = False
        self.low = False
        server.on_order = self.on_order

    def on_order(self, order: Order, refusal: str | None) -> None:
        kind = kind_of(order)
        self.record.kinds[kind] += 1
        self.check(order, kind, refusal)
        if refusal is not None:
            return
        fate = (
            "now" if self.settling else self.rng.choices(["now", "later", "working"], [4, 4, 2])[0]
        )
        if fate == "now":
            asyncio.get_running_loop().call_soon(self.spawn_fill, order.id)
        else:
            (self.later if fate == "later" else self.working).append(order.id)

    def check(self, order: Order, kind: str, refusal: str | None) -> None:
        working = [
            o for o in self.server.orders.values() if o.status not in FINAL and o is not order
        ]
        for symbol, side, _ in parts(order):
            others = [
                o
                for o in working
                for s, d, _ in parts(o)
                if s == symbol and effect(d) == effect(side)
            ]
            if kind == "entry" and symbol in self.server.positions:
                return self.record.duplicate(kind, order, f"{symbol} already held")
            if others:
                return self.record.duplicate(kind, order, f"{symbol}: order {others[0].id} works")
        if kind == "exit" and refusal is not None:
            self.record.duplicate(kind, order, refusal)
        elif kind not in ("entry", "exit"):
            self.record.duplicate(kind, order, "neither an entry nor an exit")

    def spawn_fill(self, order_id: int) -> None:
        asyncio.get_running_loop().create_task(self.fill(order_id))

    async def fill(self, order_id: int) -> None:
        order = self.server.orders[order_id]
        if order.status in FINAL:
            return
        prices = {
            s: (OPEN_PRICE if d.endswith("open") else CLOSE_PRICE)[s] for s, d, _ in parts(order)
        }
        remaining = order.quantity - order.exec_quantity
        if order.legs:
            await self.server.fill(order_id, remaining, leg_prices=prices)
        else:
            await self.server.fill(order_id, remaining, price=next(iter(prices.values())))

    async def resolve_some(self, share: float) -> None:
        """Fill a `share` of the orders left to fill, cancel a `share` of those left working."""
        for order_id in list(self.later):
            if self.rng.random() < share:
                self.later.remove(order_id)
                await self.fill(order_id)
        for order_id in list(self.working):
            if self.rng.random() < share:
                self.working.remove(order_id)
                if self.server.orders[order_id].status not in FINAL:
                    await self.server.set_status(order_id, "canceled", "canceled by the owner")

    async def quotes(self) -> None:
        """Republish the quotes (a new size each time, so every poll brings a fresh tick)."""
        tick = 0
        while True:
            tick += 1
            if not self.settling and self.rng.random() < 0.15:
                self.low = not self.low
            book = LOW if self.low and not self.settling else HIGH
            for symbol, (bid, ask) in book.items():
                self.server.set_quote(symbol, bid, ask, 10 + tick % 2)
            await asyncio.sleep(0.1)

    async def broker_events(self) -> None:
        """While the node lives: sometimes fill a pending order, sometimes the session closes."""
        while True:
            await asyncio.sleep(0.3)
            if self.settling:
                continue
            await self.resolve_some(0.05)
            if self.rng.random() < 0.02:
                await self.server.expire_day_orders()


@dataclass
class Child:
    process: asyncio.subprocess.Process
    ready: Path
    dump: Path


async def start_child(
    config: Path,
    folder: Path,
    life: int,
    closes: str | None = None,
    kill_at: str | None = None,
) -> Child:
    """Start life `life` of the chaos node; `closes` (``SYMBOL=CLOSE,...``) sets its bars.

    With `kill_at` (a crash point of :mod:`statestore.kill_points`) the node kills itself
    with SIGKILL when it reaches that point.
    """
    ready, dump = folder / f"ready-{life}", folder / f"dump-{life}.json"
    log = (folder / f"life-{life}.log").open("wb")
    env = {**os.environ, "TRADIER_ACCESS_TOKEN": "test-token", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop(KILL_AT_ENV, None)
    if kill_at is not None:
        env[KILL_AT_ENV] = kill_at
    env.pop("TRADIER_ENV", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        CHILD,
        str(config),
        str(ready),
        str(dump),
        str(BAR_SECS),
        *([closes] if closes else []),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    log.close()
    return Child(process, ready, dump)


async def wait_ready(child: Child, timeout: float = 90.0) -> None:
    async def poll() -> None:
        while not child.ready.exists():
            if child.process.returncode is not None:
                raise RuntimeError(
                    f"chaos node exited with {child.process.returncode} during start"
                )
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def chaos_config(server: FakeTradier, folder: Path, variant: str) -> Path:
    path = combo_config(server, folder)
    config = yaml.safe_load(path.read_text())
    strategy = config["strategies"][0]["config"]
    strategy.update(VARIANTS[variant], quantity=QUANTITY, max_open_trades=MAX_OPEN_TRADES)
    config["state_store"] = str(folder / "state.sqlite")
    config["log_level"] = "INFO"
    path.write_text(yaml.safe_dump(config))
    return path


def store_violations(store: Path, server: FakeTradier) -> list[str]:
    """Intent checks against the broker's orders, after the clean stop.

    Each broker order is exactly one intent's; each intent the store says reached the broker is
    there; an intent whose broker order has ended has ended too (else its strategy waits on it).
    """
    with contextlib.closing(sqlite3.connect(store)) as db:
        rows = db.execute("SELECT intent_id, client_order_id, state FROM order_intents").fetchall()
    by_tag: dict[str, list[str]] = {}
    for intent_id, client_order_id, _ in rows:
        if client_order_id:
            by_tag.setdefault(order_tag(client_order_id), []).append(intent_id)
    at_broker = Counter(o.tag for o in server.orders.values())
    ended = {o.tag: o.status for o in server.orders.values() if o.status in FINAL}
    problems = [f"broker order tag {t} sent {n} times" for t, n in at_broker.items() if n > 1]
    problems += [f"broker order tag {t} is no intent's" for t in at_broker if t not in by_tag]
    problems += [f"tag {t} is {len(i)} intents" for t, i in by_tag.items() if len(i) > 1]
    problems += [
        f"intent {intent_id} ({state}) lost: {client_order_id} not at the broker"
        for intent_id, client_order_id, state in rows
        if state in SUBMITTED and order_tag(client_order_id or "") not in at_broker
    ]
    problems += [
        f"intent {intent_id} still {state}: its order {client_order_id} is {status} at the broker"
        for intent_id, client_order_id, state in rows
        if state in OPEN_INTENT
        and (status := ended.get(order_tag(client_order_id or ""))) is not None
    ]
    return problems


def position_mismatch(dump: dict[str, Any], server: FakeTradier) -> dict[str, tuple[float, float]]:
    node: Counter[str] = Counter()
    for position in dump["positions"]:
        node[position["instrument_id"].removesuffix(".US")] += position["signed_qty"]
    broker = {symbol: qty for symbol, (qty, _) in server.positions.items()}
    symbols = {s for s, q in node.items() if q} | set(broker)
    return {s: (node[s], broker.get(s, 0.0)) for s in symbols if node[s] != broker.get(s, 0.0)}


async def drive(server: FakeTradier, folder: Path, variant: str, kills: int, rng: Random) -> Record:
    record = Record(variant)
    chaos = Chaos(server, rng, record)
    config = chaos_config(server, folder, variant)
    background = [asyncio.create_task(chaos.quotes()), asyncio.create_task(chaos.broker_events())]
    try:
        for life in range(kills):
            child = await start_child(config, folder, life)
            if rng.random() < 0.1:
                await asyncio.sleep(rng.uniform(0.5, 3.0))  # kill while starting or reconciling
                record.kills_starting += not child.ready.exists()
            else:
                await wait_ready(child)
                await asyncio.sleep(rng.uniform(0.0, 2.0))
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.process.pid, signal.SIGKILL)
            await child.process.wait()
            record.kills += 1
            if rng.random() < 0.5:
                await chaos.resolve_some(0.5)
            if rng.random() < 0.2:
                await server.expire_day_orders()
        chaos.settling = True
        await chaos.resolve_some(1.0)
        await server.expire_day_orders()
        child = await start_child(config, folder, kills)
        await wait_ready(child)
        await asyncio.wait_for(settle(server), SETTLE_TIMEOUT_SECS)
        child.process.send_signal(signal.SIGUSR1)
        await asyncio.wait_for(child.process.wait(), 30.0)
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
    return record


async def settle(server: FakeTradier, quiet_secs: float = 3.0) -> None:
    """Wait until no order works and none has been placed for `quiet_secs` seconds."""
    placed, quiet = len(server.orders), 0.0
    while quiet < quiet_secs:
        await asyncio.sleep(0.1)
        busy = len(server.orders) != placed or any(
            o.status not in FINAL for o in server.orders.values()
        )
        placed, quiet = len(server.orders), 0.0 if busy else quiet + 0.1


@dataclass
class Outcome:
    record: Record
    peak: dict[str, float]
    store: list[str]
    mismatch: dict[str, tuple[float, float]]
    final: dict[str, Any]

    def failed(self) -> bool:
        limit = QUANTITY * MAX_OPEN_TRADES
        over = any(q > limit for q in self.peak.values())
        return bool(self.record.duplicates or over or self.store or self.mismatch)

    def summary(self) -> str:
        r = self.record
        store = f"{len(self.store)} problems"
        lines = [
            f"{r.variant}: {r.kills} kills ({r.kills_starting} while starting), "
            f"orders {dict(r.kinds)}, duplicates {dict(r.duplicates) or 0}, "
            f"peak lots {self.peak}, store: {store}, node/broker mismatch {self.mismatch or 0}",
            *(f"  {e}" for e in r.examples),
            *(f"  store: {p}" for p in self.store[:5]),
        ]
        return "\n".join(lines)


async def run_variant(folder: Path, variant: str, kills: int, rng: Random) -> Outcome:
    folder.mkdir()
    async with FakeTradier() as server:
        seed_quotes(server)
        record = await drive(server, folder, variant, kills, rng)
        ledger = [{**o.to_json(), "parts": parts(o)} for o in server.orders.values()]
        (folder / "broker-orders.json").write_text(json.dumps(ledger, indent=1))
        dump = json.loads((folder / f"dump-{kills}.json").read_text())
        store_path = folder / "state.sqlite"
        store = (
            store_violations(store_path, server)
            if store_path.exists()
            else [f"the node wrote no state store at {store_path}"]
        )
        return Outcome(record, dict(server.peak), store, position_mismatch(dump, server), dump)


async def test_sigkilled_node_never_duplicates_loses_or_oversizes_an_order(tmp_path: Path) -> None:
    rng = Random(SEED)
    outcomes = []
    for index, variant in enumerate(VARIANTS):
        kills = KILLS // len(VARIANTS) + (index < KILLS % len(VARIANTS))
        outcomes.append(await run_variant(tmp_path / variant, variant, kills, rng))
    summary = f"seed {SEED}, {KILLS} kills\n" + "\n".join(o.summary() for o in outcomes)
    print(summary)
    assert not any(o.failed() for o in outcomes), summary

"""Build a Nautilus ``TradingNode`` on Tradier from a Tradefly live YAML config.

Paper (``sandbox``) is the default. Real money (``environment: live`` or ``TRADIER_ENV=live``)
refuses to start unless armed: the ``--arm-live`` flag **and** the confirmation variable
``TRADEFLY_CONFIRM_LIVE`` set to the Tradier account number that will trade.

Config layout (see ``configs/live/tradier_sandbox.yaml``)::

    trader_id: TRADEFLY-001
    environment: sandbox            # or live (needs arming); default TRADIER_ENV, else sandbox
    account_id: null                # default TRADIER_ACCOUNT_ID
    instruments:                    # loaded at start by both clients
      load_ids: [SPY.US]
      underlyings: [SPY]            # chains of these ...
      min_dte: 0                    # ... from min_dte to max_dte days out,
      max_dte: 45
      monthly_only: false           # standard monthlies only,
      strike_window_pct: null       # strikes within this fraction of the last price
    data: {}                        # any TradierDataClientConfig field
    execution: {}                   # any TradierExecClientConfig field
    reconciliation:                 # LiveExecEngineConfig fields
      reconciliation_lookback_mins: 1440
    risk: {}                        # LiveRiskEngineConfig fields (e.g. max_order_submit_rate)
    timeouts: {}                    # TradingNodeConfig timeout_* fields, without the prefix
    strategies: []                  # ImportableStrategyConfig: strategy_path, config_path, config
    actors: []                      # ImportableActorConfig: actor_path, config_path, config
    claim_held_options: true        # strategies claim the option positions the account holds
    state_store: null               # SQLite state store; default data/state/<trader_id>.sqlite
    catalog: null                   # Parquet catalog whose chain history seeds the IV rank

Held option positions: after a restart the node's cache is empty, and Nautilus attributes the
positions that reconciliation finds to the ``EXTERNAL`` strategy, which no strategy manages.
So before building the node the account's positions are read (a GET), and each option contract
held is added to the ``external_order_claims`` of the first strategy whose config trades its
underlying (``underlying``) and kind (``option_kind``, default of the config class included; a
config class without the field trades both kinds). Reconciled positions in those contracts
then belong to that strategy, which re-adopts them at start (``StructureEngine``: exits
keep working). ``claim_held_options: false`` leaves them ``EXTERNAL``.

State store: the node's SQLite file (``state_store``) is passed to every strategy and actor
(the risk guard) whose config has a ``state_store`` field, and whether the node was armed for
live trading to those with a ``live_armed`` field (overwriting the config file's value). Before
the node is built, the open order intents in it are looked up among today's orders at Tradier
(one GET; a second over about a month when an older intent is missing from today's) and the
instruments of those Tradier has, and the legs of the open structures, are claimed for the
strategy that owns them (:mod:`adapters.tradier.restart`), and so are the shares a strategy
received by assignment or exercise (``owned_shares``); these claims come before the held-
options claims. The execution client gets the store too (at start it books the expirations
and assignments that happened while the node was down). While the node runs, its health
(streaming or polling, rejected vendor records) is written to the store's ``node_status``
table (:mod:`adapters.tradier.status`).

IV history: each ``StructureEngine`` keeps its 30-day ATM IV of every session close in the state
store and reads them back at start, so its IV rank and percentile survive a restart. With
``catalog`` set, the sessions before today in that catalog are read too
(:func:`strategies.iv_seed.prior_atm_ivs`); the store's value wins on a session in both. The
closes before today that a strategy's trend needs come from that catalog too
(:func:`strategies.trend_seed.prior_closes`; without it the trend is known once the node has
seen ``trend_sessions`` closes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import msgspec
from nautilus_trader.common.config import msgspec_encoding_hook, resolve_config_path
from nautilus_trader.config import (
    ImportableActorConfig,
    ImportableStrategyConfig,
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    LiveRiskEngineConfig,
    LoggingConfig,
    RoutingConfig,
    TradingNodeConfig,
)
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.identifiers import InstrumentId

from adapters.tradier.api import TradierAccountApi
from adapters.tradier.config import (
    TradierDataClientConfig,
    TradierExecClientConfig,
    resolve_account_id,
    resolve_environment,
)
from adapters.tradier.constants import ENV_CONFIRM_LIVE, TRADIER, TradierEnvironment
from adapters.tradier.factories import (
    TradierLiveDataClientFactory,
    TradierLiveExecClientFactory,
    shared_http_client,
)
from adapters.tradier.live_config import load_checked_live_config
from adapters.tradier.parsing import (
    is_option_symbol,
    parse_option_symbol,
    parse_orders,
    parse_positions,
)
from adapters.tradier.restart import (
    needs_look_back,
    owned_share_claims,
    settle_unsent_intents,
)
from adapters.tradier.status import record_node_status
from catalog.access import open_catalog
from options.market_calendar import session_of_ns
from statestore import StateStore, default_store_path
from strategies.iv_seed import prior_atm_ivs
from strategies.structure_engine import StructureEngine
from strategies.trend_seed import prior_closes

_status_tasks: set[asyncio.Task[None]] = set()  # strong references to the status recorders


class LiveTradingNotArmedError(RuntimeError):
    """Live trading was requested without the arming flag and confirmation."""


def require_live_arming(
    env: str | None,
    flag: bool,
    confirmation: str | None,
    account_id: str | None = None,
) -> TradierEnvironment:
    """Return the environment, refusing ``live`` unless it is explicitly armed.

    Parameters
    ----------
    env : str or None
        ``sandbox`` or ``live`` (None: ``TRADIER_ENV``, else sandbox).
    flag : bool
        The ``--arm-live`` command-line flag.
    confirmation : str or None
        The value of ``TRADEFLY_CONFIRM_LIVE``; must equal the account number.
    account_id : str, optional
        The account that will trade (default ``TRADIER_ACCOUNT_ID``).

    Returns
    -------
    TradierEnvironment

    Raises
    ------
    LiveTradingNotArmedError
        If the environment is live and the flag is missing or the confirmation does not name
        the account.
    ValueError
        If the environment is unknown, or live without an account id.

    """
    environment = resolve_environment(env)
    if environment is not TradierEnvironment.LIVE:
        return environment
    account = resolve_account_id(account_id)
    if not flag:
        raise LiveTradingNotArmedError(
            "live trading was not armed: pass --arm-live and set "
            f"{ENV_CONFIRM_LIVE} to the account number ({account})",
        )
    if (confirmation or "").strip() != account:
        raise LiveTradingNotArmedError(
            f"live trading was not confirmed: {ENV_CONFIRM_LIVE} must equal the account number "
            f"that will trade ({account})",
        )
    return environment


def load_live_config(path: str | Path) -> dict[str, Any]:
    """Read a live YAML config and check it offline (:mod:`adapters.tradier.live_config`).

    Raises
    ------
    ConfigError
        (a ``ValueError``) If the file is missing or not YAML, or a key is unknown, of the
        wrong type or invalid at any level; one line per problem, naming the field.

    """
    return load_checked_live_config(path)


def node_config(raw: Mapping[str, Any]) -> TradingNodeConfig:
    """Return the ``TradingNodeConfig`` a live YAML mapping describes (see module docstring)."""
    instruments = dict(raw.get("instruments") or {})
    load_ids = frozenset(InstrumentId.from_str(i) for i in instruments.pop("load_ids", []) or [])
    filter_keys = ("underlyings", "min_dte", "max_dte", "monthly_only", "strike_window_pct")
    filters = {k: instruments[k] for k in filter_keys if k in instruments}
    provider = InstrumentProviderConfig(
        load_all=bool(filters.get("underlyings")),
        load_ids=load_ids or None,
        filters=filters or None,
    )
    environment = raw.get("environment")
    routing = RoutingConfig(default=True)
    data = TradierDataClientConfig(
        environment=environment,
        instrument_provider=provider,
        routing=routing,
        **(raw.get("data") or {}),
    )
    execution = TradierExecClientConfig(
        environment=environment,
        account_id=raw.get("account_id"),
        instrument_provider=provider,
        routing=routing,
        state_store=raw.get("state_store"),
        **(raw.get("execution") or {}),
    )
    timeouts = {f"timeout_{k}": v for k, v in (raw.get("timeouts") or {}).items()}
    return TradingNodeConfig(
        trader_id=raw.get("trader_id", "TRADEFLY-001"),
        logging=LoggingConfig(log_level=raw.get("log_level", "INFO")),
        exec_engine=LiveExecEngineConfig(**(raw.get("reconciliation") or {})),
        risk_engine=LiveRiskEngineConfig(**(raw.get("risk") or {})),
        data_clients={TRADIER: data},
        exec_clients={TRADIER: execution},
        strategies=[ImportableStrategyConfig(**s) for s in raw.get("strategies") or []],
        actors=[ImportableActorConfig(**a) for a in raw.get("actors") or []],
        **timeouts,
    )


def claim_held_options(raw: Mapping[str, Any], held: Iterable[InstrumentId]) -> dict[str, Any]:
    """Add each held option contract to the claims of the first strategy that trades it.

    Parameters
    ----------
    raw : Mapping
        A live YAML mapping (see the module docstring); not modified.
    held : Iterable[InstrumentId]
        Instruments the account holds; equities and contracts no strategy trades are skipped.

    Returns
    -------
    dict
        A copy of `raw` with the strategies' ``external_order_claims`` extended.

    """
    strategies = [dict(s) for s in raw.get("strategies") or []]
    traded = [_traded_options(strategy) for strategy in strategies]
    taken = _config_claims(raw)
    for instrument_id in held:
        if instrument_id in taken or not is_option_symbol(instrument_id.symbol.value):
            continue
        symbol = parse_option_symbol(instrument_id.symbol.value)
        for strategy, (underlying, kind) in zip(strategies, traded, strict=True):
            if underlying != symbol.underlying or kind not in (None, symbol.occ.kind.name):
                continue
            config = dict(strategy.get("config") or {})
            claims = [*(config.get("external_order_claims") or []), str(instrument_id)]
            strategy["config"] = {**config, "external_order_claims": claims}
            taken.add(instrument_id)
            break
    return {**raw, "strategies": strategies}


def _config_claims(raw: Mapping[str, Any]) -> set[InstrumentId]:
    """Return the instruments the configured strategies claim in their config files."""
    return {
        InstrumentId.from_str(str(i))
        for s in raw.get("strategies") or []
        for i in (s.get("config") or {}).get("external_order_claims") or []
    }


def _traded_options(strategy: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Return the underlying and option kind (``PUT``/``CALL``, None: both) a strategy trades.

    Read from its parsed config class, so the class's properties count
    (``StructureEngineConfig.option_kind`` is the kind of every leg of its structure).
    """
    config_cls = resolve_config_path(strategy["config_path"])
    encoded = msgspec.json.encode(strategy.get("config") or {}, enc_hook=msgspec_encoding_hook)
    config = config_cls.parse(encoded)
    underlying, kind = getattr(config, "underlying", None), getattr(config, "option_kind", None)
    return (
        str(underlying).upper() if underlying else None,
        str(kind).upper() if kind else None,
    )


def strategy_ids(raw: Mapping[str, Any]) -> list[str]:
    """Return the strategy ids the trader will give the configured strategies, in order.

    Nautilus names a strategy ``{strategy_id or class name}-{order_id_tag}`` and, when the tag
    is unset, uses the strategy's position in the list (``000``, ``001``, ...).
    """
    ids = []
    for index, strategy in enumerate(raw.get("strategies") or []):
        config = strategy.get("config") or {}
        name = config.get("strategy_id") or str(strategy["strategy_path"]).rpartition(":")[2]
        tag = config.get("order_id_tag") or f"{index:03d}"
        ids.append(f"{name}-{tag}")
    return ids


def with_component_field(
    raw: Mapping[str, Any], field: str, value: Any, overwrite: bool = False
) -> dict[str, Any]:
    """Return a copy of `raw` whose strategies and actors with config field `field` get `value`.

    A value the config file gives is kept unless `overwrite`.
    """
    copy = dict(raw)
    for section in ("strategies", "actors"):
        components = []
        for component in raw.get(section) or []:
            component = dict(component)
            config_cls = resolve_config_path(component["config_path"])
            config = dict(component.get("config") or {})
            if field in {f.name for f in msgspec.structs.fields(config_cls)}:
                if overwrite:
                    config[field] = value
                else:
                    config.setdefault(field, value)
            component["config"] = config
            components.append(component)
        copy[section] = components
    return copy


def with_state_store(raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Return a copy of `raw` whose strategies and actors with a ``state_store`` field use it."""
    return with_component_field(raw, "state_store", path)


def claim_for_strategies(
    raw: Mapping[str, Any], claims: Mapping[str, Iterable[InstrumentId]]
) -> dict[str, Any]:
    """Add `claims` (instruments by strategy id) to the strategies' ``external_order_claims``."""
    strategies = [dict(s) for s in raw.get("strategies") or []]
    for strategy, strategy_id in zip(strategies, strategy_ids(raw), strict=True):
        config = dict(strategy.get("config") or {})
        present = [str(i) for i in config.get("external_order_claims") or []]
        added = sorted({str(i) for i in claims.get(strategy_id, ())} - set(present))
        if added:
            strategy["config"] = {**config, "external_order_claims": present + added}
    return {**raw, "strategies": strategies}


def account_api(raw: Mapping[str, Any]) -> TradierAccountApi:
    """Return the account API of a live YAML mapping, on the HTTP client the node will share.

    Must run on the loop the node will run on.
    """
    config = cast(TradierExecClientConfig, node_config(raw).exec_clients[TRADIER])
    http = shared_http_client(asyncio.get_running_loop(), config)
    return TradierAccountApi(http, resolve_account_id(config.account_id))


async def held_instruments(raw: Mapping[str, Any]) -> list[InstrumentId]:
    """Return the instruments the account of a live YAML mapping holds (one positions GET).

    Must run on the loop the node will run on: it uses the HTTP client the node's clients share.

    Raises
    ------
    TradierError
        If Tradier refuses or cannot be reached after the GET retries.
    ValueError
        If the token or account id is missing.

    """
    parsed = parse_positions(await account_api(raw).positions())
    return [position.instrument_id for position in parsed.items]


def seed_iv_histories(node: TradingNode, catalog_dir: Path, today: dt.date) -> None:
    """Give each built ``StructureEngine`` the catalog's ATM IVs and trend closes before today.

    Raises
    ------
    ValueError
        If `catalog_dir` is not a folder.

    """
    if not catalog_dir.is_dir():
        raise ValueError(f"catalog: no catalog folder at {str(catalog_dir)!r}")
    catalog = open_catalog(catalog_dir)
    for strategy in node.trader.strategies():
        if isinstance(strategy, StructureEngine):
            strategy.seed_iv_history(prior_atm_ivs(catalog, strategy.config, today))
            if strategy.config.choices:
                strategy.seed_trend(prior_closes(catalog, strategy.config, today))


async def build_trading_node(
    config_path: str | Path,
    arm_live: bool = False,
    confirmation: str | None = None,
) -> TradingNode:
    """Build (not run) a ``TradingNode`` trading through Tradier.

    Parameters
    ----------
    config_path : str or Path
        The live YAML config.
    arm_live : bool, default False
        The ``--arm-live`` flag.
    confirmation : str, optional
        The live confirmation (default: ``TRADEFLY_CONFIRM_LIVE`` from the environment).

    Returns
    -------
    TradingNode
        Built on the running loop, with the Tradier factories registered and held option
        positions claimed (see the module docstring); call ``run()`` (or ``run_async()``).

    Raises
    ------
    LiveTradingNotArmedError
        If the config asks for live trading without arming.
    ValueError
        If the config is malformed or credentials are missing.
    TradierError
        If the account's positions cannot be read (with ``claim_held_options`` on).

    """
    raw = load_live_config(config_path)
    if confirmation is None:
        confirmation = os.environ.get(ENV_CONFIRM_LIVE)
    require_live_arming(raw.get("environment"), arm_live, confirmation, raw.get("account_id"))
    store_path = str(
        raw.get("state_store") or default_store_path(str(raw.get("trader_id", "TRADEFLY-001")))
    )
    raw = with_state_store({**raw, "state_store": store_path}, store_path)
    live = resolve_environment(raw.get("environment")) is TradierEnvironment.LIVE
    raw = with_component_field(raw, "live_armed", live, overwrite=True)  # armed just above
    account = account_api(raw)
    orders = parse_orders(await account.orders())
    with StateStore(store_path) as store:
        now = time.time_ns()
        look_back = needs_look_back(store, (o.tag for o in orders if o.tag), now)
        if look_back:
            orders = parse_orders(await account.orders(look_back=True))
        at_broker = {o.tag: (o.status or "", o.exec_quantity or 0.0) for o in orders if o.tag}
        claims = settle_unsent_intents(store, at_broker, now, looked_back=look_back)
        taken = {i for instruments in claims.values() for i in instruments} | _config_claims(raw)
        shares = owned_share_claims(store, taken)
    raw = claim_for_strategies(raw, claims)
    raw = claim_for_strategies(raw, shares)
    if raw.get("claim_held_options", True):
        raw = claim_held_options(raw, await held_instruments(raw))
    node = TradingNode(config=node_config(raw), loop=asyncio.get_running_loop())
    node.add_data_client_factory(TRADIER, TradierLiveDataClientFactory)
    node.add_exec_client_factory(TRADIER, TradierLiveExecClientFactory)
    node.build()
    if raw.get("catalog"):
        seed_iv_histories(node, Path(raw["catalog"]), session_of_ns(time.time_ns()))
    status = asyncio.get_running_loop().create_task(
        record_node_status(node, store_path, "live" if live else "paper")
    )
    _status_tasks.add(status)
    status.add_done_callback(_status_tasks.discard)
    return node


async def stop_status_recorders() -> None:
    """Cancel the status recorders that :func:`build_trading_node` started, and wait for them.

    Await it on the node's loop after ``node.run()`` returns and before ``node.dispose()``
    closes the loop, so no recorder is left pending.
    """
    recorders = list(_status_tasks)
    for recorder in recorders:
        recorder.cancel()
    await asyncio.gather(*recorders, return_exceptions=True)

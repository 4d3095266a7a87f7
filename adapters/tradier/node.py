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
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
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

from adapters.tradier.config import (
    TradierDataClientConfig,
    TradierExecClientConfig,
    resolve_account_id,
    resolve_environment,
)
from adapters.tradier.constants import TRADIER, TradierEnvironment
from adapters.tradier.factories import TradierLiveDataClientFactory, TradierLiveExecClientFactory

ENV_CONFIRM_LIVE = "TRADEFLY_CONFIRM_LIVE"


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
    """Read a live YAML config.

    Raises
    ------
    ValueError
        If the file is not a YAML mapping.

    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"live config was not a mapping: {path}")
    return raw


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


def build_trading_node(
    config_path: str | Path,
    arm_live: bool = False,
    confirmation: str | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
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
    loop : asyncio.AbstractEventLoop, optional
        The loop to run on (default: the node's own).

    Returns
    -------
    TradingNode
        Built, with the Tradier factories registered; call ``run()`` (or ``run_async()``).

    Raises
    ------
    LiveTradingNotArmedError
        If the config asks for live trading without arming.
    ValueError
        If the config is malformed or credentials are missing.

    """
    raw = load_live_config(config_path)
    if confirmation is None:
        confirmation = os.environ.get(ENV_CONFIRM_LIVE)
    require_live_arming(raw.get("environment"), arm_live, confirmation, raw.get("account_id"))
    node = TradingNode(config=node_config(raw), loop=loop)
    node.add_data_client_factory(TRADIER, TradierLiveDataClientFactory)
    node.add_exec_client_factory(TRADIER, TradierLiveExecClientFactory)
    node.build()
    return node

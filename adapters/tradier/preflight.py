"""Check the Tradier token and account with one GET before a live node is built.

Without it a node whose token is wrong logs errors, reports RUNNING and idles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, cast

from adapters.tradier.api import TradierAccountApi
from adapters.tradier.config import TradierExecClientConfig, resolve_account_id
from adapters.tradier.constants import ENV_ACCESS_TOKEN, ENV_ACCOUNT_ID, TRADIER
from adapters.tradier.errors import TradierAuthError, TradierError, TradierTransportError
from adapters.tradier.factories import shared_http_client
from adapters.tradier.node import node_config


class TradierStartError(Exception):
    """Tradier refused the credentials or could not be reached; the message is one line."""


async def verify_credentials(raw: Mapping[str, Any]) -> None:
    """Read the account's balances with the configured token and account (one GET).

    Must run on the loop the node will run on: it uses the HTTP client the node's clients
    share. GETs are retried as configured (``execution.max_retries``) before giving up.

    Parameters
    ----------
    raw : Mapping
        A checked live YAML mapping (see :mod:`adapters.tradier.node`).

    Raises
    ------
    TradierStartError
        ``Tradier refused the access token (401) at URL ...``, ``cannot reach Tradier at
        URL: ...`` or ``Tradier refused account ID at URL ...``.
    ValueError
        If the token or account id is not set.

    """
    config = cast(TradierExecClientConfig, node_config(raw).exec_clients[TRADIER])
    http = shared_http_client(asyncio.get_running_loop(), config)
    account = resolve_account_id(config.account_id)
    url = config.rest_url()
    try:
        await TradierAccountApi(http, account).balances()
    except TradierAuthError as exc:
        raise TradierStartError(
            f"Tradier refused the access token ({exc.status or 'fault'}) at {url}: check "
            f"{ENV_ACCESS_TOKEN} (sandbox and live tokens differ): {exc.message}"
        ) from None
    except TradierTransportError as exc:
        raise TradierStartError(f"cannot reach Tradier at {url}: {exc.message}") from None
    except TradierError as exc:
        raise TradierStartError(
            f"Tradier refused account {account} at {url} ({exc.status}): check "
            f"{ENV_ACCOUNT_ID}: {exc.message}"
        ) from None

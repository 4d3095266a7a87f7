"""How the risk layer tells the owner: a ``Notifier`` interface and a logging notifier."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol


class Notifier(Protocol):
    """Sends one message to the owner."""

    def notify(self, title: str, body: str) -> None:
        """Send `title` and `body`; must not raise for a delivery failure."""
        ...


class LoggingNotifier:
    """Write each notification as one WARNING log line (the default notifier).

    Parameters
    ----------
    log : Callable[[str], None], optional
        Where the line goes; default the ``tradefly.risk`` logger at WARNING.

    """

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._log = log or logging.getLogger("tradefly.risk").warning

    def notify(self, title: str, body: str) -> None:
        """Log ``title: body``."""
        self._log(f"{title}: {body}")

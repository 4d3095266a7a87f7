"""How the risk layer and the journal tell the owner: a ``Notifier`` interface and two notifiers.

:class:`LoggingNotifier` writes a WARNING log line. :class:`AppriseNotifier` also sends every
notification to the owner's channels through `apprise <https://github.com/caronc/apprise>`_
(Telegram ``tgram://``, email ``mailto://``, ntfy ``ntfy://``, Pushover ``pover://`` and about a
hundred more). Channel URLs come from the run config (:class:`NotifyConfig`); the secrets in
them come from the environment (or the git-ignored ``.env``) as ``${NAME}`` placeholders, so a
config file never holds a token: ``tgram://${TELEGRAM_BOT_TOKEN}/${TELEGRAM_CHAT_ID}``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import msgspec

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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


class NotifyConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where notifications go, besides the log.

    Parameters
    ----------
    urls : list[str]
        Apprise URLs, one per channel; ``${NAME}`` is replaced by the environment variable
        ``NAME`` when the notifier is built (a missing variable is an error naming it).

    """

    urls: list[str]

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("notify.urls is empty; list at least one apprise URL")


def expand_secrets(url: str, environ: Mapping[str, str]) -> str:
    """Return `url` with each ``${NAME}`` replaced by ``environ[NAME]``.

    Raises
    ------
    ValueError
        If a named variable is not set (the message names the variable, never a value).

    """

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environ:
            raise ValueError(f"notify.urls: environment variable {name} is not set")
        return environ[name]

    return _PLACEHOLDER.sub(value, url)


class AppriseNotifier:
    """Log each notification and send it to every configured apprise channel.

    Delivery is synchronous (apprise's HTTP timeouts apply); a channel that fails is logged
    as a WARNING naming the notification, never the URL (it holds secrets), and never raises.

    Parameters
    ----------
    urls : Sequence[str]
        Apprise URLs with ``${NAME}`` placeholders (see :class:`NotifyConfig`).
    environ : Mapping[str, str], optional
        Where placeholders are looked up; default ``os.environ``.
    log : Callable[[str], None], optional
        Where the log line goes; default the ``tradefly.risk`` logger at WARNING.

    Raises
    ------
    ValueError
        If a placeholder's variable is not set, or apprise does not understand a URL (the
        message shows the URL as configured, with its placeholders).

    """

    def __init__(
        self,
        urls: Sequence[str],
        environ: Mapping[str, str] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        import apprise  # ~0.07 s to import; only a run that configures channels needs it

        environ = os.environ if environ is None else environ
        self._log = log or logging.getLogger("tradefly.risk").warning
        self._apprise = apprise.Apprise()
        for index, url in enumerate(urls):
            if not self._apprise.add(expand_secrets(url, environ)):
                raise ValueError(f"notify.urls[{index}]: apprise does not understand {url!r}")
        self.sent = 0
        self.failed = 0

    def notify(self, title: str, body: str) -> None:
        """Log ``title: body`` and send it to every channel."""
        self._log(f"{title}: {body}")
        try:
            delivered = bool(self._apprise.notify(title=title, body=body))
        except Exception:  # a channel's failure must never stop the node
            delivered = False
        if delivered:
            self.sent += 1
        else:
            self.failed += 1
            self._log(f"notification {title!r} was not delivered to every channel")


def build_notifier(
    config: NotifyConfig | None, log: Callable[[str], None] | None = None
) -> Notifier:
    """Return an :class:`AppriseNotifier` for `config`, else a :class:`LoggingNotifier`.

    Raises
    ------
    ValueError
        As :class:`AppriseNotifier`.

    """
    if config is None:
        return LoggingNotifier(log)
    return AppriseNotifier(config.urls, log=log)

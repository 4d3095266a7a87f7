"""Detect the vendor's HTTP-200 error bodies, sample rows and CSV replies that are JSON.

Alpha Vantage reports errors and throttling in the body of an HTTP 200 reply
(``Error Message``, ``Information``, ``Note``); options functions answer non-entitled keys
with placeholder rows. :func:`check_body` turns each case into a typed error.
"""

import msgspec

from adapters.alphavantage.constants import (
    EMPTY_MEANS_NO_DATA,
    OPTIONS_FUNCTIONS,
    SAMPLE_ROW_MARKERS,
    VENDOR_MESSAGE_KEYS,
)
from adapters.alphavantage.errors import (
    AlphaVantageEntitlementError,
    AlphaVantageError,
    AlphaVantageParseError,
    AlphaVantageQuotaError,
    AlphaVantageRequestError,
    AlphaVantageSampleDataError,
    AlphaVantageThrottleError,
    AlphaVantageTransientError,
)

_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw])
_BURST_WORDS = ("spreading out", "per second", "burst", "per minute", "call frequency")
_RATE_WORDS = (*_BURST_WORDS, "rate limit", "per day", "requests per", "calls per")
_KEY_WORDS = ("apikey", "api key")
_MAX_MESSAGE = 300


def redact(text: str, secret: str | None) -> str:
    """Return `text` with every occurrence of `secret` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def check_body(body: bytes, function: str, *, csv: bool, secret: str | None = None) -> None:
    """Raise the typed error a vendor reply stands for; return if it carries data.

    Parameters
    ----------
    body : bytes
        The body of an HTTP 200 reply.
    function : str
        The ``function`` requested (decides the options checks and what ``{}`` means).
    csv : bool
        Whether CSV was requested; a CSV reply starting with ``{`` is a JSON error.
    secret : str, optional
        The API key, removed from any vendor text quoted in an error.

    Raises
    ------
    AlphaVantageRequestError
        ``Error Message`` bodies, invalid-key and demo-key messages, unknown vendor messages.
    AlphaVantageEntitlementError
        Premium-endpoint refusals.
    AlphaVantageSampleDataError
        Placeholder rows served to non-entitled keys.
    AlphaVantageQuotaError
        The vendor's daily-limit message.
    AlphaVantageThrottleError
        ``Note`` bodies and per-minute throttle messages (retryable).
    AlphaVantageTransientError
        Empty, truncated or non-object JSON bodies, empty CSV bodies (retryable).
    AlphaVantageParseError
        A CSV reply that is JSON but holds no vendor message.

    """
    head = body.lstrip()
    if csv:
        if not head:
            raise AlphaVantageTransientError(f"{function} CSV reply was empty")
        if not head.startswith(b"{"):
            _check_sample_rows(body, function)
            return
    top = _decode_top_level(body, function)
    if not top:
        if function in EMPTY_MEANS_NO_DATA and not csv:
            return
        raise AlphaVantageTransientError(f"{function} reply was an empty JSON object")
    error = _vendor_message_error(top, function, secret)
    if error is not None:
        raise error
    if csv:
        raise AlphaVantageParseError(
            f"{function} CSV reply was JSON with keys {sorted(top)[:5]!r} and no vendor message"
        )
    if function in OPTIONS_FUNCTIONS:
        _check_options_envelope(top, function, secret)
        _check_sample_rows(body, function)


def _decode_top_level(body: bytes, function: str) -> dict[str, msgspec.Raw]:
    try:
        return _TOP_LEVEL.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise AlphaVantageTransientError(
            f"{function} reply was not a complete JSON object ({len(body)} bytes): {exc}"
        ) from None
    except RecursionError:
        raise AlphaVantageTransientError(f"{function} reply was nested too deeply") from None


def _text(raw: msgspec.Raw) -> str:
    try:
        value = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):  # invalid UTF-8 in a message is no text
        return ""
    return value if isinstance(value, str) else str(value)


def _vendor_message_error(
    top: dict[str, msgspec.Raw], function: str, secret: str | None
) -> AlphaVantageError | None:
    if "Error Message" in top:
        message = _quote(_text(top["Error Message"]), secret)
        return AlphaVantageRequestError(f"{function} request was refused: {message}")
    has_data = any(key not in VENDOR_MESSAGE_KEYS for key in top)
    if has_data:
        return None
    key = "Note" if "Note" in top else "Information"
    text = _text(top[key])
    return _classify_message(key, text, function, secret)


def _classify_message(key: str, text: str, function: str, secret: str | None) -> AlphaVantageError:
    lower = text.lower()
    message = _quote(text, secret)
    if "premium" in lower and not _mentions(lower, _RATE_WORDS):
        return AlphaVantageEntitlementError(f"{function} needs a premium plan: {message}")
    if _mentions(lower, _BURST_WORDS):
        return AlphaVantageThrottleError(f"{function} was throttled: {message}")
    if "per day" in lower or "daily" in lower:
        return AlphaVantageQuotaError(f"{function} was refused, daily limit reached: {message}")
    if key == "Note" or "rate limit" in lower:
        return AlphaVantageThrottleError(f"{function} was throttled: {message}")
    if _mentions(lower, _KEY_WORDS) or "demo" in lower:
        return AlphaVantageRequestError(f"{function} was refused for the API key: {message}")
    return AlphaVantageRequestError(f"{function} answered with a message only: {message}")


def _mentions(lower: str, words: tuple[str, ...]) -> bool:
    return any(word in lower for word in words)


def _check_options_envelope(top: dict[str, msgspec.Raw], function: str, secret: str | None) -> None:
    if "message" not in top:
        return
    message = _text(top["message"])
    if message.strip().lower() == "success":
        return
    if "premium" in message.lower():
        raise AlphaVantageEntitlementError(
            f"{function} needs a premium plan: {_quote(message, secret)}"
        )
    raise AlphaVantageRequestError(
        f"{function} message was not 'success': {_quote(message, secret)}"
    )


def _check_sample_rows(body: bytes, function: str) -> None:
    if function in OPTIONS_FUNCTIONS and any(marker in body for marker in SAMPLE_ROW_MARKERS):
        raise AlphaVantageSampleDataError(
            f"{function} reply held the vendor's sample rows (XXYYZZ..., 2099-99-99); "
            "the key is not entitled to this data"
        )


def _quote(text: str, secret: str | None) -> str:
    text = redact(text, secret)
    return repr(text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "...")

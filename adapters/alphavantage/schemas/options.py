"""HISTORICAL_OPTIONS and REALTIME_OPTIONS: the ``{"endpoint", "message", "data"}`` envelope.

The vendor serves every value as a string. The numeric fields are decoded straight to floats
(``msgspec`` non-strict mode reads ``"11.31"`` as 11.31); a reply where some value is not a
plain number (``"None"``, ``"-"``, ``""``, ``"abc"``) is decoded again keeping those fields as
text, so the parser can judge each row on its own.
"""

import msgspec

from adapters.alphavantage.schemas.decoding import decode_json

NUMERIC_FIELDS = (
    "strike",
    "bid",
    "bid_size",
    "ask",
    "ask_size",
    "open_interest",
    "implied_volatility",
    "delta",
    "gamma",
    "theta",
    "vega",
    "rho",
)
"""The fields the parser reads as numbers."""


class OptionRow(msgspec.Struct, frozen=True, gc=False):
    """One contract of an options chain.

    IV and greeks are always present in HISTORICAL_OPTIONS and only with
    ``require_greeks=true`` in REALTIME_OPTIONS; sizes and ``mark`` may be absent. Numeric
    fields are ``float`` when every value of the reply was a number, else the vendor's text.
    """

    contractID: str  # noqa: N815 (vendor field name)
    symbol: str
    expiration: str
    strike: float | str
    type: str
    last: str | float | None = None
    mark: str | float | None = None
    bid: float | str | None = None
    bid_size: float | str | None = None
    ask: float | str | None = None
    ask_size: float | str | None = None
    volume: str | float | None = None
    open_interest: float | str | None = None
    date: str | None = None
    implied_volatility: float | str | None = None
    delta: float | str | None = None
    gamma: float | str | None = None
    theta: float | str | None = None
    vega: float | str | None = None
    rho: float | str | None = None


class NumericOptionRow(msgspec.Struct, frozen=True, gc=False):
    """:class:`OptionRow` of a reply whose numeric fields were all numbers."""

    contractID: str  # noqa: N815 (vendor field name)
    symbol: str
    expiration: str
    strike: float
    type: str
    last: str | float | None = None
    mark: str | float | None = None
    bid: float | None = None
    bid_size: float | None = None
    ask: float | None = None
    ask_size: float | None = None
    volume: str | float | None = None
    open_interest: float | None = None
    date: str | None = None
    implied_volatility: float | None = None
    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None
    rho: float | None = None


class OptionsResponse(msgspec.Struct, frozen=True, gc=False):
    """The options envelope; ``message`` is ``"success"`` for real data."""

    data: list[OptionRow]
    endpoint: str | None = None
    message: str | None = None


class NumericOptionsResponse(msgspec.Struct, frozen=True, gc=False):
    """:class:`OptionsResponse` of a reply whose numeric fields were all numbers."""

    data: list[NumericOptionRow]
    endpoint: str | None = None
    message: str | None = None


OptionsReply = OptionsResponse | NumericOptionsResponse
"""A decoded options reply, numeric or text."""

_NUMERIC = msgspec.json.Decoder(NumericOptionsResponse, strict=False)
_TEXT = msgspec.json.Decoder(OptionsResponse)


def decode_options(body: bytes | str) -> OptionsReply:
    """Decode a HISTORICAL_OPTIONS or REALTIME_OPTIONS JSON reply.

    Raises
    ------
    AlphaVantageParseError
        If the body does not match the documented layout.

    """
    try:
        return _NUMERIC.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return decode_json(body, _TEXT, "options")

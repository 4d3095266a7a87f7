"""HISTORICAL_OPTIONS and REALTIME_OPTIONS: the ``{"endpoint", "message", "data"}`` envelope."""

import msgspec

from adapters.alphavantage.schemas.decoding import decode_json


class OptionRow(msgspec.Struct, frozen=True):
    """One contract of an options chain; every value is a string as served.

    IV and greeks are always present in HISTORICAL_OPTIONS and only with
    ``require_greeks=true`` in REALTIME_OPTIONS; sizes and ``mark`` may be absent.
    """

    contractID: str  # noqa: N815 (vendor field name)
    symbol: str
    expiration: str
    strike: str
    type: str
    last: str | None = None
    mark: str | None = None
    bid: str | None = None
    bid_size: str | None = None
    ask: str | None = None
    ask_size: str | None = None
    volume: str | None = None
    open_interest: str | None = None
    date: str | None = None
    implied_volatility: str | None = None
    delta: str | None = None
    gamma: str | None = None
    theta: str | None = None
    vega: str | None = None
    rho: str | None = None


class OptionsResponse(msgspec.Struct, frozen=True):
    """The options envelope; ``message`` is ``"success"`` for real data."""

    data: list[OptionRow]
    endpoint: str | None = None
    message: str | None = None


_OPTIONS = msgspec.json.Decoder(OptionsResponse)


def decode_options(body: bytes | str) -> OptionsResponse:
    """Decode a HISTORICAL_OPTIONS or REALTIME_OPTIONS JSON reply.

    Raises
    ------
    AlphaVantageParseError
        If the body does not match the documented layout.

    """
    return decode_json(body, _OPTIONS, "options")

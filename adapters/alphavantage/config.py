"""Configuration of the Alpha Vantage live data client (frozen, documented, env-aware)."""

import msgspec
from nautilus_trader.config import LiveDataClientConfig


class AlphaVantageDataClientConfig(LiveDataClientConfig, frozen=True):  # type: ignore[call-arg]
    """Configuration for ``AlphaVantageDataClient`` instances.

    Parameters
    ----------
    api_key : str, optional
        The API key. If ``None`` then sourced from the ``ALPHAVANTAGE_API_KEY`` environment
        variable (preferred: keep keys out of config files). Never shown by ``repr``.
    base_url : str, optional
        The server root. If ``None`` then ``ALPHAVANTAGE_BASE_URL``, else the vendor's.
    requests_per_minute : int, default 75
        The plan's requests per minute (REALTIME_OPTIONS needs the 600 or 1200 plan).
    daily_limit : int, optional
        A daily request cap (the free tier's 25); ``None`` for none.
    underlyings : tuple[str, ...], default ()
        Tickers whose ``Equity`` and current option chain are loaded at connect.
    options_interval_secs : float, default 60.0
        Seconds between REALTIME_OPTIONS polls of one underlying.
    quotes_interval_secs : float, default 60.0
        Seconds between GLOBAL_QUOTE polls of one underlying.
    news_interval_secs : float, default 900.0
        Seconds between NEWS_SENTIMENT polls of one ticker.
    require_greeks : bool, default True
        Ask REALTIME_OPTIONS for IV and greeks (published as ``OptionGreeks``).
    market_hours_only : bool, default True
        Poll options and quotes only while the NYSE is open (news polls around the clock).
    quota_share : float, default 0.8
        The share of `requests_per_minute` the polls may use; intervals are stretched to fit
        it (the rest is left for retries and requests).
    timeout_secs : float, default 30.0
        The HTTP timeout per request.
    max_history_sessions : int, default 30
        The most NYSE sessions a ``request_quote_ticks`` (one HISTORICAL_OPTIONS call per
        session) or intraday ``request_bars`` (one TIME_SERIES_INTRADAY call per month)
        reaches back over from the request's end; older sessions are skipped with a warning.

    """

    api_key: str | None = None
    base_url: str | None = None
    requests_per_minute: int = 75
    daily_limit: int | None = None
    underlyings: tuple[str, ...] = ()
    options_interval_secs: float = 60.0
    quotes_interval_secs: float = 60.0
    news_interval_secs: float = 900.0
    require_greeks: bool = True
    market_hours_only: bool = True
    quota_share: float = 0.8
    timeout_secs: float = 30.0
    max_history_sessions: int = 30

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'***' if name == 'api_key' and value else value!r}"
            for name, value in msgspec.structs.asdict(self).items()
        )
        return f"{type(self).__name__}({shown})"

    __str__ = __repr__

"""The worked example under configs/live/ parses into a TradingNode data client config."""

from pathlib import Path

import yaml
from nautilus_trader.common.config import ImportableConfig
from nautilus_trader.config import TradingNodeConfig

from adapters.alphavantage.config import AlphaVantageDataClientConfig
from adapters.alphavantage.factories import AlphaVantageLiveDataClientFactory
from adapters.alphavantage.polling import PollIntervals, fit_intervals

CONFIGS = Path(__file__).parents[4] / "configs" / "live"


def test_every_alphavantage_live_config_parses() -> None:
    paths = sorted(CONFIGS.glob("alphavantage_*.yaml"))
    assert paths
    for path in paths:
        raw = yaml.safe_load(path.read_text())
        node = TradingNodeConfig(data_clients=raw["data_clients"])
        importable = node.data_clients["ALPHAVANTAGE"]
        assert isinstance(importable, ImportableConfig)
        config = importable.create()
        assert isinstance(config, AlphaVantageDataClientConfig)
        assert config.api_key is None  # keys come from the environment
        assert importable.factory is not None
        assert isinstance(importable.factory.create(), AlphaVantageLiveDataClientFactory)
        wanted = PollIntervals(
            config.options_interval_secs, config.quotes_interval_secs, config.news_interval_secs
        )
        streams = (len(config.underlyings),) * 3
        fitted = fit_intervals(wanted, streams, config.requests_per_minute, config.quota_share)
        assert fitted == wanted  # the example fits its own budget

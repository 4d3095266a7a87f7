"""The live config, the arming check and the factories' credential handling."""

from pathlib import Path

import pytest
from nautilus_trader.model.identifiers import InstrumentId

from adapters.tradier.config import (
    TradierDataClientConfig,
    TradierExecClientConfig,
    resolve_access_token,
    resolve_environment,
)
from adapters.tradier.constants import TradierEnvironment
from adapters.tradier.node import (
    LiveTradingNotArmedError,
    claim_held_options,
    load_live_config,
    node_config,
    require_live_arming,
)

PROJECT = Path(__file__).resolve().parents[4]
SANDBOX_YAML = PROJECT / "configs" / "live" / "tradier_sandbox.yaml"


@pytest.fixture(autouse=True)
def account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADIER_ACCOUNT_ID", "6YA00001")
    monkeypatch.delenv("TRADIER_ENV", raising=False)


def test_sandbox_is_the_default() -> None:
    assert require_live_arming(None, False, None) is TradierEnvironment.SANDBOX
    assert require_live_arming("sandbox", False, None) is TradierEnvironment.SANDBOX


def test_live_refuses_without_the_flag() -> None:
    with pytest.raises(LiveTradingNotArmedError, match="--arm-live"):
        require_live_arming("live", False, "6YA00001")


def test_live_refuses_without_the_matching_confirmation() -> None:
    with pytest.raises(LiveTradingNotArmedError, match="6YA00001"):
        require_live_arming("live", True, "yes")
    with pytest.raises(LiveTradingNotArmedError):
        require_live_arming("live", True, None)


def test_live_armed() -> None:
    assert require_live_arming("live", True, "6YA00001") is TradierEnvironment.LIVE


def test_env_variable_selects_live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADIER_ENV", "live")
    with pytest.raises(LiveTradingNotArmedError):
        require_live_arming(None, False, None)


def test_unknown_environment() -> None:
    with pytest.raises(ValueError, match="was not 'sandbox' or 'live'"):
        resolve_environment("paper")


def test_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADIER_ACCESS_TOKEN", raising=False)
    with pytest.raises(ValueError, match="TRADIER_ACCESS_TOKEN was not set"):
        resolve_access_token()


def test_sandbox_yaml_builds_a_node_config() -> None:
    config = node_config(load_live_config(SANDBOX_YAML))
    data = config.data_clients["TRADIER"]
    execution = config.exec_clients["TRADIER"]
    assert isinstance(data, TradierDataClientConfig)
    assert isinstance(execution, TradierExecClientConfig)
    assert data.rest_url() == "https://sandbox.tradier.com"
    assert execution.ws_url() == "wss://sandbox-ws.tradier.com/v1/accounts/events"
    provider = data.instrument_provider
    assert provider.load_all
    assert provider.filters["underlyings"] == ["SPY"]
    assert provider.filters["monthly_only"] is True
    assert InstrumentId.from_str("SPY.US") in provider.load_ids
    (strategy,) = config.strategies
    assert strategy.strategy_path == "strategies.structure_engine:StructureEngine"
    assert config.exec_engine.reconciliation


def test_sandbox_yaml_strategy_config_is_valid() -> None:
    from nautilus_trader.config import StrategyFactory

    (strategy,) = node_config(load_live_config(SANDBOX_YAML)).strategies
    assert StrategyFactory.create(strategy) is not None


def test_live_command_refuses_unarmed_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from adapters.tradier.cli import add_live_parser

    monkeypatch.setenv("TRADIER_ACCESS_TOKEN", "t")
    config = tmp_path / "live.yaml"
    config.write_text("environment: live\n")
    parser = argparse.ArgumentParser()
    add_live_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["live", str(config)])
    assert args.handler(args) == 2
    assert "--arm-live" in capsys.readouterr().err


def _strategy(**config: object) -> dict[str, object]:
    return {
        "strategy_path": "strategies.structure_engine:StructureEngine",
        "config_path": "strategies.structure_engine:StructureEngineConfig",
        "config": config,
    }


SPY_PUT = InstrumentId.from_str("SPY260116P00470000.US")
SPY_CALL = InstrumentId.from_str("SPY260116C00500000.US")
SPXW_PUT = InstrumentId.from_str("SPXW260116P05000000.US")
QQQ_PUT = InstrumentId.from_str("QQQ260116P00400000.US")


def test_held_options_are_claimed_by_the_strategy_trading_their_underlying_and_kind() -> None:
    raw = {
        "strategies": [
            _strategy(underlying="SPY", structure="short_put"),
            _strategy(underlying="SPY", structure="bear_call_spread"),
            _strategy(underlying="SPX", structure="bull_put_spread"),  # puts only
        ]
    }
    spxw_call = InstrumentId.from_str("SPXW260116C05200000.US")
    held = [SPY_PUT, SPY_CALL, SPXW_PUT, spxw_call, QQQ_PUT, InstrumentId.from_str("SPY.US")]

    claimed_raw = claim_held_options(raw, held)

    claims = [s["config"].get("external_order_claims") for s in claimed_raw["strategies"]]
    assert claims == [[str(SPY_PUT)], [str(SPY_CALL)], [str(SPXW_PUT)]]  # no QQQ, SPX call, shares
    assert "external_order_claims" not in raw["strategies"][0]["config"]  # input untouched


def test_a_held_option_is_claimed_once_and_configured_claims_are_kept() -> None:
    raw = {
        "strategies": [
            _strategy(
                underlying="SPY", structure="short_put", external_order_claims=[str(SPY_PUT)]
            ),
            _strategy(underlying="spy", structure="cash_secured_put"),
        ]
    }
    put_2 = InstrumentId.from_str("SPY260116P00460000.US")

    claimed_raw = claim_held_options(raw, [SPY_PUT, put_2])

    first, second = (s["config"].get("external_order_claims") for s in claimed_raw["strategies"])
    assert first == [str(SPY_PUT), str(put_2)]  # Nautilus refuses one claim in two strategies
    assert second is None


def test_claimed_sandbox_config_builds_the_strategy() -> None:
    from nautilus_trader.config import StrategyFactory

    claimed_raw = claim_held_options(load_live_config(SANDBOX_YAML), [SPY_PUT])

    (config,) = node_config(claimed_raw).strategies
    strategy = StrategyFactory.create(config)
    assert strategy.external_order_claims == [SPY_PUT]

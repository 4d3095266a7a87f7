"""``tradefly check``: every shipped config passes; each broken copy fails with one line."""

import copy
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from configfile.fields import config_kind
from tests.conftest import PROJECT_ROOT
from tradefly.cli import main

CONFIGS = sorted((PROJECT_ROOT / "configs").glob("*/*.yaml"))
LIVE = PROJECT_ROOT / "configs" / "live" / "tradier_sandbox.yaml"
BACKTEST = PROJECT_ROOT / "configs" / "backtest" / "demo_put_spread.yaml"
NODE = PROJECT_ROOT / "configs" / "live" / "alphavantage_data.yaml"

Mutation = Callable[[dict[str, Any]], None]


def _write(tmp_path: Path, source: Path, mutate: Mutation) -> Path:
    raw = yaml.safe_load(source.read_text())
    mutate(raw)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(copy.deepcopy(raw)))
    return path


def _check(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, str, str]:
    code = main(["check", *map(str, paths)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _strategy(raw: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = raw["strategies"][0]["config"]
    return config


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_every_shipped_config_passes(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(capsys, path)
    assert (code, err) == (0, "")
    assert out.startswith(f"{path}: OK: ")


def test_the_kind_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _check(capsys, LIVE, BACKTEST, NODE)
    assert code == 0
    assert out.splitlines() == [
        f"{LIVE}: OK: live config (paper)",
        f"{BACKTEST}: OK: backtest config (demo_put_spread)",
        f"{NODE}: OK: Nautilus node config (clients: ALPHAVANTAGE)",
    ]


def test_live_environment_is_reported_as_real_money(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, LIVE, lambda r: r.update(environment="live"))
    code, out, _ = _check(capsys, path)
    assert code == 0
    assert "REAL MONEY" in out


LIVE_MUTATIONS: list[tuple[str, Mutation, str]] = [
    (
        "top-level",
        lambda r: r.update(reconcilation={}),
        "reconcilation: unknown key (did you mean reconciliation?)",
    ),
    (
        "strategy-config",
        lambda r: _strategy(r).update(max_open_trade=1),
        "strategies[0].config.max_open_trade: unknown key (did you mean max_open_trades?)",
    ),
    (
        "data",
        lambda r: r["data"].update(poll_intervl=1),
        "data.poll_intervl: unknown key (did you mean poll_interval_secs?)",
    ),
    (
        "execution",
        lambda r: r["execution"].update(use_account_streams=True),
        "execution.use_account_streams: unknown key (did you mean use_account_stream?)",
    ),
    (
        "reconciliation",
        lambda r: r["reconciliation"].update(lookback_mins=5),
        "reconciliation.lookback_mins: unknown key",
    ),
    (
        "risk",
        lambda r: r.update(risk={"max_order_submit": "10/00:00:01"}),
        "risk.max_order_submit: unknown key (did you mean max_order_submit_rate?)",
    ),
    (
        "timeouts",
        lambda r: r.update(timeouts={"conection": 5}),
        "timeouts.conection: unknown key (did you mean connection?)",
    ),
    (
        "instruments",
        lambda r: r["instruments"].update(max_dt=3),
        "instruments.max_dt: unknown key (did you mean max_dte?)",
    ),
    (
        "strategy-entry",
        lambda r: r["strategies"][0].update(configs={}),
        "strategies[0].configs: unknown key (did you mean config?)",
    ),
    (
        "wrong-type",
        lambda r: _strategy(r).update(dte_min="thirty"),
        "strategies[0].config.dte_min: expected `int`, got `str`",
    ),
    (
        "section-type",
        lambda r: r["data"].update(poll_interval_secs="fast"),
        "data.poll_interval_secs: expected `float`, got `str`",
    ),
    (
        "strategy-validation",
        lambda r: _strategy(r).update(expiration_choice="furthest"),
        "strategies[0].config: expiration_choice was 'furthest', not one of",
    ),
    (
        "identifier",
        lambda r: _strategy(r).update(external_order_claims=["SPY"]),
        "strategies[0].config.external_order_claims[0]: invalid `InstrumentId` value 'SPY'",
    ),
    (
        "set-by-node",
        lambda r: r["execution"].update(account_id="VA1"),
        "execution.account_id: not allowed here; set it at the top level (account_id:)",
    ),
    (
        "environment",
        lambda r: r.update(environment="paper"),
        "environment: expected one of sandbox, live, got 'paper'",
    ),
    (
        "log-level",
        lambda r: r.update(log_level="LOUD"),
        "log_level: expected one of TRACE, DEBUG, INFO, WARNING, WARN, ERROR, OFF, got 'LOUD'",
    ),
    (
        "trader-id",
        lambda r: r.update(trader_id="TRADEFLY"),
        "trader_id: expected NAME-TAG (e.g. TRADEFLY-001), got 'TRADEFLY'",
    ),
    (
        "catalog",
        lambda r: r.update(catalog="no/such/catalog"),
        "catalog: no catalog folder at 'no/such/catalog'",
    ),
    (
        "load-id",
        lambda r: r["instruments"].update(load_ids=["SPY"]),
        "instruments.load_ids[0]: invalid `InstrumentId` value 'SPY'",
    ),
    (
        "import",
        lambda r: r["strategies"][0].update(config_path="strategies.nope:Config"),
        "strategies[0].config_path: cannot import 'strategies.nope:Config'",
    ),
    (
        "timeout-value",
        lambda r: r.update(timeouts={"connection": -1}),
        "timeouts.connection: expected seconds >= 0, got -1",
    ),
    (
        "actor-config",
        lambda r: r.update(
            actors=[
                {
                    "actor_path": "actors.trade_recorder:TradeRecorder",
                    "config_path": "actors.trade_recorder:TradeRecorderConfig",
                    "config": {"underlyng": "SPY"},
                }
            ]
        ),
        "actors[0].config.underlyng: unknown key (did you mean underlying?)",
    ),
    (
        "missing-path",
        lambda r: r["strategies"][0].pop("strategy_path"),
        "strategies[0].strategy_path: missing",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [m[1:] for m in LIVE_MUTATIONS], ids=[m[0] for m in LIVE_MUTATIONS]
)
def test_a_broken_live_config_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Mutation, message: str
) -> None:
    path = _write(tmp_path, LIVE, mutate)
    code, out, err = _check(capsys, path)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {path}: {message}")
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_state_store_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for value in ("data/state/x.sqlite", None):
        path = _write(tmp_path, LIVE, lambda r, v=value: r.update(state_store=v))
        assert _check(capsys, path)[0] == 0


def test_every_problem_gets_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def two_typos(raw: dict[str, Any]) -> None:
        raw.update(reconcilation={})
        _strategy(raw).update(max_open_trade=1)

    code, _, err = _check(capsys, _write(tmp_path, LIVE, two_typos))
    assert code == 2
    assert [line.split(": ")[2] for line in err.splitlines()] == [
        "reconcilation",
        "strategies[0].config.max_open_trade",
    ]


BACKTEST_MUTATIONS: list[tuple[str, Mutation, str]] = [
    ("top-level", lambda r: r.update(venu={}), "venu: unknown key (did you mean venue?)"),
    (
        "data",
        lambda r: r["data"].update(fill_modle="quotes"),
        "data.fill_modle: unknown key (did you mean fill_model?)",
    ),
    (
        "venue",
        lambda r: r["venue"].update(commission=1),
        "venue.commission: unknown key (did you mean commission_per_share?)",
    ),
    (
        "strategy",
        lambda r: _strategy(r).update(exit_dt=3),
        "strategies[0].config.exit_dt: unknown key (did you mean exit_dte?)",
    ),
    (
        "wrong-type",
        lambda r: r["venue"].update(starting_balance="lots"),
        "venue.starting_balance: expected `float`, got `str`",
    ),
    (
        "strategy-type",
        lambda r: _strategy(r).update(dte_max="x"),
        "strategies[0].config.dte_max: expected `int`, got `str`",
    ),
    (
        "strategy-validation",
        lambda r: _strategy(r).update(max_spread=-1),
        "strategies[0].config: max_spread was -1.0, not positive",
    ),
    (
        "strategy-path",
        lambda r: r["strategies"][0].update(strategy_path="strategies.structure_engine:Nope"),
        "strategies[0].strategy_path: cannot import 'strategies.structure_engine:Nope' "
        "(module 'strategies.structure_engine' has no attribute 'Nope')",
    ),
    (
        "retired-strategy-section",
        lambda r: r.update(strategy={"option_kind": "put"}),
        "strategy: replaced by a strategies: list of {strategy_path, config_path, config} "
        "(config: the old strategy: fields plus underlying:), as in configs/backtest/",
    ),
    (
        "retired-data-underlying",
        lambda r: r["data"].update(underlying="SPY"),
        "data.underlying: moved; give each strategy's config its underlying (or list them in "
        "data.underlyings)",
    ),
    (
        "no-strategies",
        lambda r: r.update(strategies=[]),
        "strategies: missing; a run needs at least one strategy",
    ),
    ("missing", lambda r: r.pop("venue"), "object missing required field `venue`"),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [m[1:] for m in BACKTEST_MUTATIONS],
    ids=[m[0] for m in BACKTEST_MUTATIONS],
)
def test_a_broken_backtest_config_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Mutation, message: str
) -> None:
    path = _write(tmp_path, BACKTEST, mutate)
    code, out, err = _check(capsys, path)
    assert (code, out) == (2, "")
    assert err == f"error: {path}: {message}\n"


def test_backtest_command_runs_the_same_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, BACKTEST, lambda r: _strategy(r).update(exit_dt=3))
    assert main(["backtest", str(path), "--catalog", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: strategies[0].config.exit_dt: unknown key")


def test_a_broken_node_config_names_the_client_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        NODE,
        lambda r: r["data_clients"]["ALPHAVANTAGE"]["config"].update(requests_per_min=5),
    )
    code, _, err = _check(capsys, path)
    assert code == 2
    assert err.startswith(
        f"error: {path}: data_clients.ALPHAVANTAGE.config.requests_per_min: unknown key "
        "(did you mean requests_per_minute?)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", "not valid YAML: "),
        ("- a\n- b\n", "not a YAML mapping of keys (was list)"),
        ("foo: 1\nbar: 2\n", "neither a backtest config ("),
    ],
    ids=["garbage", "list", "neither"],
)
def test_a_file_of_no_known_kind_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    code, _, err = _check(capsys, path)
    assert code == 2
    assert err.startswith(f"error: {path}: {message}")
    assert len(err.splitlines()) == 1


def test_an_unreadable_file_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    code, _, err = _check(capsys, tmp_path, binary)
    assert code == 2
    assert err.splitlines() == [
        f"error: {tmp_path}: could not be read (Is a directory)",
        f"error: {binary}: not a text file (not UTF-8)",
    ]


def test_a_missing_file_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nope.yaml"
    assert _check(capsys, path)[1:] == ("", f"error: {path}: file not found\n")
    assert main(["backtest", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path}: file not found\n"


def test_configs_given_to_the_wrong_command_fail_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["live", str(BACKTEST)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"error: {BACKTEST}: a backtest config, not a live config (run tradefly backtest)\n"
    )
    assert main(["backtest", str(LIVE)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {LIVE}: a live config, not a backtest config (run tradefly live)\n"


def test_the_kind_is_told_by_the_most_keys() -> None:
    assert config_kind({"name": "x", "data": {}, "venue": {}, "strategy": {}}) == "backtest"
    assert config_kind({"strategies": [], "data": {}}) == "live"
    assert config_kind({"data_clients": {}, "trader_id": "A-1"}) == "node"
    assert config_kind({"strategy": {}, "strategies": []}) == "backtest"  # the retired key
    assert config_kind({"venue": {}, "environment": "sandbox", "strategies": []}) is None
    assert config_kind({"data": {}}) is None


def test_the_installed_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, LIVE, lambda r: _strategy(r).update(max_open_trade=1))
    tradefly = Path(sys.executable).parent / "tradefly"
    result = subprocess.run(
        [str(tradefly), "check", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {path}: strategies[0].config.max_open_trade: unknown key "
        "(did you mean max_open_trades?)\n"
    )

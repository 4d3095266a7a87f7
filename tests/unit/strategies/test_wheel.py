"""The wheel's phases and cost-basis arithmetic, by hand; its cycles survive a store reopen."""

import datetime as dt
from pathlib import Path

import msgspec
import pytest
from nautilus_trader.model.enums import OptionKind
from nautilus_trader.model.identifiers import InstrumentId

from options.market_calendar import session_close_ns
from options.structures import Side, StrikeByDelta, StrikeByMoneyness
from statestore import StateStore
from strategies.structure_engine import StructureEngineConfig, validate_config
from strategies.toolkit.chain import ChainQuote, ChainSnapshot
from strategies.toolkit.wheel import (
    REPORT_COLUMNS,
    Wheel,
    WheelConfig,
    WheelPhase,
    call_structure,
    calls_at_or_above,
    from_record,
    to_record,
)

FEE = 0.65  # dollars per contract


def _ns(day: int, month: int) -> int:
    return session_close_ns(dt.date(2021, month, day))


def _one_full_cycle() -> Wheel:
    """Put 418 sold for 6.19 expires; put 415 sold for 5.96 assigned; call 421 at 3.68 expires;
    call 422 at 3.19 assigned; one contract each, 0.65 a contract, no fee on the shares."""
    wheel = Wheel()
    wheel.option_filled(False, True, 6.19, 1, FEE, _ns(4, 1))
    wheel.option_filled(False, True, 5.96, 1, FEE, _ns(16, 4))
    wheel.shares_filled(True, 415.0, 100, 0.0, _ns(21, 5))
    wheel.option_filled(True, True, 3.68, 1, FEE, _ns(21, 5))
    wheel.option_filled(True, True, 3.19, 1, FEE, _ns(18, 6))
    wheel.shares_filled(False, 422.0, 100, 0.0, _ns(16, 7))
    return wheel


def test_phases_put_until_assigned_call_until_called_away_then_put() -> None:
    wheel = Wheel()
    assert wheel.phase == WheelPhase.PUT and wheel.current is None
    wheel.option_filled(False, True, 6.19, 1, FEE, _ns(4, 1))
    assert wheel.phase == WheelPhase.PUT  # a put open, no shares yet
    wheel.shares_filled(True, 418.0, 100, 0.0, _ns(19, 2))
    assert wheel.phase == WheelPhase.CALL
    wheel.option_filled(True, True, 3.00, 1, FEE, _ns(22, 2))
    assert wheel.phase == WheelPhase.CALL  # the call expired worthless: sell the next one
    wheel.shares_filled(False, 425.0, 100, 0.0, _ns(19, 3))
    assert wheel.phase == WheelPhase.PUT and wheel.current is None
    wheel.option_filled(False, True, 5.00, 1, FEE, _ns(22, 3))
    assert [cycle.number for cycle in wheel.cycles] == [1, 2]
    assert wheel.current is wheel.cycles[1]


def test_cost_basis_is_the_strike_less_every_premium_of_the_cycle_net_of_fees() -> None:
    wheel = Wheel()
    wheel.option_filled(False, True, 6.19, 1, FEE, _ns(26, 4))
    assert wheel.current is not None and wheel.current.cost_basis is None  # no shares yet
    wheel.shares_filled(True, 418.0, 100, 0.0, _ns(21, 5))
    # 418 - (619 - 0.65) / 100 = 411.8165
    assert wheel.current.cost_basis == pytest.approx(411.8165)
    wheel.option_filled(True, True, 3.00, 1, FEE, _ns(24, 5))
    # 418 - (619 + 300 - 1.30) / 100 = 408.8230
    assert wheel.current.cost_basis == pytest.approx(408.8230)


def test_a_full_cycle_reports_premiums_prices_share_pnl_total_and_days() -> None:
    (cycle,) = _one_full_cycle().cycles
    assert cycle.complete
    assert (cycle.puts, cycle.calls) == (2, 2)
    assert cycle.put_premium == pytest.approx(619 + 596)
    assert cycle.call_premium == pytest.approx(368 + 319)
    assert cycle.fees == pytest.approx(4 * 0.65)
    assert (cycle.assignment_price, cycle.called_away_price) == (415.0, 422.0)
    # 415 - (1215 + 687 - 2.60) / 100 = 396.006
    assert cycle.cost_basis == pytest.approx(396.006)
    assert cycle.share_pnl == pytest.approx(700.0)
    # 1215 + 687 - 2.60 + 700 = 2599.40
    assert cycle.total_pnl == pytest.approx(2599.40)
    assert cycle.days == (dt.date(2021, 7, 16) - dt.date(2021, 1, 4)).days == 193
    row = cycle.report_row("S-1")
    assert list(row) == list(REPORT_COLUMNS)
    assert row["status"] == "complete" and row["cost_basis"] == 396.006
    assert row["start_time"] == "2021-01-04T21:00:00.000000Z"
    assert row["called_away_time"] == "2021-07-16T20:00:00.000000Z"


def test_a_put_bought_back_lowers_the_premium_and_pays_its_fee() -> None:
    wheel = Wheel()
    wheel.option_filled(False, True, 6.19, 1, FEE, _ns(26, 4))
    wheel.option_filled(False, False, 3.10, 1, FEE, _ns(3, 5))  # take profit: buy to close
    cycle = wheel.current
    assert cycle is not None and cycle.puts == 1
    assert cycle.put_premium == pytest.approx(309.0)
    assert cycle.fees == pytest.approx(1.30)
    assert cycle.share_pnl is None and cycle.total_pnl is None and cycle.days is None
    assert cycle.report_row("S-1")["status"] == "open"


def test_a_roll_booked_at_its_combo_net_price_equals_its_two_legs() -> None:
    # Leg by leg: put sold 6.19, bought back 3.10, successor sold 4.00; then a call sold
    # 3.19 rolled for a debit (bought back 5.67, successor sold 1.60). At the net prices:
    # the put roll +0.90 (4.00 - 3.10), the call roll -4.07 (1.60 - 5.67).
    legs, nets = Wheel(), Wheel()
    for wheel in (legs, nets):
        wheel.option_filled(False, True, 6.19, 1, FEE, _ns(26, 4))
    legs.option_filled(False, False, 3.10, 1, FEE, _ns(3, 5))
    legs.option_filled(False, True, 4.00, 1, FEE, _ns(3, 5))
    nets.roll_filled(False, 0.90, 1, 2 * FEE, _ns(3, 5))
    for wheel in (legs, nets):
        wheel.shares_filled(True, 415.0, 100, 0.0, _ns(21, 5))
        wheel.option_filled(True, True, 3.19, 1, FEE, _ns(21, 5))
    legs.option_filled(True, False, 5.67, 1, FEE, _ns(22, 6))
    legs.option_filled(True, True, 1.60, 1, FEE, _ns(22, 6))
    nets.roll_filled(True, 1.60 - 5.67, 1, 2 * FEE, _ns(22, 6))
    (by_legs,), (by_net,) = legs.cycles, nets.cycles
    assert (by_net.puts, by_net.calls) == (by_legs.puts, by_legs.calls) == (2, 2)
    assert by_net.put_premium == pytest.approx(by_legs.put_premium) == pytest.approx(709.0)
    assert by_net.call_premium == pytest.approx(by_legs.call_premium) == pytest.approx(-88.0)
    # 415 - (709 - 88 - 6 x 0.65) / 100
    assert by_net.cost_basis == pytest.approx(by_legs.cost_basis) == pytest.approx(408.829)


def test_two_calls_on_200_shares_called_away_in_two_steps() -> None:
    wheel = Wheel()
    wheel.option_filled(False, True, 6.00, 2, 2 * FEE, _ns(4, 1))
    wheel.shares_filled(True, 400.0, 200, 0.0, _ns(19, 2))
    wheel.option_filled(True, True, 2.00, 2, 2 * FEE, _ns(22, 2))
    wheel.shares_filled(False, 410.0, 100, 0.0, _ns(19, 3))
    assert wheel.phase == WheelPhase.CALL  # 100 shares still held
    wheel.shares_filled(False, 412.0, 100, 0.0, _ns(26, 3))
    (cycle,) = wheel.cycles
    assert wheel.phase == WheelPhase.PUT and cycle.complete
    assert cycle.called_away_price == pytest.approx(411.0)
    assert cycle.share_pnl == pytest.approx(100 * 10 + 100 * 12)
    # 400 - (1200 + 400 - 2.60) / 200 = 392.013
    assert cycle.cost_basis == pytest.approx(392.013)


def test_cycles_survive_a_store_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    wheel = Wheel()
    wheel.option_filled(False, True, 5.96, 1, FEE, _ns(16, 4))
    cycle = wheel.shares_filled(True, 415.0, 100, 0.0, _ns(21, 5))
    with StateStore(path) as store:
        store.save_wheel_cycle("S-1", cycle.number, to_record(cycle), _ns(21, 5))
    with StateStore(path) as store:
        reopened = Wheel([from_record(record) for record in store.wheel_cycles("S-1")])
        assert store.wheel_cycles("S-2") == []
    assert reopened.phase == WheelPhase.CALL
    assert reopened.current is not None
    assert reopened.current.cost_basis == pytest.approx(415 - (596 - 0.65) / 100)


def test_calls_below_the_cost_basis_are_removed_puts_kept() -> None:
    def quote(kind: OptionKind, strike: float) -> ChainQuote:
        symbol = f"SPY210618{kind.name[0]}00{int(strike * 1000):06d}.US"
        return ChainQuote(
            InstrumentId.from_str(symbol),
            kind,
            strike,
            dt.date(2021, 6, 18),
            28,
            1.0,
            1.1,
            10.0,
            10.0,
            None,
        )

    snapshot = ChainSnapshot(
        dt.date(2021, 5, 21),
        414.94,
        (
            quote(OptionKind.CALL, 408.0),
            quote(OptionKind.CALL, 409.0),
            quote(OptionKind.PUT, 400.0),
        ),
    )
    kept = calls_at_or_above(snapshot, 408.823)
    assert [(q.kind, q.strike) for q in kept.quotes] == [
        (OptionKind.CALL, 409.0),
        (OptionKind.PUT, 400.0),
    ]


def test_the_call_phase_is_the_covered_call_preset_by_delta_or_strike() -> None:
    by_delta = call_structure(WheelConfig(call_params={"delta": 0.25}))
    (leg,) = by_delta.legs
    assert by_delta.name == "covered_call" and by_delta.stock_shares == 100
    assert (leg.kind, leg.side, leg.strike) == (OptionKind.CALL, Side.SHORT, StrikeByDelta(0.25))
    by_strike = call_structure(
        WheelConfig(call_params={"strike": {"moneyness": 1.02}}, call_dte_min=7, call_dte_max=14)
    )
    assert by_strike.legs[0].strike == StrikeByMoneyness(1.02)
    assert (by_strike.expirations[0].min_dte, by_strike.expirations[0].max_dte) == (7, 14)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"structure": "covered_call", "assigned_shares": "hold", "wheel": WheelConfig()},
            "covered_call' buys its shares",
        ),
        ({"structure": "short_put", "wheel": WheelConfig()}, "wheel needs structure"),
        (
            {"structure": "cash_secured_put", "wheel": WheelConfig()},
            "wheel needs assigned_shares: hold",
        ),
        (
            {
                "structure": "cash_secured_put",
                "assigned_shares": "hold",
                "wheel": WheelConfig(call_dte_min=30, call_dte_max=20),
            },
            "wheel.call_dte window",
        ),
        (
            {
                "structure": "cash_secured_put",
                "assigned_shares": "hold",
                "wheel": WheelConfig(call_params={"width": 5}),
            },
            "wheel.call_params",
        ),
    ],
)
def test_wheel_configs_that_cannot_run_are_refused_naming_the_field(
    fields: dict[str, object], message: str
) -> None:
    config = StructureEngineConfig(underlying="SPY", **fields)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        validate_config(config)


def test_a_wheel_config_nets_its_positions_and_claims_puts_and_calls() -> None:
    from strategies.structure_engine import StructureEngine

    config = StructureEngineConfig(
        underlying="SPY",
        structure="cash_secured_put",
        assigned_shares="hold",
        wheel=WheelConfig(),
    )
    validate_config(config)
    assert config.option_kind is None  # puts and calls
    assert StructureEngine(config).config.oms_type == "NETTING"


def test_the_sandbox_portfolio_config_runs_a_wheel_and_an_iron_condor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import yaml

    from tests.conftest import PROJECT_ROOT
    from tradefly.cli import main

    path = PROJECT_ROOT / "configs" / "live" / "tradier_sandbox_portfolio.yaml"
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: OK: live config (paper)\n"
    wheel, condor = (
        msgspec.convert(s["config"], StructureEngineConfig)
        for s in yaml.safe_load(path.read_text())["strategies"]
    )
    assert (wheel.underlying, wheel.structure, wheel.assigned_shares) == (
        "IWM",
        "cash_secured_put",
        "hold",
    )
    assert wheel.wheel == WheelConfig(
        call_params={"delta": 0.30}, call_dte_min=30, call_dte_max=45, calls_below_cost_basis=False
    )
    assert (condor.underlying, condor.structure, condor.wheel) == ("SPY", "iron_condor", None)

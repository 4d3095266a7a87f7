"""Roll rules: triggers at and around each threshold, what may go out, what is resolved."""

import datetime as dt

import msgspec
import pytest
from nautilus_trader.model.enums import OptionKind, OrderSide
from nautilus_trader.model.identifiers import InstrumentId

from journal.chains import RollChain, roll_chains
from options import presets
from options.structures import DteWindow, FixedStrike
from statestore import StateStore, StoredLeg, StoredStructure
from strategies.structure_engine import StructureEngineConfig, validate_config
from strategies.toolkit.book import Leg, Trade
from strategies.toolkit.rolls import (
    RollRules,
    RollTrigger,
    roll_combo_ratios,
    roll_net_credit,
    roll_target,
)
from strategies.toolkit.structure_selection import Selection, select
from tests.conftest import PROJECT_ROOT
from tests.unit.strategies.test_toolkit import SESSION, quote, snapshot
from tradefly.backtest.config import load_run_config

FEB19 = dt.date(2021, 2, 19)
MAR19 = dt.date(2021, 3, 19)


@pytest.mark.parametrize(("dte", "fires"), [(22, False), (21, True), (20, True)])
def test_dte_trigger_at_and_below_the_threshold(dte: int, fires: bool) -> None:
    rules = RollRules(dte=21)
    assert rules.trigger(credit=2.0, debit_to_close=1.5, dte=dte) == (
        RollTrigger.DTE if fires else None
    )


@pytest.mark.parametrize(("debit", "fires"), [(1.01, False), (1.0, True), (0.99, True)])
def test_profit_trigger_of_a_credit(debit: float, fires: bool) -> None:
    # Credit 2.00, roll at half of it kept: a debit to close of 1.00 or less.
    rules = RollRules(profit_pct=0.5)
    assert rules.trigger(2.0, debit, dte=30) == (RollTrigger.PROFIT if fires else None)


@pytest.mark.parametrize(("debit", "fires"), [(3.99, False), (4.0, True), (4.5, True)])
def test_loss_trigger_of_a_credit(debit: float, fires: bool) -> None:
    # Credit 2.00, roll at twice the credit to close (a loss equal to the credit).
    rules = RollRules(loss_multiple=2.0)
    assert rules.trigger(2.0, debit, dte=30) == (RollTrigger.LOSS if fires else None)


@pytest.mark.parametrize(("receive", "fires"), [(1.01, False), (1.0, True), (0.5, True)])
def test_loss_trigger_of_a_debit(receive: float, fires: bool) -> None:
    # Debit 2.00 paid; half of it lost when closing receives 1.00 or less.
    rules = RollRules(loss_pct=0.5)
    assert rules.trigger(-2.0, -receive, dte=30) == (RollTrigger.LOSS if fires else None)


@pytest.mark.parametrize(("delta", "fires"), [(-0.59, False), (-0.60, True), (-0.72, True)])
def test_short_delta_trigger_on_the_absolute_delta(delta: float, fires: bool) -> None:
    rules = RollRules(short_delta=0.6)
    assert rules.trigger(2.0, 2.5, dte=30, short_deltas=(delta,)) == (
        RollTrigger.SHORT_DELTA if fires else None
    )
    assert rules.trigger(2.0, 2.5, dte=30, short_deltas=(-delta,)) == (
        RollTrigger.SHORT_DELTA if fires else None
    )


def test_loss_comes_before_delta_and_dte() -> None:
    rules = RollRules(dte=21, loss_multiple=2.0, short_delta=0.6)
    assert rules.trigger(2.0, 4.0, dte=10, short_deltas=(-0.7,)) == RollTrigger.LOSS
    assert rules.trigger(2.0, 3.0, dte=10, short_deltas=(-0.7,)) == RollTrigger.SHORT_DELTA
    assert rules.trigger(2.0, 3.0, dte=10, short_deltas=(-0.5,)) == RollTrigger.DTE


def test_no_trigger_no_rolls() -> None:
    rules = RollRules()
    assert not rules.enabled
    assert rules.trigger(2.0, 100.0, dte=0, short_deltas=(-0.99,)) is None
    assert RollRules(dte=0).enabled


def test_credit_only_refuses_a_debit_and_an_even_roll() -> None:
    # The 2021-01-29 DTE roll of the real SPY data: buy back SPY210219P00370000 at its ask
    # 9.98, sell SPY210319P00350000 at its bid 9.39: a net debit of 0.59.
    net = roll_net_credit(debit_to_close=9.98, new_credit=9.39)
    assert net == pytest.approx(-0.59)
    rules = RollRules(dte=21, credit_only=True)
    assert rules.allows(0, net) == "net credit -0.59 of the roll is not positive"
    assert rules.allows(0, 0.0) == "net credit 0.00 of the roll is not positive"
    assert rules.allows(0, 0.01) is None
    assert RollRules(dte=21).allows(0, net) is None


def test_max_rolls_per_chain() -> None:
    rules = RollRules(dte=21, max_rolls=2)
    assert rules.allows(0, 1.0) is None
    assert rules.allows(1, 1.0) is None
    assert rules.allows(2, 1.0) == "max_rolls 2 reached"
    assert RollRules(dte=21).allows(100, 1.0) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dte": -1}, "roll_dte was -1, not >= 0"),
        ({"profit_pct": 1.5}, "roll_profit_pct was 1.5, not in (0, 1]"),
        ({"loss_multiple": 1.0}, "roll_loss_multiple was 1.0, not > 1"),
        ({"loss_pct": 0.0}, "roll_loss_pct was 0.0, not in (0, 1]"),
        ({"short_delta": 1.0}, "roll_short_delta was 1.0, not in (0, 1)"),
        ({"to": "up"}, "roll_to was 'up', not one of ('out', 'strikes', 'out_and_strikes')"),
        ({"max_rolls": 0}, "max_rolls was 0, not >= 1"),
    ],
)
def test_bad_roll_fields_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        RollRules(**kwargs)  # type: ignore[arg-type]
    assert str(error.value) == message


def test_roll_out_keeps_the_strikes_on_a_later_expiration() -> None:
    put = presets.short_put(delta=0.5, dte=DteWindow(25, 80))
    target, skipped = roll_target(put, "out", [370.0], FEB19, SESSION, {FEB19, MAR19})
    assert target.legs[0].strike == FixedStrike(370.0)
    assert skipped == {FEB19}
    chain = snapshot(quote(370, FEB19, -0.5), quote(365, MAR19, -0.45), quote(370, MAR19, -0.52))
    chosen = select(target, chain, excluded=skipped)
    assert isinstance(chosen, Selection)
    assert [(leg.quote.strike, leg.quote.expiration) for leg in chosen.legs] == [(370, MAR19)]


def test_roll_strikes_stays_on_the_expiration_and_chooses_again() -> None:
    put = presets.short_put(delta=0.5, dte=DteWindow(25, 80))
    target, skipped = roll_target(put, "strikes", [370.0], FEB19, SESSION, {FEB19, MAR19})
    assert target.expirations == (DteWindow(46, 46),) and skipped == set()
    chain = snapshot(quote(370, FEB19, -0.62), quote(360, FEB19, -0.49), quote(360, MAR19, -0.5))
    chosen = select(target, chain, expiration_choice="best_first_leg")
    assert isinstance(chosen, Selection)
    assert [(leg.quote.strike, leg.quote.expiration) for leg in chosen.legs] == [(360, FEB19)]


def test_roll_out_and_strikes_resolves_the_preset_after_the_front_expiration() -> None:
    condor = presets.iron_condor(short_delta=0.2, width=10.0, dte=DteWindow(25, 60))
    target, skipped = roll_target(condor, "out_and_strikes", [], MAR19, SESSION, {FEB19, MAR19})
    assert target is condor and skipped == {FEB19, MAR19}


def test_roll_targets_needing_one_expiration_refuse_a_calendar() -> None:
    calendar = presets.calendar(kind=OptionKind.CALL)
    for to in ("out", "strikes"):
        with pytest.raises(ValueError, match="needs a single-expiration structure"):
            roll_target(calendar, to, [370.0, 370.0], FEB19, SESSION, {FEB19})


def test_the_store_walks_a_roll_chain() -> None:
    store = StateStore(":memory:")
    leg = (StoredLeg("SPY210219P00370000.US", "SELL", 1),)
    for structure_id, parent in (("a", None), ("b", "a"), ("c", "b"), ("x", None)):
        store.save_structure(
            StoredStructure(
                structure_id, "S-1", "SPY", "2021-02-19", "open", leg, rolled_from=parent
            )
        )
    assert store.roll_chain("c") == ["a", "b", "c"]
    assert store.roll_chain("a") == ["a"]
    assert store.roll_chain("x") == ["x"]
    assert store.roll_chain("nope") == []
    store.close()


def test_a_chains_pnl_is_the_sum_of_its_trades() -> None:
    records = [
        {"kind": "trade", "id": "a", "roll_chain": "a", "entry_time": "1", "pnl": 128.35},
        {"kind": "trade", "id": "x", "roll_chain": "x", "entry_time": "2", "pnl": None},
        {"kind": "entry_blocked", "id": "gate-3", "entry_time": "3"},
        {"kind": "trade", "id": "b", "roll_chain": "a", "entry_time": "4", "pnl": 938.7},
    ]
    assert roll_chains(records) == [
        RollChain("a", ("a", "b"), pytest.approx(1067.05), True),
        RollChain("x", ("x",), 0.0, False),
    ]


def _trade(expiration: dt.date, *legs: tuple[float, OrderSide, int]) -> Trade:
    return Trade(
        expiration,
        [
            Leg(
                InstrumentId.from_str(f"SPY{expiration:%y%m%d}P{int(strike * 1000):08d}.US"),
                side,
                quantity,
            )
            for strike, side, quantity in legs
        ],
    )


def test_one_combo_buys_back_the_old_legs_and_opens_the_new() -> None:
    old = _trade(FEB19, (470, OrderSide.SELL, 2), (460, OrderSide.BUY, 2))
    new = _trade(MAR19, (470, OrderSide.SELL, 2), (460, OrderSide.BUY, 2))
    assert [(i.symbol.value, r) for i, r in roll_combo_ratios(old, new) or []] == [
        ("SPY210219P00470000", 1),  # short bought back
        ("SPY210219P00460000", -1),  # long sold
        ("SPY210319P00470000", -1),  # short opened
        ("SPY210319P00460000", 1),  # long opened
    ]


def test_rolls_that_are_not_one_combo() -> None:
    spread = _trade(FEB19, (470, OrderSide.SELL, 1), (460, OrderSide.BUY, 1))
    later = _trade(MAR19, (470, OrderSide.SELL, 1), (460, OrderSide.BUY, 1))
    four_legs = _trade(
        FEB19,
        (470, OrderSide.SELL, 1),
        (460, OrderSide.BUY, 1),
        (450, OrderSide.SELL, 1),
        (440, OrderSide.BUY, 1),
    )
    assert roll_combo_ratios(four_legs, later) is None  # 6 legs: more than Tradier's 4
    same_contract = _trade(FEB19, (470, OrderSide.SELL, 1), (450, OrderSide.BUY, 1))
    assert roll_combo_ratios(spread, same_contract) is None
    twice = _trade(MAR19, (470, OrderSide.SELL, 2), (460, OrderSide.BUY, 2))
    assert roll_combo_ratios(spread, twice) is None  # 1 structure closed, 2 opened
    spread.legs[0].closed_quantity = 1
    assert roll_combo_ratios(spread, later) is None


def test_the_engine_rolls_one_structure_or_the_wheel_not_choices() -> None:
    def config(**fields: object) -> StructureEngineConfig:
        return msgspec.convert(
            {"underlying": "SPY", "structure": "short_put", "roll_dte": 21, **fields},
            StructureEngineConfig,
        )

    with pytest.raises(ValueError, match="roll fields need one structure, not choices"):
        validate_config(config(structure="", choices=[{"structure": "short_put"}]))
    validate_config(config(structure="cash_secured_put", wheel={}, assigned_shares="hold"))


def test_the_engine_names_a_bad_roll_field() -> None:
    config = StructureEngineConfig(underlying="SPY", structure="short_put", roll_to="sideways")
    with pytest.raises(ValueError, match="roll_to was 'sideways'"):
        validate_config(config)


def test_a_backtest_of_rolls_replays_until_the_last_roll_can_expire() -> None:
    # The roll config: entries until 2021-10-31, 50 DTE at most, one roll per chain: the last
    # put may expire 2 x 50 days after the last entry; 10 days of margin.
    config = load_run_config(PROJECT_ROOT / "configs" / "backtest" / "spy2021_put_roll.yaml")
    assert config.replay_end() == dt.date(2021, 10, 31) + dt.timedelta(days=2 * 50 + 10)
    assert config.with_strategy_fields(max_rolls=3).replay_end() == dt.date(
        2021, 10, 31
    ) + dt.timedelta(days=4 * 50 + 10)
    unlimited = config.with_strategy_fields(max_rolls=None)
    with pytest.raises(ValueError) as error:
        unlimited.replay_end()
    assert str(error.value) == (
        "data.end: not set, and strategies[0] rolls without max_rolls (no last expiry to run "
        "to); set data.end or max_rolls"
    )

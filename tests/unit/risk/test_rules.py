"""Each risk rule alone, with injected time and equity, at and around its thresholds."""

import datetime as dt

import msgspec
import pytest

from options.market_calendar import NEW_YORK
from risk.daily_loss import DailyLossCap, DailyLossCapConfig
from risk.decision import ALLOW, Action, RiskDecision, combine
from risk.drawdown import DrawdownTier, DrawdownTiers, DrawdownTiersConfig
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.milestones import EquityMilestones, MilestonesConfig

HOUR_NS = 3_600 * 1_000_000_000


def ny_ns(day: str, hour: int = 16) -> int:
    when = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=NEW_YORK)
    return int(when.timestamp() * 1e9)


# -- decisions -------------------------------------------------------------------------------


def test_combine_takes_the_most_severe_action_and_multiplies_reduce_factors() -> None:
    half = RiskDecision(Action.REDUCE, 0.5, "a", "r1")
    quarter = RiskDecision(Action.REDUCE, 0.5, "b", "r2")
    assert combine([ALLOW, half, quarter]) == RiskDecision(Action.REDUCE, 0.25, "a; b", "r1,r2")
    block = RiskDecision(Action.BLOCK, 0.0, "c", "r3")
    assert combine([half, block]).action == Action.BLOCK
    assert combine([half, block]).factor == 0.0
    assert combine([ALLOW, ALLOW]) == ALLOW


def test_a_decision_rounds_sizes_down_and_survives_its_byte_form() -> None:
    decision = RiskDecision(Action.REDUCE, 0.5, "why", "drawdown")
    assert [decision.sized(q) for q in (1, 2, 3, 7)] == [0, 1, 1, 3]
    assert RiskDecision.from_bytes(decision.to_bytes()) == decision
    with pytest.raises(ValueError, match="factor"):
        RiskDecision(Action.BLOCK, 0.5)


# -- daily loss cap --------------------------------------------------------------------------


def test_daily_loss_cap_trips_at_the_cap_from_the_previous_close() -> None:
    rule = DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05))
    state = rule.evaluate(ny_ns("2021-03-01"), 100_000.0, {}).state
    just_above = rule.evaluate(ny_ns("2021-03-02"), 95_000.01, state)
    assert just_above.decision == ALLOW
    assert just_above.state["start_equity"] == 100_000.0
    at_cap = rule.evaluate(ny_ns("2021-03-02"), 95_000.0, state)
    assert at_cap.decision.action == Action.BLOCK
    assert "5.00%" in at_cap.decision.reason


def test_daily_loss_cap_holds_for_the_session_and_a_new_session_resets_it() -> None:
    rule = DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05, action="flatten"))
    state = rule.evaluate(ny_ns("2021-03-02", 10), 100_000.0, {}).state
    state = rule.evaluate(ny_ns("2021-03-02", 11), 90_000.0, state).state
    recovered = rule.evaluate(ny_ns("2021-03-02", 15), 99_000.0, state)
    assert recovered.decision.action == Action.FLATTEN
    next_day = rule.evaluate(ny_ns("2021-03-03", 10), 99_000.0, recovered.state)
    assert next_day.decision == ALLOW
    assert next_day.state["start_equity"] == 99_000.0


def test_daily_loss_cap_session_is_the_new_york_date() -> None:
    rule = DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05))
    state = rule.evaluate(ny_ns("2021-03-02", 9), 100_000.0, {}).state
    late_evening = rule.evaluate(ny_ns("2021-03-02", 23), 94_000.0, state)  # 04:00 UTC next day
    assert late_evening.state["session"] == "2021-03-02"
    assert late_evening.decision.action == Action.BLOCK


def test_daily_loss_cap_owner_reset_releases_it_within_the_session() -> None:
    rule = DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05))
    state = rule.evaluate(ny_ns("2021-03-02", 10), 100_000.0, {}).state
    state = rule.evaluate(ny_ns("2021-03-02", 11), 90_000.0, state).state
    reset = rule.apply_command("reset", ny_ns("2021-03-02", 12), 90_000.0, state)
    assert reset is not None
    assert rule.evaluate(ny_ns("2021-03-02", 12), 90_000.0, reset).decision == ALLOW
    assert rule.apply_command("kill_switch_on", 0, 1.0, state) is None


def test_daily_loss_cap_refuses_a_cap_outside_zero_one() -> None:
    with pytest.raises(ValueError, match="max_loss_fraction"):
        DailyLossCapConfig(max_loss_fraction=1.5)


# -- drawdown tiers --------------------------------------------------------------------------


def _tiers(cooldown_secs: float = 3_600.0) -> DrawdownTiers:
    return DrawdownTiers(DrawdownTiersConfig(cooldown_secs=cooldown_secs))


@pytest.mark.parametrize(
    ("equity", "action", "factor"),
    [
        (90_000.01, Action.ALLOW, 1.0),
        (90_000.0, Action.ALLOW, 1.0),  # warn: allowed, with a reason
        (85_000.01, Action.ALLOW, 1.0),
        (85_000.0, Action.REDUCE, 0.5),
        (75_000.01, Action.REDUCE, 0.5),
        (75_000.0, Action.FLATTEN, 0.0),
    ],
)
def test_drawdown_tiers_at_and_around_each_threshold(
    equity: float, action: Action, factor: float
) -> None:
    rule = _tiers()
    state = rule.evaluate(0, 100_000.0, {}).state
    decision = rule.evaluate(1, equity, state).decision
    assert (decision.action, decision.factor) == (action, factor)
    assert ("tier 10% warn" in decision.reason) == (equity <= 90_000.0)


def test_drawdown_peak_follows_equity_up() -> None:
    rule = _tiers()
    state = rule.evaluate(0, 100_000.0, {}).state
    state = rule.evaluate(1, 120_000.0, state).state
    assert state["peak"] == 120_000.0
    assert rule.evaluate(2, 102_000.0, state).decision.action == Action.REDUCE  # 15% of 120k


def test_drawdown_reduce_tier_stays_for_its_cooldown_then_ends() -> None:
    rule = _tiers(cooldown_secs=3_600.0)
    state = rule.evaluate(0, 100_000.0, {}).state
    state = rule.evaluate(HOUR_NS, 84_000.0, state).state
    cooling = rule.evaluate(2 * HOUR_NS - 1, 99_000.0, state)
    assert cooling.decision.action == Action.REDUCE
    after = rule.evaluate(2 * HOUR_NS, 99_000.0, cooling.state)
    assert after.decision == ALLOW


def test_drawdown_flatten_tier_latches_until_the_owner_resets() -> None:
    rule = _tiers(cooldown_secs=0.0)
    state = rule.evaluate(0, 100_000.0, {}).state
    state = rule.evaluate(1, 70_000.0, state).state
    recovered = rule.evaluate(10**18, 100_000.0, state)
    assert recovered.decision.action == Action.FLATTEN
    assert "latched" in recovered.decision.reason
    reset = rule.apply_command("reset", 10**18, 80_000.0, recovered.state)
    assert reset == {"peak": 80_000.0, "until": {}, "latched": []}
    assert rule.evaluate(10**18 + 1, 80_000.0, reset).decision == ALLOW


def test_drawdown_tier_latch_can_be_configured() -> None:
    config = msgspec.convert(
        {"tiers": [{"drawdown": 0.2, "action": "block", "latch": False}], "cooldown_secs": 0},
        DrawdownTiersConfig,
    )
    rule = DrawdownTiers(config)
    state = rule.evaluate(0, 100.0, {}).state
    state = rule.evaluate(1, 79.0, state).state
    assert rule.evaluate(1, 79.0, state).decision.action == Action.BLOCK
    assert rule.evaluate(2, 99.0, state).decision == ALLOW


def test_drawdown_tier_config_is_checked() -> None:
    with pytest.raises(ValueError, match="drawdown was"):
        DrawdownTier(drawdown=0.0, action="warn")
    with pytest.raises(ValueError, match="factor was"):
        DrawdownTier(drawdown=0.1, action="reduce", factor=1.0)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"tiers": [{"drawdown": 0.1, "action": "panic"}]}, DrawdownTiersConfig)


# -- kill switch ---------------------------------------------------------------------------


def test_kill_switch_follows_the_file() -> None:
    present: set[str] = set()
    rule = KillSwitch(KillSwitchConfig(file="/run/stop"), exists=present.__contains__)
    assert rule.evaluate(0, 1.0, {}).decision == ALLOW
    present.add("/run/stop")
    decision = rule.evaluate(1, 1.0, {}).decision
    assert decision.action == Action.BLOCK
    assert "/run/stop exists" in decision.reason


def test_kill_switch_owner_command_turns_it_on_and_off_and_can_flatten() -> None:
    rule = KillSwitch(KillSwitchConfig(flatten=True), exists=lambda _p: False)
    on = rule.apply_command("kill_switch_on", 0, 1.0, {})
    assert on is not None
    assert rule.evaluate(1, 1.0, on).decision.action == Action.FLATTEN
    off = rule.apply_command("kill_switch_off", 2, 1.0, on)
    assert off is not None
    assert rule.evaluate(3, 1.0, off).decision == ALLOW


# -- milestones ------------------------------------------------------------------------------


def _walk(rule: EquityMilestones, path: list[float]) -> list[list[float]]:
    state: dict[str, object] = {}
    seen = []
    for step, equity in enumerate(path):
        result = rule.evaluate(step, equity, state)
        state = result.state
        seen.append([m.multiple for m in result.milestones])
    return seen


def test_milestones_fire_once_at_each_doubling() -> None:
    rule = EquityMilestones(MilestonesConfig(baseline=10_000.0))
    path = [10_000.0, 19_999.99, 20_000.0, 20_100.0, 15_000.0, 20_100.0, 39_999.0, 85_000.0]
    assert _walk(rule, path) == [[], [], [2.0], [], [], [], [], [4.0, 8.0]]


def test_milestones_baseline_defaults_to_the_first_equity_seen() -> None:
    rule = EquityMilestones(MilestonesConfig())
    assert _walk(rule, [50_000.0, 99_000.0, 100_000.0]) == [[], [], [2.0]]


def test_milestone_pause_blocks_until_reset() -> None:
    rule = EquityMilestones(MilestonesConfig(baseline=100.0, on_milestone="pause"))
    state = rule.evaluate(0, 200.0, {}).state
    assert rule.evaluate(1, 150.0, state).decision.action == Action.BLOCK
    resumed = rule.apply_command("reset", 2, 150.0, state)
    assert resumed is not None
    assert rule.evaluate(3, 150.0, resumed).decision == ALLOW
    assert rule.evaluate(4, 250.0, resumed).milestones == ()


def test_milestone_scale_compounds_the_factor() -> None:
    rule = EquityMilestones(
        MilestonesConfig(baseline=100.0, on_milestone="scale", scale_factor=0.5)
    )
    first = rule.evaluate(0, 200.0, {})
    assert (first.decision.action, first.decision.factor) == (Action.REDUCE, 0.5)
    second = rule.evaluate(1, 400.0, first.state)
    assert second.decision.factor == 0.25


def test_milestone_reset_baseline_measures_from_the_equity_at_the_milestone() -> None:
    rule = EquityMilestones(MilestonesConfig(baseline=100.0, on_milestone="reset_baseline"))
    first = rule.evaluate(0, 210.0, {})
    assert [m.key for m in first.milestones] == ["100.00@2x"]
    assert first.state["baseline"] == 210.0
    assert rule.evaluate(1, 400.0, first.state).milestones == ()
    assert [m.key for m in rule.evaluate(2, 420.0, first.state).milestones] == ["210.00@2x"]


def test_milestone_config_is_checked() -> None:
    with pytest.raises(ValueError, match="multiple"):
        MilestonesConfig(multiple=1.0)
    with pytest.raises(ValueError, match="baseline"):
        MilestonesConfig(baseline=-1.0)

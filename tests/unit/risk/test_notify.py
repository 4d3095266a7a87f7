"""Notifications through apprise to a channel on 127.0.0.1: secrets from the environment,
delivery failures that never raise, and the risk evaluator's milestones, breaker trips and
kill switch reaching the channel once each."""

import os
from pathlib import Path

import pytest

from risk.daily_loss import DailyLossCap, DailyLossCapConfig
from risk.evaluator import RiskEvaluator
from risk.kill_switch import KillSwitch, KillSwitchConfig
from risk.milestones import EquityMilestones, MilestonesConfig
from risk.notify import (
    AppriseNotifier,
    LoggingNotifier,
    NotifyConfig,
    build_notifier,
    expand_secrets,
)
from statestore import StateStore
from statestore.risk import RiskLedger
from tests.unit.risk.channel_server import channel_server

DAY_NS = 86_400 * 1_000_000_000


def test_a_notification_reaches_the_channel_and_the_log() -> None:
    lines: list[str] = []
    with channel_server() as channel:
        notifier = AppriseNotifier([channel.url()], environ={}, log=lines.append)
        notifier.notify("equity milestone 2x", "equity 20,100.00 is 2x the baseline")
    assert [(m["title"], m["message"], m["path"]) for m in channel.received] == [
        ("equity milestone 2x", "equity 20,100.00 is 2x the baseline", "/notify")
    ]
    assert lines == ["equity milestone 2x: equity 20,100.00 is 2x the baseline"]
    assert (notifier.sent, notifier.failed) == (1, 0)


def test_secrets_come_from_the_environment_and_never_appear_in_errors() -> None:
    with channel_server() as channel:
        url = f"json://127.0.0.1:{channel.port}/" + "${CHANNEL_SECRET}"
        notifier = AppriseNotifier([url], environ={"CHANNEL_SECRET": "s3cr3t-path"})
        notifier.notify("t", "b")
    assert channel.received[0]["path"] == "/s3cr3t-path"
    assert expand_secrets("x://${A}/${B}", {"A": "1", "B": "2"}) == "x://1/2"
    with pytest.raises(ValueError, match="environment variable TELEGRAM_TOKEN is not set"):
        AppriseNotifier(["tgram://${TELEGRAM_TOKEN}/1"], environ={})
    with pytest.raises(ValueError, match=r"notify.urls\[0\]: apprise does not understand"):
        AppriseNotifier(["nosuchscheme://${X}"], environ={"X": "hidden"})
    try:
        AppriseNotifier(["nosuchscheme://${X}"], environ={"X": "hidden"})
    except ValueError as exc:
        assert "hidden" not in str(exc)


def test_an_unreachable_or_failing_channel_is_logged_and_never_raises() -> None:
    lines: list[str] = []
    with channel_server(status=500) as failing:
        notifier = AppriseNotifier([failing.url()], environ={}, log=lines.append)
        notifier.notify("kill switch", "on")
    with channel_server() as gone:
        url = gone.url()
    notifier_down = AppriseNotifier([url], environ={}, log=lines.append)
    notifier_down.notify("kill switch", "on")
    assert (notifier.failed, notifier_down.failed) == (1, 1)
    assert lines.count("notification 'kill switch' was not delivered to every channel") == 2


def test_build_notifier_and_config() -> None:
    assert isinstance(build_notifier(None), LoggingNotifier)
    with channel_server() as channel:
        assert isinstance(build_notifier(NotifyConfig(urls=[channel.url()])), AppriseNotifier)
    with pytest.raises(ValueError, match=r"notify\.urls is empty"):
        NotifyConfig(urls=[])


def _milestones(store: StateStore, notifier: AppriseNotifier) -> RiskEvaluator:
    rules = [EquityMilestones(MilestonesConfig(baseline=10_000.0))]
    return RiskEvaluator(rules, RiskLedger(store), notifier)


def test_equity_path_notifies_each_doubling_once_through_apprise(tmp_path: Path) -> None:
    path = [10_000.0, 19_000.0, 20_100.0, 39_000.0, 40_500.0]
    store_file = tmp_path / "state.sqlite"
    with channel_server() as channel:
        seen = []
        with StateStore(store_file) as store:
            evaluator = _milestones(store, AppriseNotifier([channel.url()], environ={}))
            for day, equity in enumerate(path):
                evaluator.update(day * DAY_NS, equity)
                seen.append(channel.titles())
        assert seen == [
            [],
            [],
            ["equity milestone 2x"],
            ["equity milestone 2x"],
            ["equity milestone 2x", "equity milestone 4x"],
        ]
        assert "equity 20,100.00 is 2x the baseline 10,000.00" in channel.received[0]["message"]
        # A rerun of the path on the same store (a restarted node) notifies nothing.
        with StateStore(store_file) as store:
            evaluator = _milestones(store, AppriseNotifier([channel.url()], environ={}))
            for day, equity in enumerate(path, start=len(path)):
                evaluator.update(day * DAY_NS, equity)
        assert len(channel.received) == 2


def test_breaker_trip_and_kill_switch_are_notified_once_each(tmp_path: Path) -> None:
    switch = tmp_path / "KILL"
    rules = [
        DailyLossCap(DailyLossCapConfig(max_loss_fraction=0.05)),
        KillSwitch(KillSwitchConfig(file=str(switch))),
    ]
    with channel_server() as channel, StateStore(":memory:") as store:
        evaluator = RiskEvaluator(rules, RiskLedger(store), AppriseNotifier([channel.url()], {}))
        evaluator.update(0, 100_000.0)
        evaluator.update(DAY_NS, 100_000.0)
        evaluator.update(DAY_NS + 1, 94_000.0)  # 6% below the session's start: tripped
        evaluator.update(DAY_NS + 2, 93_000.0)  # still tripped: no second message
        assert channel.titles() == ["risk: block"]
        assert "daily loss cap" in channel.received[0]["message"]
        evaluator.update(3 * DAY_NS, 93_000.0)  # next session: allowed again
        switch.touch()
        evaluator.update(3 * DAY_NS + 1, 93_000.0)
        evaluator.update(3 * DAY_NS + 2, 93_000.0)
        assert channel.titles() == ["risk: block", "risk: block"]
        assert "kill switch" in channel.received[1]["message"]


def test_risk_guard_and_journal_configs_name_a_missing_secret_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from actors.journal import TradeJournal, TradeJournalConfig
    from actors.risk_guard import RiskGuard, RiskGuardConfig

    monkeypatch.delenv("TRADEFLY_TEST_CHAT", raising=False)
    notify = NotifyConfig(urls=["tgram://123:abc/${TRADEFLY_TEST_CHAT}"])
    daily = DailyLossCapConfig(max_loss_fraction=0.05)
    with pytest.raises(ValueError, match="environment variable TRADEFLY_TEST_CHAT is not set"):
        RiskGuard(RiskGuardConfig(underlying="SPY", daily_loss=daily, notify=notify))
    with pytest.raises(ValueError, match="environment variable TRADEFLY_TEST_CHAT is not set"):
        TradeJournal(TradeJournalConfig(underlying="SPY", notify=notify))
    monkeypatch.setenv("TRADEFLY_TEST_CHAT", "42")
    RiskGuard(RiskGuardConfig(underlying="SPY", daily_loss=daily, notify=notify))


def test_tradefly_check_names_a_missing_notify_secret_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import PROJECT_ROOT
    from tradefly.cli import main

    monkeypatch.delenv("TRADEFLY_NO_SUCH_TOKEN", raising=False)
    config = tmp_path / "run.yaml"
    base = (PROJECT_ROOT / "configs/backtest/spy2021_weekly_put_risk.yaml").read_text()
    config.write_text(
        base
        + "  - actor_path: actors.journal:TradeJournal\n"
        + "    config_path: actors.journal:TradeJournalConfig\n"
        + '    config: {notify: {urls: ["tgram://${TRADEFLY_NO_SUCH_TOKEN}/1"]}}\n'
    )
    assert main(["check", str(config)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {config}: actors[1].config: notify.urls: environment variable "
        "TRADEFLY_NO_SUCH_TOKEN is not set\n"
    )


def test_tradefly_check_takes_a_secret_from_dotenv_and_names_an_unknown_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import PROJECT_ROOT
    from tradefly.cli import main

    base = (PROJECT_ROOT / "configs/backtest/spy2021_weekly_put_risk.yaml").read_text()
    journal = (
        "  - actor_path: actors.journal:TradeJournal\n"
        "    config_path: actors.journal:TradeJournalConfig\n"
        "    config: {notify: {urls: [URL]}}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRADEFLY_DOTENV_TOKEN", raising=False)
    (tmp_path / ".env").write_text("TRADEFLY_DOTENV_TOKEN=123:abc\n")
    good = tmp_path / "good.yaml"
    good.write_text(base + journal.replace("URL", '"tgram://${TRADEFLY_DOTENV_TOKEN}/1"'))
    try:
        assert main(["check", str(good)]) == 0  # the variable came from the .env line
    finally:
        os.environ.pop("TRADEFLY_DOTENV_TOKEN", None)  # set by the CLI, not by monkeypatch
    capsys.readouterr()
    bad = tmp_path / "bad.yaml"
    bad.write_text(base + journal.replace("URL", '"nosuchscheme://x"'))
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {bad}: actors[1].config: notify.urls[0]: apprise does not")

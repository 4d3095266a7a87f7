"""Rolling performance gates: scale or block entries while recent results are poor.

Two windows, both kept in the rule's state (so a restart keeps them):

- the last `window_days` sessions of equity (the last equity seen in each New York session):
  Sharpe and Sortino ratios of the daily returns (annualised over 252 sessions, zero risk-free
  rate and target, computed by ``empyrical``) and the Ulcer index of the equity path
  (``sqrt(mean(drawdown_pct²))``, P. G. Martin 1987, in percent);
- the last `window_trades` closed trades (P&L in USD, fed by the risk guard): profit factor
  (gross profit / gross loss; infinite without a loss) and win rate (share of trades with a
  positive P&L).

A gate judges a statistic only once its window holds `min_days` returns or `min_trades`
trades. Each failing gate is named in the reason; the decision is ``reduce`` (size times
`factor`) or ``block``, and lifts by itself when the statistics recover.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec
import numpy as np

from options.market_calendar import session_of_ns
from risk.decision import ALLOW, Action, RiskDecision, reduce
from risk.rules import RuleResult, State

TRADING_DAYS_PER_YEAR = 252


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A trade that closed, as the performance gate counts it.

    Parameters
    ----------
    key : str
        Unique per trade.
    closed_ns : int
        When its last position closed, UNIX ns.
    pnl : float
        Realised P&L, USD (commissions included).

    """

    key: str
    closed_ns: int
    pnl: float


class PerformanceGateConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Configuration of :class:`PerformanceGate`; a threshold left ``None`` is off.

    Parameters
    ----------
    window_days : int, default 20
        Daily returns over the last this many sessions; >= 2.
    window_trades : int, default 20
        The last this many closed trades; >= 1.
    min_days, min_trades : int, default 10
        Samples needed before a statistic is judged.
    min_sharpe, min_sortino : float | None
        Annualised ratios below this fail.
    max_ulcer : float | None
        Ulcer index (percent) above this fails.
    min_profit_factor : float | None
        Profit factor below this fails.
    min_win_rate : float | None
        Win rate (0.5 = half the trades won) below this fails.
    action : str, default "reduce"
        ``reduce`` (size times `factor`) or ``block``.
    factor : float, default 0.5
        In (0, 1), for ``reduce``.

    """

    window_days: int = 20
    window_trades: int = 20
    min_days: int = 10
    min_trades: int = 10
    min_sharpe: float | None = None
    min_sortino: float | None = None
    max_ulcer: float | None = None
    min_profit_factor: float | None = None
    min_win_rate: float | None = None
    action: Literal["reduce", "block"] = "reduce"
    factor: float = 0.5

    def __post_init__(self) -> None:
        if self.window_days < 2:
            raise ValueError(f"performance.window_days was {self.window_days!r}, not >= 2")
        if self.window_trades < 1:
            raise ValueError(f"performance.window_trades was {self.window_trades!r}, not >= 1")
        if not 1 <= self.min_days <= self.window_days:
            raise ValueError(f"performance.min_days was {self.min_days!r}, not in [1, window]")
        if not 1 <= self.min_trades <= self.window_trades:
            raise ValueError(f"performance.min_trades was {self.min_trades!r}, not in [1, window]")
        if not 0.0 < self.factor < 1.0:
            raise ValueError(f"performance.factor was {self.factor!r}, not in (0, 1)")


def ulcer_index(equity: Sequence[float]) -> float:
    """Return the Ulcer index of an equity path, percent (Martin 1987)."""
    path = np.asarray(equity, dtype=np.float64)
    drawdown = 100.0 * (path / np.maximum.accumulate(path) - 1.0)
    return float(np.sqrt(np.mean(drawdown**2)))


def profit_factor(pnls: Sequence[float]) -> float:
    """Return gross profit over gross loss (``inf`` without a loss, ``nan`` without trades)."""
    gains = sum(p for p in pnls if p > 0)
    losses = -sum(p for p in pnls if p < 0)
    if not pnls:
        return math.nan
    return math.inf if losses == 0 else gains / losses


def win_rate(pnls: Sequence[float]) -> float:
    """Return the share of trades with a positive P&L (``nan`` without trades)."""
    return sum(1 for p in pnls if p > 0) / len(pnls) if pnls else math.nan


class PerformanceGate:
    """Scale or block entries while rolling performance fails a configured threshold.

    State (persist it): ``days`` (``[session, equity]`` of the last `window_days` + 1
    sessions), ``trades`` (P&L of the last `window_trades` closed trades, oldest first) and
    ``closed_ns`` (the latest trade close counted, so a trade is counted once).

    Parameters
    ----------
    config : PerformanceGateConfig
        The gates.
    name : str, default "performance"
        Rule name in decisions and the store.

    """

    def __init__(self, config: PerformanceGateConfig, name: str = "performance") -> None:
        self.config = config
        self.name = name

    def record_trades(self, state: State, trades: Sequence[ClosedTrade]) -> State:
        """Return `state` with the trades closed after the last one counted appended."""
        last = int(state.get("closed_ns", -1))
        fresh = sorted((t for t in trades if t.closed_ns > last), key=lambda t: t.closed_ns)
        if not fresh:
            return state
        pnls = [*state.get("trades", []), *(t.pnl for t in fresh)][-self.config.window_trades :]
        return {**state, "trades": pnls, "closed_ns": fresh[-1].closed_ns}

    def evaluate(self, now_ns: int, equity: float, state: State) -> RuleResult:
        """Return the decision at `now_ns` (UNIX ns) for `equity` (USD)."""
        session = session_of_ns(now_ns).isoformat()
        days = [list(d) for d in state.get("days", [])]
        if days and days[-1][0] == session:
            days[-1][1] = equity
        else:
            days.append([session, equity])
        days = days[-(self.config.window_days + 1) :]
        new_state = {**state, "days": days}
        failures = self._failures([float(d[1]) for d in days], list(state.get("trades", [])))
        if not failures:
            return RuleResult(ALLOW, new_state)
        reason = "performance: " + "; ".join(failures)
        if self.config.action == "block":
            return RuleResult(RiskDecision(Action.BLOCK, 0.0, reason, self.name), new_state)
        return RuleResult(reduce(self.config.factor, reason, self.name), new_state)

    def _failures(self, equity: list[float], pnls: list[float]) -> list[str]:
        cfg = self.config
        out = []
        returns = np.diff(equity) / np.asarray(equity[:-1]) if len(equity) > 1 else np.array([])
        if returns.size >= cfg.min_days:
            import empyrical  # imports scipy (~0.8 s), so not at start-up

            n = returns.size
            annual = TRADING_DAYS_PER_YEAR
            if cfg.min_sharpe is not None:
                sharpe = float(empyrical.sharpe_ratio(returns, annualization=annual))
                if not sharpe >= cfg.min_sharpe:
                    out.append(f"Sharpe {sharpe:.2f} over {n} days < {cfg.min_sharpe:g}")
            if cfg.min_sortino is not None:
                sortino = float(empyrical.sortino_ratio(returns, annualization=annual))
                if not sortino >= cfg.min_sortino:
                    out.append(f"Sortino {sortino:.2f} over {n} days < {cfg.min_sortino:g}")
            if cfg.max_ulcer is not None:
                ulcer = ulcer_index(equity)
                if ulcer > cfg.max_ulcer:
                    out.append(f"Ulcer index {ulcer:.2f}% over {n} days > {cfg.max_ulcer:g}%")
        if len(pnls) >= cfg.min_trades:
            n = len(pnls)
            if cfg.min_profit_factor is not None:
                factor = profit_factor(pnls)
                if factor < cfg.min_profit_factor:
                    out.append(
                        f"profit factor {factor:.2f} over {n} trades < {cfg.min_profit_factor:g}"
                    )
            if cfg.min_win_rate is not None:
                rate = win_rate(pnls)
                if rate < cfg.min_win_rate:
                    out.append(f"win rate {rate:.0%} over {n} trades < {cfg.min_win_rate:.0%}")
        return out

    def apply_command(self, command: str, now_ns: int, equity: float, state: State) -> State | None:
        """Forget the windows on ``reset`` (the statistics start afresh)."""
        if command != "reset" or not state:
            return None
        return {"closed_ns": int(state.get("closed_ns", 0))}

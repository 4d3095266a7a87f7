"""Evaluate the configured rules on an equity update and keep their state in the store.

One :meth:`RiskEvaluator.update` call, in one store transaction: apply the owner's pending
commands (each recorded with its outcome in the audit log, :mod:`statestore.audit`; a deposit
or withdrawal moves the equity references of the rules that keep one, :mod:`risk.capital`), evaluate
every rule on its stored state, save each changed state with its reason, append a risk event for
each decision whose action, factor or deciding rules changed (per rule and combined), and record
new milestones. After the commit, every milestone not yet notified is notified and marked, so a
milestone is notified once; only a kill between the notification and its mark repeats it.
A rule whose evaluation raises (a broken breaker) fails closed: its decision for that
evaluation is ``block`` with the error as reason, its state is kept, and the kill switch
counts the failure (``max_breaker_failures``; a trip acts from the next evaluation on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from risk.capital import CAPITAL_FLOW, CapitalFlow
from risk.decision import ALLOW, Action, RiskDecision, combine
from risk.kill_switch import BROKEN
from risk.notify import Notifier
from risk.performance import ClosedTrade
from risk.rules import Rule, RuleResult, State
from statestore.audit import AuditLog
from statestore.risk import OwnerCommand, RiskLedger

COMBINED = "combined"
ENTRY = "entry"
OWNER = "owner"
RESERVED_NAMES = frozenset({COMBINED, ENTRY, OWNER})


class RiskEvaluator:
    """The rules of one node over its state store.

    Parameters
    ----------
    rules : Sequence[Rule]
        The rules, each with a unique name.
    ledger : RiskLedger
        The store's risk tables.
    notifier : Notifier
        Where milestones and changes of the combined decision are sent.
    command_handler : Callable[[OwnerCommand, int], str | None] | None
        Applies the owner commands no rule applies (flatten, test notification) at UNIX ns
        `now_ns` and returns the outcome in words (``None``: not its command). It runs inside
        the store transaction: whatever reaches other writers of the store must wait for the
        commit.

    Raises
    ------
    ValueError
        If two rules share a name or a rule uses a reserved name (``combined``, ``entry``,
        ``owner``).

    """

    def __init__(
        self,
        rules: Sequence[Rule],
        ledger: RiskLedger,
        notifier: Notifier,
        command_handler: Callable[[OwnerCommand, int], str | None] | None = None,
    ) -> None:
        names = [rule.name for rule in rules]
        clashes = sorted({n for n in names if names.count(n) > 1 or n in RESERVED_NAMES})
        if clashes:
            raise ValueError(f"risk rule names must be unique and not reserved: {clashes}")
        self.rules = list(rules)
        self.ledger = ledger
        self.notifier = notifier
        self.command_handler = command_handler
        self.audit = AuditLog(ledger.store)

    def last_decision(self, rule: str = COMBINED) -> RiskDecision:
        """Return the last decision recorded for `rule` (``allow`` when none was)."""
        event = self.ledger.last_event(rule)
        if event is None:
            return ALLOW
        return RiskDecision(Action(event.action), event.factor, event.reason, event.rules)

    def update(
        self, now_ns: int, equity: float, closed_trades: Sequence[ClosedTrade] = ()
    ) -> RiskDecision:
        """Apply pending owner commands, evaluate every rule and return the combined decision.

        Parameters
        ----------
        now_ns : int
            UNIX nanoseconds.
        equity : float
            Account equity (cash plus positions at their marks), USD.
        closed_trades : Sequence[ClosedTrade]
            Trades closed so far (rules with ``record_trades`` count those not yet counted).

        """
        with self.ledger.transaction():
            self._apply_commands(now_ns, equity)
            decisions = []
            broken = []
            for rule in self.rules:
                state = self.ledger.rule_state(rule.name)
                try:
                    result = self._evaluate(rule, now_ns, equity, state, closed_trades)
                except Exception as exc:  # a broken breaker fails closed
                    reason = f"{rule.name} failed ({exc!r}): no entries until it evaluates again"
                    result = RuleResult(RiskDecision(Action.BLOCK, 0.0, reason, rule.name), state)
                    broken.append(f"{rule.name}: {exc!r}")
                if result.state != state:
                    reason = result.decision.reason or f"equity {equity:,.2f}"
                    self.ledger.save_rule_state(rule.name, result.state, reason, now_ns)
                self._record_if_changed(rule.name, result.decision, now_ns)
                for m in result.milestones:
                    self.ledger.add_milestone(
                        rule.name, m.key, m.multiple, m.baseline, m.equity, now_ns
                    )
                decisions.append(result.decision)
            for detail in broken:
                self._observe(BROKEN, now_ns, detail)
            combined = combine(decisions)
            changed = self._record_if_changed(COMBINED, combined, now_ns)
        if changed and combined.action != Action.ALLOW:
            self.notifier.notify(f"risk: {combined.action.value}", combined.reason)
        self._notify_milestones(now_ns)
        return combined

    @staticmethod
    def _evaluate(
        rule: Rule, now_ns: int, equity: float, state: State, trades: Sequence[ClosedTrade]
    ) -> RuleResult:
        record_trades = getattr(rule, "record_trades", None)
        if record_trades is not None and trades:
            state = record_trades(state, trades)
        return rule.evaluate(now_ns, equity, state)

    def _observe(self, kind: str, now_ns: int, detail: str) -> bool:
        changed = False
        for rule in self.rules:
            observe = getattr(rule, "observe", None)
            if observe is None:
                continue
            new_state = observe(kind, now_ns, self.ledger.rule_state(rule.name))
            if new_state is not None:
                self.ledger.save_rule_state(rule.name, new_state, f"{kind}: {detail}", now_ns)
                changed = True
        return changed

    def record_incident(self, kind: str, now_ns: int, detail: str) -> bool:
        """Let rules with ``observe`` count an incident; return whether a rule's state changed.

        Parameters
        ----------
        kind : str
            ``reject`` (an order rejected or denied) or ``data_quality`` (an entry blocked by
            a data-quality breaker).
        now_ns : int
            UNIX nanoseconds.
        detail : str
            What happened, kept as the reason of the state change.

        """
        with self.ledger.transaction():
            return self._observe(kind, now_ns, detail)

    def record_entry(
        self, now_ns: int, who: str, decision: RiskDecision, wanted: int, allowed: int
    ) -> None:
        """Append a risk event for an entry the decision blocked or resized."""
        action = "entry_blocked" if allowed < 1 else "entry_reduced"
        reason = f"{who}: {wanted} -> {allowed} contracts ({decision.rule}: {decision.reason})"
        self.ledger.add_event(now_ns, ENTRY, action, decision.factor, reason, decision.rule)

    def _record_if_changed(self, rule: str, decision: RiskDecision, now_ns: int) -> bool:
        # A changed action, factor or set of deciding rules is an event; a reason whose
        # figures moved (drawdown now 3.1% instead of 3.0%) is not.
        rules = decision.rule or rule
        last = self.ledger.last_event(rule)
        if last is None and decision == ALLOW:
            return False
        if last is not None and (last.action, last.factor, last.rules) == (
            decision.action.value,
            decision.factor,
            rules,
        ):
            return False
        self.ledger.add_event(
            now_ns, rule, decision.action.value, decision.factor, decision.reason, rules
        )
        return True

    def _apply_commands(self, now_ns: int, equity: float) -> None:
        for command in self.ledger.commands(pending_only=True):
            if command.command == CAPITAL_FLOW:
                outcome = self._apply_capital_flow(command, now_ns)
            else:
                outcome = self._apply_rule_command(command, now_ns, equity)
            self.ledger.mark_command_applied(command.command_id, now_ns, outcome)
            target = " ".join(t for t in (command.rule, command.argument) if t)
            self.ledger.add_event(
                now_ns,
                OWNER,
                command.command,
                1.0,
                f"{command.command}{' ' + target if target else ''}: {outcome}",
                OWNER,
            )
            detail = f"#{command.command_id}{' ' + target if target else ''}"
            self.audit.append(now_ns, "node", "node", command.command, detail, outcome)

    def _apply_rule_command(self, command: OwnerCommand, now_ns: int, equity: float) -> str:
        applied = []
        for rule in self.rules:
            if command.rule not in (None, rule.name):
                continue
            state = self.ledger.rule_state(rule.name)
            new_state = rule.apply_command(command.command, now_ns, equity, state)
            if new_state is not None:
                reason = f"owner command {command.command} (#{command.command_id})"
                self.ledger.save_rule_state(rule.name, new_state, reason, now_ns)
                applied.append(rule.name)
        outcome = f"applied to {', '.join(applied)}" if applied else "no rule concerned"
        if not applied and self.command_handler is not None:
            outcome = self.command_handler(command, now_ns) or outcome
        return outcome

    def _apply_capital_flow(self, command: OwnerCommand, now_ns: int) -> str:
        try:
            flow = CapitalFlow.from_argument(command.argument)
        except ValueError as exc:
            return f"refused: {exc}"
        moved = []
        for rule in self.rules:
            apply_flow = getattr(rule, "apply_capital_flow", None)
            if apply_flow is None:
                continue
            new_state = apply_flow(flow.amount, self.ledger.rule_state(rule.name))
            if new_state is not None:
                reason = f"{flow.kind} {abs(flow.amount):,.2f} (#{command.command_id})"
                self.ledger.save_rule_state(rule.name, new_state, reason, now_ns)
                moved.append(rule.name)
        self.ledger.add_capital_flow(command.command_id, flow.date, flow.amount, flow.note, now_ns)
        where = ", ".join(moved) if moved else "no rule keeps an equity reference yet"
        return f"{flow.kind} {abs(flow.amount):,.2f} on {flow.date} recorded; moved: {where}"

    def _notify_milestones(self, now_ns: int) -> None:
        for m in self.ledger.milestones(pending_only=True):
            self.notifier.notify(
                f"equity milestone {m.multiple:g}x",
                f"equity {m.equity:,.2f} is {m.multiple:g}x the baseline {m.baseline:,.2f}",
            )
            self.ledger.mark_milestone_notified(m.rule, m.key, now_ns)

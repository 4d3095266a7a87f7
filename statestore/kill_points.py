"""Test-only crash points: a process kills itself with ``SIGKILL`` where a crash test asks.

A crash test starts a child process with :data:`KILL_AT_ENV` naming one point of a durable
write; the child kills itself the moment it reaches that point, so the test can check what
the next process makes of the state left behind. Points:

- ``catalog.commit.renames.<k>``: a catalog commit (:mod:`catalog.commit`), right after its
  k-th rename (0: once its journal is written, before any rename);
- ``settlement.<step>``: the booking of an option settlement (expiration, assignment,
  exercise): :data:`SETTLEMENT_POINTS`, in the order a booking reaches them.

Unset (always, outside tests), a point does nothing.
"""

import os
import signal

KILL_AT_ENV = "TRADEFLY_TEST_KILL_AT"
"""Test-only: the name of the crash point at which the process kills itself."""

SETTLEMENT_POINTS = (
    "settlement.events_built",  # the execution client built the fills, sent none
    "settlement.events_sent",  # ... and sent them to the execution engine (memory only)
    "settlement.fill_recorded",  # the strategy's transaction: the delivery's fill recorded
    "settlement.close_recorded",  # ... the option close's fill recorded
    "settlement.legs_closed",  # ... the trade's option legs closed
    "settlement.shares_booked",  # ... the delivered shares owned by the strategy
    "settlement.wheel_booked",  # ... the wheel's cycle saved
    "settlement.committed",  # the strategy's transaction committed
)
"""The crash points of a physical settlement's booking, in order (a settlement without
delivery, or a strategy without a wheel, skips some)."""


def kill_point(name: str) -> None:
    """Kill this process with ``SIGKILL`` if :data:`KILL_AT_ENV` names `name`."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)

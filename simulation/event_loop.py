"""SimPy's ``Environment.run(until=...)`` as one tight loop: the same events in the same order.

``Environment.run`` calls ``step()`` once per event: a method call, attribute look-ups and a
``try`` each time. The engine's events are mostly bare callbacks (``engine._Ev``), so that
overhead is a good share of an event's cost. This loop does exactly what ``run`` and
``step`` do — the stop event at ``until`` scheduled first among equals (URGENT), callbacks
run in order, a failed event that nobody defused crashes the run, a ``StopSimulation``
raised by a callback reschedules the event's remaining callbacks (so SimPy's event counter
moves as it would) — with the heap and ``heappop`` held in locals.
"""

from __future__ import annotations

from heapq import heappop

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import URGENT


def run_until(env: simpy.Environment, until: float) -> None:
    """``env.run(until=until)``, faster; returns when simulated time reaches ``until`` or a
    callback raises StopSimulation."""
    at = float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, at - env.now)
    assert stop.callbacks is not None
    stop.callbacks.append(StopSimulation.callback)
    heap = env._queue
    try:
        while True:
            try:
                env._now, _, _, event = heappop(heap)
            except IndexError:
                raise EmptySchedule from None
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                env.schedule(event, -1)  # type: ignore[arg-type]
                raise
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
    except StopSimulation:
        return
    except EmptySchedule:  # cannot happen while the stop event is pending
        raise RuntimeError(f'no scheduled events left but "until" ({at}) was not reached') from None

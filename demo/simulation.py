"""Months of trade on the demo hub, driven through the real journey.

A discrete-event simulation: the people of the hub (buyers, the bank, sellers, operators,
customs officers, the couriers at the destination) act at simulated times, and the beat's
sweeps (consolidation, departures and arrivals, expiry, escrow release, payout batches, the FX
settlement with the bank) run on their schedule; the clock is moved to each moment
(time-machine), so every record carries the date it would have had. Nothing is inserted
behind the services' backs: each action is a service call, and the pipeline's steps react to
the events it records (Celery runs them inline while the world is seeded).

The failure paths occur at plausible rates, and each at least once when there are enough
orders: unpaid orders expire, buyers cancel, customs holds then releases or rejects, parcels
weigh more than declared, flights are cancelled, parcels are lost, buyers dispute, banks
reject payouts to a wrong account until the owners fix it.
"""

import heapq
from collections.abc import Callable
from datetime import datetime, timedelta

from pipeline.credit_record import credit_scores_nightly

from .simulation_beat import Beat
from .simulation_finance import Finance
from .simulation_ordering import Ordering
from .simulation_shipping import Shipping
from .world_warehouse import stock_orders_schedule


class Simulation(Ordering, Shipping, Finance, Beat):
    """The hub at work over the window: the people and the beat on the simulation's clock."""

    def run(
        self, orders: int, progress: Callable[[datetime], None] | None = None
    ) -> dict[str, int]:
        """Simulate ``orders`` orders over the window; ``progress`` is told the simulated time
        once per simulated hour. Returns how often each failure path happened."""
        self._timetable()
        stock_orders_schedule(self)
        span = (self.end - self.start) / max(orders, 1)
        for n in range(orders):
            self.at(self.start + span * n + span * self.random.random(), self.place, n, orders)
        self.at(self.start + (self.end - self.start) * 0.55, self.credit_story)
        tick = self.start
        while tick <= self.end:  # the beat's sweeps, as often as in production
            self.at(tick, self.sweep_hourly)
            if tick.hour == 10:
                self.at(tick, self.sweep_daily)
            tick += timedelta(hours=1)
        self.at(self.end, credit_scores_nightly)  # every seller's score, as the night computes it
        # the treasury closes the demo's last day now: the world ends with no open FX position
        self.at(self.end, self.treasury_close)
        while self.queue:
            moment = heapq.heappop(self.queue)
            if progress is not None and moment.action == self.sweep_hourly:
                progress(moment.at)
            self.now = moment.at
            self._happen(moment)
            # what people do, and the steps that follow, may make parcels ready to board
            self.floor_moved |= moment.action != self.sweep_hourly
        return self.counts


def simulation_window(*, days: int, now: datetime) -> tuple[datetime, datetime]:
    """From ``days`` ago until now, on the hour."""
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end

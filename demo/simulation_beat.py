"""The beat: the hub's scheduled sweeps (consolidation, departures and arrivals, expiry,
escrow release, payout batches, the FX settlement with the bank), run as often as in
production but only when they have something to do."""

import heapq
import logging
from datetime import datetime, timedelta

from ewtp.common.outbox import OutboxDispatchFailed, outbox_claim_due, outbox_dispatch
from hubs.models import ERoad
from hubs.services.orders import orders_expire
from logistics.models import Flight, Parcel
from logistics.services.consolidation import consolidations_build
from logistics.services.flights import flight_cancel, flights_advance
from payments.services.escrow import escrow_release_due
from payments.services.payouts import payouts_batch
from payments.services.treasury import treasury_settle_all

from .simulation_clock import SimulationClock

logger = logging.getLogger(__name__)


class Beat(SimulationClock):
    # --- the beat ------------------------------------------------------------------------

    # The beat runs its sweeps every hour of the window; most hours most of them find
    # nothing to do. A sweep that cannot find work is not run: nothing is ready to board,
    # no flight is due to move, no unpaid order's window has closed. What the sweeps do when
    # they run, and the dice they throw, are the same; only the empty runs are spared (they
    # were most of the time the demo took to seed).

    def _timetable(self) -> None:
        """When the flights of the window are due to leave and to land, and when each is
        three to four hours from leaving (the carriers' word on a cancellation comes then)."""
        times = Flight.objects.filter(
            status=Flight.Status.SCHEDULED, departs_at__lte=self.end + timedelta(hours=4)
        ).values_list("departs_at", "arrives_at")
        # heaps (a sorted list is one)
        self.flight_moves = sorted({moment for pair in times for moment in pair})
        self.departures = sorted(departs for departs, _ in times)
        self.payment_windows: list[datetime] = []  # when each order expires if still unpaid

    def sweep_hourly(self) -> None:
        self._redrive()
        if self.floor_moved:
            self._board()
        if _due(self.flight_moves, self.now):
            flights_advance(now=self.now)
        if _due(self.payment_windows, self.now):
            orders_expire(now=self.now)
        if self.now.hour % 4 == 1:
            self.customs_shift()
        if self.now.hour % 6 == 2:
            self.last_mile()
        soon = _due(self.departures, self.now + timedelta(hours=4))
        if any(departs > self.now + timedelta(hours=3) for departs in soon):
            self.flights_at_risk()

    def _redrive(self) -> None:
        for event_id in outbox_claim_due():  # steps that failed are tried again
            self.floor_moved = True
            try:
                outbox_dispatch(event_id=event_id)
            except OutboxDispatchFailed:
                logger.info("demo: event %s failed again; it waits for the next sweep", event_id)

    def _board(self) -> None:
        ready = self._ready_to_board()
        for eroad_id in ready:
            consolidations_build(eroad=ERoad.objects.get(pk=eroad_id), now=self.now)
        self.floor_moved = bool(ready)  # any left behind by full flights: next hour again

    def _ready_to_board(self) -> list[int]:
        """The e-roads with parcels received, released for export and on no flight yet."""
        return list(
            Parcel.objects.filter(
                status=Parcel.Status.RECEIVED,
                flight__isnull=True,
                export_released_at__isnull=False,
            )
            .values_list("eroad_id", flat=True)
            .distinct()
            .order_by("eroad_id")
        )

    def flights_at_risk(self) -> None:
        """A few flights are cancelled by their carrier three to four hours before leaving."""
        upcoming = Flight.objects.filter(
            status=Flight.Status.SCHEDULED,
            departs_at__gt=self.now + timedelta(hours=3),
            departs_at__lte=self.now + timedelta(hours=4),
        ).order_by("departs_at", "pk")
        for flight in upcoming:
            if self.roll("flight_cancelled", first=flight.loaded_pieces > 0):
                flight_cancel(flight=flight, reason="Aircraft unserviceable", actor_label="carrier")
                self.floor_moved = True  # its parcels wait for the next flight with room

    def sweep_daily(self) -> None:
        escrow_release_due(now=self.now)
        # yesterday's conversions settled with the bank (the beat does it at 00:30)
        treasury_settle_all(day=(self.now - timedelta(days=1)).date(), actor_label="treasury")
        batch = payouts_batch(bank=self.world.bank)
        if batch is not None:
            self.later(14, 22, self.bank_reports, batch.pk)

    def treasury_close(self) -> None:
        treasury_settle_all(day=self.now.date(), actor_label="treasury")


def _due(times: list[datetime], now: datetime) -> list[datetime]:
    """Take the times up to ``now`` off the heap ``times``; returns them."""
    taken = []
    while times and times[0] <= now:
        taken.append(heapq.heappop(times))
    return taken

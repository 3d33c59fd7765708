"""Consolidation: received, export-released parcels of an e-road go onto the earliest
scheduled flight with room left (weight and pieces), under the flight's master air waybill.

A run locks the e-road's open flights first, so a concurrent run waits and then finds the
parcels already loaded. Parcels are assigned in memory (oldest received first, first fit)
and written with one UPDATE per flight and chunk, guarded by their status so a parcel held
meanwhile stays off; each flight's load grows by what really boarded, and a database
constraint refuses any load above capacity. Every parcel that boarded gets its tracking event
and its audit row, in bulk. bench/consolidation.py measures 100,000 parcels.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record_bulk
from ewtp.common.errors import ConflictError
from hubs.models import ERoad

from ..errors import LogisticsErrorCode
from ..models import Flight, Parcel
from ..selectors import loading_cutoff
from ..waybills import MASTER_SERIALS, master_waybill
from .moves import parcels_batch_move
from .parcels import _next_serial
from .tracking import tracking_record

CHUNK = 10_000
logger = logging.getLogger(__name__)


@dataclass
class Load:
    flight: Flight
    room_kg: Decimal
    room_pieces: int
    parcel_ids: list = field(default_factory=list)
    weights: dict = field(default_factory=dict)


def consolidations_build(
    *,
    eroad: ERoad | None = None,
    origin_hub=None,
    now: datetime | None = None,
    actor=None,
    actor_label: str = "system",
) -> int:
    """Build each flight's consolidation: load what is ready on every active e-road (or one,
    or those leaving ``origin_hub``) under the flights' master air waybills; returns how many
    parcels boarded. ``actor``: the operator who asked for the run (None for the beat's,
    named by ``actor_label``)."""
    eroads = ERoad.objects.filter(is_active=True).order_by("pk")
    if origin_hub is not None:
        eroads = eroads.filter(origin=origin_hub)
    eroads = [eroad] if eroad is not None else list(eroads)
    boarded = 0
    for each in eroads:
        try:
            boarded += _eroad_consolidate(
                each, now or timezone.now(), actor=actor, actor_label=actor_label
            )
        except IntegrityError:
            # a parcel re-weighed heavier during the run would overload a flight: the
            # database refused the whole e-road's run; the next run loads it correctly
            logger.warning("consolidation of %s rolled back (capacity check)", each)
    return boarded


def _eroad_consolidate(eroad: ERoad, now: datetime, *, actor, actor_label: str) -> int:
    cutoff = loading_cutoff(now)
    with transaction.atomic():
        # FOR NO KEY UPDATE: serialises runs on the e-road without blocking (or slowing)
        # the foreign-key checks of the parcels and events that point at these flights
        flights = list(
            Flight.objects.select_for_update(no_key=True)
            .select_related("carrier")
            .filter(eroad=eroad, status=Flight.Status.SCHEDULED, departs_at__gt=cutoff)
            .order_by("departs_at", "id")
        )
        if not flights:
            return 0
        ready = (
            Parcel.objects.filter(
                eroad=eroad,
                status=Parcel.Status.RECEIVED,
                flight__isnull=True,
                export_released_at__isnull=False,
            )
            .order_by("received_at", "id")
            .values_list("pk", "measured_weight_kg", "declared_weight_kg", "order__channel_id")
        )
        loads = [
            Load(f, f.capacity_kg - f.loaded_kg, f.capacity_pieces - f.loaded_pieces)
            for f in flights
        ]
        spilled, of_channels = _assign(ready, loads)
        used = [load for load in loads if load.parcel_ids]
        _number_masters([load.flight for load in used])
        return sum(
            _write(load, eroad, spilled, of_channels, actor=actor, actor_label=actor_label)
            for load in used
        )


def _number_masters(flights: list[Flight]) -> None:
    """A master air waybill for each flight about to carry its first parcels. The carriers'
    number series are locked in prefix order, so two runs never wait on each other in a
    circle."""
    for flight in sorted(flights, key=lambda f: (f.carrier.awb_prefix, f.departs_at, f.pk)):
        if flight.master_waybill is None:
            prefix = flight.carrier.awb_prefix
            serial = _next_serial(f"MAWB-{prefix}")
            if serial >= MASTER_SERIALS:
                raise ConflictError(
                    _(
                        "Carrier %(prefix)s has used its 10 million master waybill serials "
                        "here; start a new block."
                    )
                    % {"prefix": prefix},
                    LogisticsErrorCode.MAWB_EXHAUSTED,
                )
            flight.master_waybill = master_waybill(prefix, serial)


def _assign(ready, loads: list[Load]) -> tuple[set[int], set[int]]:
    """First fit in departure order; returns the parcels that missed an earlier flight, and
    those of a sales channel's orders (the channel hears of each event)."""
    first_open, spilled, of_channels = 0, set(), set()
    for pk, measured, declared, channel_id in ready.iterator(chunk_size=CHUNK):
        weight = measured or declared
        if channel_id:
            of_channels.add(pk)
        while first_open < len(loads) and loads[first_open].room_pieces == 0:
            first_open += 1
        for index in range(first_open, len(loads)):
            load = loads[index]
            if load.room_pieces and load.room_kg >= weight:
                load.parcel_ids.append(pk)
                load.weights[pk] = weight
                load.room_kg -= weight
                load.room_pieces -= 1
                if index != first_open:
                    spilled.add(pk)
                break
    return spilled, of_channels


def _board(flight: Flight, chunk: list[int]) -> dict[int, Decimal]:
    """Put the parcels on the flight unless they changed meanwhile (a hold); returns the ones
    that really boarded with their weight as it is now."""
    if connection.vendor == "postgresql":  # one statement instead of an UPDATE and a SELECT
        table = Parcel._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET flight_id = %s, status = %s, updated_at = %s "  # noqa: S608
                "WHERE id = ANY(%s) AND status = %s AND flight_id IS NULL "
                "AND export_released_at IS NOT NULL "
                "RETURNING id, COALESCE(measured_weight_kg, declared_weight_kg)",
                [
                    flight.pk,
                    Parcel.Status.MANIFESTED,
                    timezone.now(),
                    chunk,
                    Parcel.Status.RECEIVED,
                ],
            )
            return dict(cursor.fetchall())
    Parcel.objects.filter(
        pk__in=chunk,
        status=Parcel.Status.RECEIVED,
        flight__isnull=True,
        export_released_at__isnull=False,
    ).update(flight=flight, status=Parcel.Status.MANIFESTED, updated_at=timezone.now())
    return {
        pk: measured or declared
        for pk, measured, declared in Parcel.objects.filter(
            pk__in=chunk, flight=flight
        ).values_list("pk", "measured_weight_kg", "declared_weight_kg")
    }


def _write(
    load: Load, eroad: ERoad, spilled: set[int], of_channels: set[int], *, actor, actor_label
) -> int:
    flight = load.flight
    # one UPDATE per chunk of the whole load, not a parcel_transition each (parcels_batch_move)
    move = parcels_batch_move(before=Parcel.Status.RECEIVED, to=Parcel.Status.MANIFESTED)
    boarded = {}
    for start in range(0, len(load.parcel_ids), CHUNK):
        boarded.update(_board(flight, load.parcel_ids[start : start + CHUNK]))
    # the flight is locked and only locked code changes its load: add what really boarded,
    # at the weight it has now (re-weighed meanwhile? the capacity constraint has the word)
    flight.loaded_kg += sum(boarded.values(), Decimal(0))
    flight.loaded_pieces += len(boarded)
    flight.save(update_fields=["master_waybill", "loaded_kg", "loaded_pieces", "updated_at"])
    place = eroad.origin.code
    boarded = sorted(boarded)
    audit_record_bulk(
        actor=actor,
        actor_label=actor_label,
        action=move.action,
        model=Parcel,
        ids=boarded,
        data={"from": Parcel.Status.RECEIVED, "flight": flight.pk},
    )
    on_time = [pk for pk in boarded if pk not in spilled]
    late = [pk for pk in boarded if pk in spilled]
    for ids, note in ((on_time, ""), (late, "Earlier flights were full.")):
        if ids:
            tracking_record(
                ids,
                move.code,
                place=place,
                actor_label="consolidation",
                flight=flight,
                note=f"MAWB {flight.master_waybill_display}. {note}".strip(),
                notify=[pk for pk in ids if pk in of_channels],
            )
    return len(boarded)

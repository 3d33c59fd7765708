"""Consolidation of 100,000 received, export-released parcels onto a month of flights, on
PostgreSQL: time and query count, next to a baseline that writes the same assignment with
one plain UPDATE per flight and no capacity logic, tracking events or locks."""

import random
import time
from datetime import timedelta
from decimal import Decimal

from harness import queries, run_benchmark

PARCELS = 100_000
DAYS = 30


def run():
    from django.db import connection, transaction
    from django.utils import timezone

    from hubs.models import ERoad
    from logistics.models import Carrier, Facility, Flight, Parcel, TrackingEvent
    from logistics.services.consolidation import consolidations_build
    from logistics.services.flights import carriers_load
    from logistics.waybills import house_waybill
    from tests import factories, ledger

    kul, hgh = factories.open_eroads()
    carriers_load()
    facility = Facility.objects.create(hub=kul, name="KLIA eFulfilment", address="Sepang")
    bank = factories.api_client(kind="bank", name="Bench bank", scopes=["payments:write"])
    order = ledger.paid_order(destination_hub=hgh, bank=bank.client)
    eroad = ERoad.objects.get(origin=kul, destination=hgh)
    now = timezone.now()
    carriers = {c.iata_code: c for c in Carrier.objects.all()}
    flights = [
        Flight(
            eroad=eroad,
            carrier=carriers[code],
            number=f"{code}{number}",
            departs_at=now + timedelta(days=day, hours=hour),
            arrives_at=now + timedelta(days=day, hours=hour + 5),
            capacity_kg=Decimal("3000"),
            capacity_pieces=2500,
        )
        for day in range(1, DAYS + 1)
        for code, number, hour in (("MH", 360, 3), ("CZ", 350, 15))
    ]
    Flight.objects.bulk_create(flights)
    rng = random.Random(7)
    started = time.perf_counter()
    Parcel.objects.bulk_create(
        [
            Parcel(
                order=order,
                eroad=eroad,
                facility=facility,
                waybill=house_waybill("KUL", n),
                declared_weight_kg=Decimal(rng.randint(200, 3000)) / 1000,
                length_cm=30,
                width_cm=20,
                height_cm=10,
                status=Parcel.Status.RECEIVED,
                received_at=now - timedelta(seconds=PARCELS - n),
                export_released_at=now,
            )
            for n in range(1, PARCELS + 1)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"consolidation  {PARCELS:,} parcels, {len(flights)} flights over {DAYS} days, PostgreSQL"
    )
    print(f"  set-up        {time.perf_counter() - started:6.2f} s (bulk insert, not measured)")

    # baseline: the same kind of assignment written naively, committed like the real run
    # (then undone outside the measurement)
    ids = list(Parcel.objects.order_by("received_at", "id").values_list("pk", flat=True))
    flight_ids = list(Flight.objects.order_by("departs_at").values_list("pk", flat=True))
    per_flight = len(ids) // len(flight_ids) + 1
    started = time.perf_counter()
    with transaction.atomic():
        for index, flight_id in enumerate(flight_ids):
            chunk = ids[index * per_flight : (index + 1) * per_flight]
            if chunk:
                Parcel.objects.filter(pk__in=chunk).update(
                    flight_id=flight_id, status=Parcel.Status.MANIFESTED
                )
    baseline = time.perf_counter() - started
    Parcel.objects.update(flight_id=None, status=Parcel.Status.RECEIVED)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE logistics_parcel")

    with queries() as captured:
        started = time.perf_counter()
        boarded = consolidations_build(eroad=eroad, now=now)
        elapsed = time.perf_counter() - started
    over = Flight.objects.filter(loaded_kg__gt=Decimal("3000")).count()
    print(f"  baseline      {baseline:6.2f} s   plain UPDATE per flight and commit, no checks")
    print(
        f"  consolidate   {elapsed:6.2f} s   {len(captured)} queries   ratio "
        f"{elapsed / baseline:.2f}x   boarded {boarded:,}   "
        f"MAN events {TrackingEvent.objects.count():,}   flights over capacity {over}"
    )
    print(f"  target: under 10 s ({'met' if elapsed < 10 else 'NOT met'})")


if __name__ == "__main__":
    run_benchmark(run)

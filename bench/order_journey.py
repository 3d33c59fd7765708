"""N consumer orders (default 200) through the whole journey on PostgreSQL with one real
Celery worker on Redis, the way production runs it: this process plays the bank, the seller,
the operators and the clock, phase by phase; the worker runs every pipeline step (payment
request, export declaration and clearance, parcel release, shipping, import declaration with
its three records, delivery, the payout of each settlement, settled). Printed: the time of
each phase until the worker has caught up, orders per second through the whole journey, the
slowest phase, and the same worker's rate for a one-query task measured in this run (the
floor the queue sets), as a ratio.
"""

import argparse
import os
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal

from customs_clearance import _empty_task_rate, _start_worker
from harness import run_benchmark


def run(count: int):  # noqa: C901 - one scenario, read top to bottom
    import logging

    logging.disable(logging.WARNING)
    from django.db import connection
    from django.utils import timezone

    from ewtp.celery import app
    from hubs.models import Order
    from hubs.services.placement import Consumer, LineRequest, OrderRequest, order_place
    from logistics.models import Parcel
    from logistics.services.consolidation import consolidations_build
    from logistics.services.flights import flights_advance
    from logistics.services.floor import parcel_deliver, parcel_out_for_delivery, parcel_receive
    from logistics.services.parcels import ParcelRequest, parcel_create
    from payments.models import Payout
    from payments.services.escrow import escrow_release
    from payments.services.fx import fx_rates_load
    from payments.services.intents import BankTransfer, payment_receive
    from payments.services.payouts import payout_status_report, payouts_batch
    from tests.journey import pipeline_idle, resident_id, world_build

    world = world_build(pieces=count + 10, kg=Decimal("5000"), stock=count * 2)
    flight, departs = world.flight, world.flight.departs_at
    operator, arrivals, bank = world.kul_operator, world.hgh_operator, world.bank
    channel, product, seller = world.channel, world.product, world.seller_owner

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    worker = _start_worker(connection.settings_dict, queue)
    phases: list[tuple[str, float]] = []

    def phase(name, action):
        started = time.perf_counter()
        action()
        while not pipeline_idle():
            time.sleep(0.1)
        phases.append((name, time.perf_counter() - started))

    try:
        floor = _empty_task_rate(app, 1000)
        fx_rates_load()
        while not pipeline_idle():
            time.sleep(0.1)
        orders = []
        started = time.perf_counter()

        def place():
            for n in range(count):
                orders.append(
                    order_place(
                        request=OrderRequest(
                            seller=product.seller,
                            destination_hub=world.hgh,
                            channel=channel,
                            lines=[LineRequest(product.pk, 1)],
                            consumer=Consumer(
                                name=f"Buyer {n}",
                                address="18 Wensan Road, Hangzhou",
                                country="CN",
                                id_reference=resident_id(n),
                            ),
                        ),
                        actor=None,
                        actor_label="Shop",
                    )
                )

        def pay():
            for order in Order.objects.filter(pk__in=[o.pk for o in orders]).select_related(
                "payment_intent"
            ):
                payment_receive(
                    order_reference=order.reference,
                    transfer=BankTransfer(
                        bank=bank,
                        bank_reference=f"B-{order.reference}",
                        amount=order.payment_intent.amount,
                        payer_name="Buyer",
                    ),
                )

        parcels = []

        def pack_and_receive():
            for order in Order.objects.filter(pk__in=[o.pk for o in orders]).prefetch_related(
                "lines"
            ):
                parcel = parcel_create(
                    order=order,
                    request=ParcelRequest(
                        weight_kg=Decimal("0.200"),
                        length_cm=30,
                        width_cm=20,
                        height_cm=5,
                        items={order.lines.all()[0].pk: 1},
                    ),
                    actor=seller,
                )
                parcels.append(parcel_receive(parcel=parcel, actor=operator))

        def deliver():
            for parcel in Parcel.objects.filter(pk__in=[p.pk for p in parcels]):
                parcel_deliver(
                    parcel=parcel_out_for_delivery(parcel=parcel, actor=arrivals), actor=arrivals
                )

        def settle():
            for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
                escrow_release(order=order, actor_label="buyer", reason="Received.")

        def pay_out():
            batch = payouts_batch(bank=bank)
            for payout in Payout.objects.filter(batch=batch):
                payout_status_report(
                    bank=bank, end_to_end_id=payout.end_to_end_id, status="settled"
                )

        phase("placed → payment requested", place)
        phase("paid → export declared and released", pay)
        phase("packed, received → parcels released", pack_and_receive)
        phase("consolidated", lambda: consolidations_build(now=timezone.now()))
        phase("departed → shipped", lambda: flights_advance(now=departs + timedelta(minutes=1)))
        phase(
            "landed → import declared, matched, released",
            lambda: flights_advance(now=flight.arrives_at + timedelta(minutes=1)),
        )
        phase("delivered → orders delivered", deliver)
        phase("escrow released → payouts requested", settle)
        phase("payouts batched, settled → orders settled", pay_out)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    completed = Order.objects.filter(pk__in=[o.pk for o in orders], status="settled").count()
    print(f"{count} orders, one worker (solo pool), PostgreSQL + Redis; {completed} settled")
    for name, seconds in phases:
        print(f"  {name:46} {seconds:7.1f} s")
    slowest = max(phases, key=lambda item: item[1])
    rate = count / elapsed
    print(f"whole journey: {elapsed:.1f} s, {rate:.1f} orders/s; slowest phase: {slowest[0]}")
    print(f"one-query task through the same worker: {floor:.1f} tasks/s")
    print(f"ratio (orders per second / one-query tasks per second): {rate / floor:.4f}x")


if __name__ == "__main__":
    if not os.environ.get("REDIS_URL"):
        print("skipped: a real worker needs Redis; set REDIS_URL=redis://host:6379/N")
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    arguments = parser.parse_args()
    run_benchmark(lambda: run(arguments.orders))

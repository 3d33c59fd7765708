"""10,000 consumer orders (default) served from bonded stock, reserved and released, on
PostgreSQL with one real Celery worker on Redis, against plain inserts of the same rows.

Set up, not measured: the journey's world, a bonded warehouse at HGH and the seller's three
SKUs counted into it through the services, one lot each, with units for every order.

Timed, chunk by chunk until the worker has caught up with each:

- reserve: ``stock_order_place`` for each order, one after the other, as a channel's requests
  arrive (the order, its line, its fulfilment and its claim on the lot, the lots locked, the
  history, audit and event rows); the worker opens each order's payment intent (step 1);
- release: ``order_cancel`` for each (the consumer cancels before paying); the worker puts
  each order's units back on the shelf (warehousing's subscriber) and closes its intent.

The baseline, in the same run, takes turns with it chunk by chunk so that a change in a shared
machine's load falls on both alike: the same rows (the order, its line, its fulfilment and
its reservation, copied from the real ones) written with single-row INSERTs, one transaction
per order, then released with plain UPDATEs of the order's and the fulfilment's status, one
transaction per order: no locks, no checks, no stock counts, no history, audit or events, no
worker. Printed: each side's time, orders per second reserved and released, and the ratio.
"""

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal

from customs_clearance import _start_worker
from harness import queries, run_benchmark

CHUNK = 500  # orders each side does in its turn
SKUS = [  # (HS code, title, price, kg): China's positive list admits each
    ("621410", "Batik silk scarf", "45.00", "0.150"),
    ("330499", "Bird's nest moisturising cream 50 ml", "79.00", "0.120"),
    ("180690", "Dark chocolate 70 %", "18.50", "0.120"),
]


def run(count: int):
    import logging

    logging.disable(logging.WARNING)
    from django.db import connection
    from django.db.models import Sum

    from ewtp.celery import app
    from hubs.models import Order
    from payments.services.fx import fx_rates_load
    from warehousing.models import Fulfilment, StockLot

    world, warehouse, products = stocked(count)
    # one more than measured: the first goes through alone, its queries counted
    requests = [consumer_request(world, products[n % len(products)], n) for n in range(count + 1)]
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    worker = _start_worker(connection.settings_dict, queue)
    timings = dict.fromkeys(["reserve", "release", "plain insert", "plain update"], 0.0)
    here = dict.fromkeys(["reserve", "release"], 0.0)  # of which in this process
    orders, copies = [], []
    try:
        fx_rates_load()  # on the worker: customs' rates of the day (it waits for it to be up)
        caught_up()
        probe = probe_queries(warehouse, requests.pop())
        for start in range(0, count, CHUNK):
            seconds, own, placed = timed(reserve, warehouse, requests[start : start + CHUNK])
            timings["reserve"], here["reserve"] = (
                timings["reserve"] + seconds,
                here["reserve"] + own,
            )
            orders += placed
            templates = baseline_rows(placed)
            timings["plain insert"] += timed(plain_insert, templates, poll=0)[0]
            copies += templates
        for start in range(0, count, CHUNK):
            seconds, own, _none = timed(release, orders[start : start + CHUNK])
            timings["release"], here["release"] = (
                timings["release"] + seconds,
                here["release"] + own,
            )
            timings["plain update"] += timed(plain_update, copies[start : start + CHUNK], poll=0)[0]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    cancelled = Fulfilment.objects.filter(
        order__in=[o.pk for o in orders], status=Fulfilment.Status.CANCELLED
    ).count()
    reserved = StockLot.objects.aggregate(units=Sum("reserved"))["units"]
    closed = Order.objects.filter(pk__in=[o.pk for o in orders], status="cancelled").count()
    report(len(orders), timings, here, probe, warehouse)
    print(
        f"  fulfilments cancelled {cancelled:,} of {count:,}, orders cancelled {closed:,}, "
        f"units still reserved {reserved} (every unit back on the shelf: {reserved == 0})"
    )


def stocked(count: int):
    """The journey's world and a bonded warehouse at HGH holding the seller's three SKUs, with
    units enough for every order at once (counted in through the services)."""
    from django.utils import timezone
    from moneyed import Money

    from tests import factories
    from tests.journey import world_build
    from tests.warehousing.support import warehouse_at
    from warehousing.services.inbound import (
        InboundLineRequest,
        LineCount,
        inbound_arrive,
        inbound_book,
        inbound_receive,
    )

    world = world_build()
    seller = world.seller
    products = [
        factories.ProductFactory(
            seller=seller,
            hs_code=hs,
            title_en=title,
            unit_price=Money(price, seller.currency),
            unit_weight_kg=Decimal(kg),
        )
        for hs, title, price, kg in SKUS
    ]
    warehouse = warehouse_at(world.hgh)
    shipment = inbound_book(
        seller=seller,
        warehouse=warehouse,
        expected_on=timezone.localdate(),
        lines=[InboundLineRequest(product=p, quantity=count, lot="BENCH") for p in products],
        actor=world.seller_owner,
    )
    shipment = inbound_arrive(
        shipment=shipment, actor=world.hgh_operator, entry_declaration="E3301202612070001"
    )
    inbound_receive(
        shipment=shipment,
        counts=[
            LineCount(line_id=line.pk, received=line.quantity_expected, location_code="A-01")
            for line in shipment.lines.all()
        ],
        actor=world.hgh_operator,
    )
    return world, warehouse, products


def consumer_request(world, product, n: int):
    from hubs.services.placement import Consumer, LineRequest, OrderRequest
    from tests.journey import resident_id

    return OrderRequest(
        seller=world.seller,
        destination_hub=world.hgh,
        channel=world.channel,
        lines=[LineRequest(product.pk, 1 + n % 3)],
        incoterm="DDP",  # bonded goods are sold duty paid
        consumer=Consumer(
            name=f"Consumer {n}",
            address=f"{n} Wensan Road, Hangzhou",
            country="CN",
            id_reference=resident_id(n),
        ),
    )


def reserve(warehouse, requests) -> list:
    from warehousing.services.orders import stock_order_place

    return [
        stock_order_place(request=request, warehouse=warehouse, actor_label="Shop")
        for request in requests
    ]


def release(orders) -> None:
    from hubs.services.orders import order_cancel

    for order in orders:
        order_cancel(order=order, actor=None, reason="Changed my mind.", actor_label="Shop")


def probe_queries(warehouse, request) -> dict[str, int]:
    """The queries of one reservation and of its release, in this process (the worker's
    steps are not counted). Each is counted as soon as it ends: a capture reads the query
    log, which the next one clears."""
    with queries() as captured:
        (order,) = reserve(warehouse, [request])
    placed = len(captured)
    caught_up()
    with queries() as captured:
        release([order])
    cancelled = len(captured)
    caught_up()
    return {"reserve": placed, "release": cancelled}


def baseline_rows(orders) -> list[tuple]:
    """Unsaved copies of ``orders``' rows (order, line, fulfilment, reservation), each with
    its own reference, public id and waybill, as the baseline inserts them."""
    from hubs.models import Order
    from hubs.models.orders import order_reference
    from warehousing.models import Fulfilment
    from warehousing.services.fulfilment import waybill_number

    rows = []
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]).prefetch_related(
        "lines", "fulfilment__claims"
    ):
        line, fulfilment = order.lines.all()[0], order.fulfilment
        claim = fulfilment.claims.all()[0]
        order.pk, order.public_id, order.reference = None, uuid.uuid4(), order_reference()
        order.status = Order.Status.PLACED
        line.pk = None
        fulfilment.pk, fulfilment.public_id = None, uuid.uuid4()
        fulfilment.waybill, fulfilment.status = waybill_number(), Fulfilment.Status.RESERVED
        claim.pk = None
        rows.append((order, line, fulfilment, claim))
    return rows


def plain_insert(rows) -> list[tuple]:
    from django.db import transaction

    for order, line, fulfilment, claim in rows:
        with transaction.atomic():
            order.save(force_insert=True)
            line.order = order
            line.save(force_insert=True)
            fulfilment.order = order
            fulfilment.save(force_insert=True)
            claim.fulfilment, claim.order_line = fulfilment, line
            claim.save(force_insert=True)
    return rows


def plain_update(rows) -> None:
    from django.db import transaction

    from hubs.models import Order
    from warehousing.models import Fulfilment

    for order, _line, fulfilment, _claim in rows:
        with transaction.atomic():
            Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
            Fulfilment.objects.filter(pk=fulfilment.pk).update(status=Fulfilment.Status.CANCELLED)


def caught_up(poll: float = 0.02) -> None:
    """Until the worker has delivered every event."""
    from tests.journey import pipeline_idle

    while not pipeline_idle():
        time.sleep(poll)


def timed(action, *args, poll: float = 0.02):
    """Seconds ``action(*args)`` takes with (``poll`` > 0) the worker catching up after it,
    the seconds of the action alone, and what it returned."""
    started = time.perf_counter()
    result = action(*args)
    own = time.perf_counter() - started
    if poll:
        caught_up(poll)
    return time.perf_counter() - started, own, result


def report(count, timings, here, probe, warehouse) -> None:
    real = timings["reserve"] + timings["release"]
    plain = timings["plain insert"] + timings["plain update"]
    print(
        f"{count} stock orders from {warehouse.code} (bonded), one worker (solo pool), "
        f"PostgreSQL + Redis, sides alternating every {CHUNK}"
    )
    for side, what in (
        ("reserve", "stock_order_place; the worker opens the payment intents"),
        ("release", "order_cancel; the worker puts the units back, closes the intents"),
    ):
        print(
            f"  {side}  {timings[side]:7.1f} s  {count / timings[side]:7.1f} orders/s  ({what}; "
            f"{here[side]:.1f} s of it in this process, {probe[side]} queries an order here)"
        )
    for side, what in (
        ("plain insert", "INSERTs of the same 4 rows an order, a transaction each"),
        ("plain update", "UPDATEs of the 2 statuses an order, a transaction each"),
    ):
        print(
            f"  baseline, {side}  {timings[side]:7.1f} s  {count / timings[side]:7.1f} orders/s"
            f"  ({what})"
        )
    print(
        f"  reserved and released: {count / real:.1f} orders/s; the plain rows: "
        f"{count / plain:.1f} orders/s; ratio {plain / real:.3f}x"
    )


if __name__ == "__main__":
    if not os.environ.get("REDIS_URL"):
        print("skipped: a real worker needs Redis; set REDIS_URL=redis://host:6379/N")
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    arguments = parser.parse_args()
    run_benchmark(lambda: run(arguments.orders))

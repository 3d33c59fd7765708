"""An order sold from bonded stock, every step run the way the worker runs it (after
commit): placed with its units reserved, paid, declared as a 1210 retail import with its
three records, released, written off the bonded ledger, picked, packed, dispatched and
delivered; and the ways off it (unpaid, rejected, returned)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customs.models import Declaration
from ewtp.common.errors import ConflictError
from hubs.models import Order
from hubs.services.orders import order_cancel
from pipeline.sweeper import orders_stuck_sweep
from pipeline.timeline import order_timeline
from warehousing.models import Fulfilment, FulfilmentEvent, LedgerEntry, StockLot
from warehousing.selectors import bonded_ledger
from warehousing.services.fulfilment import fulfilment_scan

from .support import pick_and_hand_over, stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


def test_a_consumer_order_from_bonded_stock_to_delivery(journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 20, "L1")], operator=world.hgh_operator)
    lot = StockLot.objects.get(warehouse=warehouse)
    assert (lot.on_hand, lot.reserved) == (20, 0)

    order = stock_consumer_order(journey, warehouse, world.product, quantity=2)
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (20, 2)
    assert order.ships_from_stock and order.shipping_charge is None
    order = journey.pay(order)

    declaration = Declaration.objects.get(order=order)
    assert declaration.regime == "CN_CBEC_IMPORT"
    assert (declaration.supervision_mode, declaration.customs_site_code) == ("1210", "2991W")
    assert declaration.status == Declaration.Status.RELEASED, declaration.match_differences
    fulfilment = Fulfilment.objects.get(order=order)
    assert declaration.waybill == fulfilment.waybill
    client = Client()
    client.force_login(world.hgh_customs)
    page = client.get(reverse("customs:declaration", args=[declaration.reference]))
    assert "1210, bonded stock leaving supervision site 2991W" in page.content.decode()
    # released: written off the ledger and on the pick list; the units are still on the shelf
    assert fulfilment.status == Fulfilment.Status.RELEASED
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_CUSTOMS
    # DDP: the assessed taxes were paid to customs from escrow at release
    assert order.payment_intent.__class__.objects.get(order=order).duties_settled_at is not None
    written_off = LedgerEntry.objects.get(movement=LedgerEntry.Movement.RELEASED)
    assert (written_off.quantity, written_off.document) == (-2, declaration.reference)
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (20, 2)

    pick_and_hand_over(journey, order, operator=world.hgh_operator)
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.DISPATCHED
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    lot.refresh_from_db()
    assert (lot.on_hand, lot.reserved) == (18, 0)

    journey.run(
        fulfilment_scan,
        fulfilment=fulfilment,
        code=FulfilmentEvent.Code.DELIVERED,
        actor=world.hgh_operator,
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.DELIVERED
    titles = [moment.title for moment in order_timeline(order, oversee=True)]
    assert f"{fulfilment.waybill}: Picked" in titles
    assert f"{fulfilment.waybill}: Delivered" in titles

    (row,) = bonded_ledger(warehouse=warehouse, start=lot.updated_at.replace(year=2000))
    assert (row.came_in, row.released, row.closing, row.physical, row.difference) == (
        20,
        -2,
        18,
        18,
        0,
    )


def test_an_unpaid_stock_order_puts_its_units_back(journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "")], operator=world.hgh_operator)
    order = stock_consumer_order(journey, warehouse, world.product, quantity=5)
    journey.run(order_cancel, order=order, actor=None, reason="changed my mind", actor_label="Shop")
    lot = StockLot.objects.get(warehouse=warehouse)
    assert (lot.on_hand, lot.reserved) == (5, 0)
    assert Fulfilment.objects.get(order=order).status == Fulfilment.Status.CANCELLED
    assert world.product.__class__.objects.get(pk=world.product.pk).stock == world.product.stock


def test_a_paid_stock_order_whose_step_never_ran_is_driven_again(
    journey, django_capture_on_commit_callbacks
):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "")], operator=world.hgh_operator)
    order = stock_consumer_order(journey, warehouse, world.product)
    journey.steps = lambda: django_capture_on_commit_callbacks(execute=False)  # a lost event
    order = journey.pay(order)
    assert order.status == Order.Status.PAID and not Declaration.objects.exists()

    later = timezone.now() + timedelta(hours=settings.PIPELINE_STUCK_HOURS["paid"], minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_stuck_sweep(now=later) == 0  # moved on: nobody needs telling
    assert Declaration.objects.get(order=order).supervision_mode == "1210"
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_CUSTOMS  # on the pick list


def test_the_seller_does_not_pack_a_stock_order(journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "")], operator=world.hgh_operator)
    order = journey.pay(stock_consumer_order(journey, warehouse, world.product))
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)  # packable otherwise
    with pytest.raises(ConflictError) as refused:
        journey.pack(order)
    assert "served from a warehouse's stock" in refused.value.message
    client = Client()
    client.force_login(world.seller_owner)
    page = client.get(reverse("hubs:order_detail", args=[order.reference])).content.decode()
    assert "Served from stock" in page and "Parcels and tracking" not in page

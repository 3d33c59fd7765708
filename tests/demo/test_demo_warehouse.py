"""The demo's bonded warehouse at Hangzhou: a seller's stock counted in with one line short,
and orders served from it left at several stages, so that the stock report, the bonded
ledger and a channel's view of the stock have something to show; seeding again adds
nothing."""

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from customs.models import Declaration
from demo.world_warehouse import STOCKED_BY, WAREHOUSE_CODE, bonded_warehouse_build
from hubs.models import Hub, Order, Organization
from tests.journey import risk_rules_ensure
from warehousing.models import Fulfilment, InboundShipment, LedgerEntry, Warehouse
from warehousing.selectors import availability_by_warehouse, bonded_ledger, stock_report


@pytest.fixture
def demo_rates(settings):
    """The demo's exchange rates, as its settings have them (ewtp/settings/local.py)."""
    demo = importlib.import_module("ewtp.settings.local")
    settings.FX_RATE_SOURCE = demo.FX_RATE_SOURCE
    settings.FX_MAX_RATE_AGE_DAYS = demo.FX_MAX_RATE_AGE_DAYS
    settings.FX_RATES_INDICATIVE = demo.FX_RATES_INDICATIVE


@pytest.mark.django_db(transaction=True)  # the pipeline's steps run after each real commit
def test_the_demo_has_a_bonded_warehouse_with_stock_and_orders_served_from_it(
    hs_nomenclature, demo_rates
):
    risk_rules_ensure()
    call_command("seed_demo", "--orders", "2", "--days", "8", stdout=StringIO())
    warehouse = Warehouse.objects.select_related("hub").get(code=WAREHOUSE_CODE)
    assert (warehouse.hub.code, warehouse.is_bonded) == ("HGH", True)
    assert warehouse.customs_site_code and warehouse.locations.count() >= 3
    seller = Organization.objects.get(legal_name=STOCKED_BY)

    the_stock_came_in_on_the_first_day_with_one_line_short(seller)
    orders_from_stock_are_at_several_stages(seller)
    the_stock_report_and_the_ledger_show_it(warehouse, seller)

    before = (InboundShipment.objects.count(), LedgerEntry.objects.count())
    bonded_warehouse_build(
        {hub.code: hub for hub in Hub.objects.all()},
        {STOCKED_BY: seller},
        timezone.localdate(),
    )
    assert (InboundShipment.objects.count(), LedgerEntry.objects.count()) == before


def the_stock_came_in_on_the_first_day_with_one_line_short(seller):
    shipment = InboundShipment.objects.get(seller=seller)
    assert shipment.status == InboundShipment.Status.RECEIVED
    assert shipment.discrepancy_count == 1
    assert shipment.received_at < timezone.now() - timedelta(days=7)  # the window's first day
    assert shipment.entry_declaration
    assert any(shipment.reference in message.subject for message in mail.outbox)


def orders_from_stock_are_at_several_stages(seller):
    orders = Order.objects.filter(ships_from_stock=True)
    assert set(orders.values_list("seller", flat=True)) == {seller.pk}
    assert set(orders.values_list("status", flat=True)) == {
        "delivered",
        "shipped",
        "cancelled",
        "awaiting_payment",
    }
    for order in orders.filter(status__in=["delivered", "shipped"]):
        declaration = Declaration.objects.get(order=order)
        assert (declaration.supervision_mode, declaration.status) == ("1210", "released")
        assert declaration.waybill == order.fulfilment.waybill
    cancelled = Fulfilment.objects.get(order__status="cancelled", order__ships_from_stock=True)
    assert cancelled.status == Fulfilment.Status.CANCELLED  # its units back on the shelf


def the_stock_report_and_the_ledger_show_it(warehouse, seller):
    rows = stock_report(seller=seller)
    assert {row.product.sku for row in rows} == {"NG-CREAM-50", "NG-LIP-04"}
    assert all(row.on_hand > 0 for row in rows)
    assert sum(row.reserved for row in rows) == 1  # the order waiting for its payment
    ledger = bonded_ledger(warehouse=warehouse, start=timezone.now() - timedelta(days=30))
    assert all(row.difference == 0 for row in ledger)
    assert sum(row.came_in for row in ledger) == 117 + 240
    assert sum(row.released for row in ledger) == -(2 + 3)  # delivered, and on its way
    # a channel's listing: units a new order can have, per warehouse
    available = availability_by_warehouse(product_ids=[row.product.pk for row in rows])
    assert all(found[0][0] == warehouse and found[0][1] > 0 for found in available.values())

"""Administrators open warehouses with their locations; what the services own is only read."""

import pytest
from django.urls import reverse

from warehousing.models import Fulfilment, InboundShipment, LedgerEntry, StockLot, Warehouse

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


def test_every_warehousing_page_of_the_admin_opens(journey, admin_client):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 3, "L1")], operator=world.hgh_operator)
    journey.pay(stock_consumer_order(journey, warehouse, world.product))
    for model in (Warehouse, InboundShipment, StockLot, Fulfilment, LedgerEntry):
        name = f"admin:warehousing_{model._meta.model_name}_changelist"
        assert admin_client.get(reverse(name)).status_code == 200
    page = admin_client.get(reverse("admin:warehousing_warehouse_change", args=[warehouse.pk]))
    assert "A-01" in page.content.decode()
    lot = StockLot.objects.get()
    assert (
        admin_client.post(
            reverse("admin:warehousing_stocklot_change", args=[lot.pk]), {"on_hand": 99}
        ).status_code
        == 403
    )


def test_a_warehouse_with_goods_keeps_its_bond_and_a_bonded_one_is_a_customs_site_in_china(
    journey, admin_client
):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 3, "L1")], operator=world.hgh_operator)
    change = reverse("admin:warehousing_warehouse_change", args=[warehouse.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="is_bonded"' not in page  # read-only now
    add = admin_client.post(
        reverse("admin:warehousing_warehouse_add"),
        {
            "hub": world.kul.pk,
            "code": "KUL-BW",
            "name": "KL bonded",
            "is_bonded": "on",
            "delivery_days_min": 1,
            "delivery_days_max": 2,
            "locations-TOTAL_FORMS": 0,
            "locations-INITIAL_FORMS": 0,
        },
    )
    assert add.status_code == 200  # the form again, with its errors
    text = add.content.decode()
    assert "China" in text and "kind of customs site" in text
    assert not Warehouse.objects.filter(code="KUL-BW").exists()

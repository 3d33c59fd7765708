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

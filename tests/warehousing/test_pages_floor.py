"""The warehouse floor of a hub's operators: a shipment's arrival under its entry declaration
and its count, the courier's scans and the packing label, returns back into stock within
their window, cycle counts and adjustments; operators of another hub, and anyone else, can
do none of it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hubs.models import Order
from hubs.navigation import navigation_for
from tests import factories
from warehousing.models import (
    Adjustment,
    Fulfilment,
    FulfilmentEvent,
    InboundShipment,
    LedgerEntry,
    StockLot,
)
from warehousing.services.inbound import InboundLineRequest, inbound_book

from .support import stock_consumer_order, stock_in, warehouse_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(journey):
    """A shipment of two SKUs booked for the Hangzhou bonded warehouse."""
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    other = factories.ProductFactory(seller=world.seller, sku="SCARF-2")
    shipment = book(journey, warehouse, [(world.product, 10, "L1"), (other, 6, "")])
    return journey, shipment


def book(journey, warehouse, lines) -> InboundShipment:
    world = journey.world
    return journey.run(
        inbound_book,
        seller=world.seller,
        warehouse=warehouse,
        expected_on=timezone.localdate() + timedelta(days=2),
        lines=[InboundLineRequest(product=p, quantity=q, lot=lot) for p, q, lot in lines],
        actor=world.seller_owner,
    )


def count_form(shipment, counts) -> dict:
    """The count-in formset: ``counts`` one (received, damaged, location) per line."""
    data = {
        "action": "receive",
        "lines-TOTAL_FORMS": str(len(counts)),
        "lines-INITIAL_FORMS": str(len(counts)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (line, (received, damaged, location)) in enumerate(
        zip(shipment.lines.order_by("line_no"), counts, strict=True)
    ):
        data |= {
            f"lines-{index}-line": str(line.pk),
            f"lines-{index}-received": str(received),
            f"lines-{index}-damaged": str(damaged),
            f"lines-{index}-location": location,
            f"lines-{index}-note": "",
        }
    return data


def dispatched_order(journey, warehouse, n: int = 0) -> Fulfilment:
    order = journey.pay(stock_consumer_order(journey, warehouse, journey.world.product, n=n))
    fulfilment = Fulfilment.objects.get(order=order)
    assert fulfilment.status == Fulfilment.Status.DISPATCHED
    return fulfilment


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as context:
        response = fetch()
        assert response.status_code == 200, response.content[:300]
    return len(context)


def test_an_operator_records_the_arrival_and_counts_a_shipment_in(client, floor):
    journey, shipment = floor
    client.force_login(journey.world.hgh_operator)
    page = client.get("/warehouses/floor/")
    assert page.status_code == 200
    assert page.context["expected"] == [shipment] and shipment.reference in page.content.decode()
    url = f"/warehouses/floor/inbound/{shipment.public_id}/"
    response = client.post(url, {"action": "arrive", "entry_declaration": "e3301202612070009"})
    assert response.url == url
    shipment.refresh_from_db()
    assert (shipment.status, shipment.entry_declaration) == ("arrived", "E3301202612070009")
    assert client.get("/warehouses/floor/").context["arrived"] == [shipment]
    assert client.get(url).context["formset"] is not None
    response = client.post(url, count_form(shipment, [(9, 1, "A-01"), (6, 0, "")]), follow=True)
    assert "with 1 discrepancy" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == InboundShipment.Status.RECEIVED
    lots = {(lot.product.sku, lot.location.code): lot.on_hand for lot in StockLot.objects.all()}
    assert lots == {(journey.world.product.sku, "A-01"): 9, ("SCARF-2", "DOCK"): 6}
    assert sorted(LedgerEntry.objects.values_list("quantity", "document")) == [
        (6, "E3301202612070009"),
        (9, "E3301202612070009"),
    ]


def test_a_bonded_arrival_needs_its_entry_declaration(client, floor):
    journey, shipment = floor
    client.force_login(journey.world.hgh_operator)
    url = f"/warehouses/floor/inbound/{shipment.public_id}/"
    response = client.post(url, {"action": "arrive", "entry_declaration": ""})
    assert response.status_code == 200
    assert "entry declaration" in str(response.context["arrival_form"].errors["entry_declaration"])
    assert InboundShipment.objects.get().status == InboundShipment.Status.BOOKED


def test_a_bad_count_shows_the_error_on_its_line_and_counts_nothing(client, floor):
    journey, shipment = floor
    client.force_login(journey.world.hgh_operator)
    url = f"/warehouses/floor/inbound/{shipment.public_id}/"
    client.post(url, {"action": "arrive", "entry_declaration": "E1"})
    response = client.post(url, count_form(shipment, [(10, 0, "A-01"), (6, 0, "Z-99")]))
    assert response.status_code == 200
    assert "no location Z-99" in str(response.context["formset"].forms[1].errors["location"])
    response = client.post(url, count_form(shipment, [(-1, 0, "A-01"), (6, 0, "")]))
    assert "received" in response.context["formset"].forms[0].errors
    assert InboundShipment.objects.get().status == InboundShipment.Status.ARRIVED
    assert not StockLot.objects.exists() and not LedgerEntry.objects.exists()


def test_the_courier_scans_and_the_packing_label(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    fulfilment = dispatched_order(journey, warehouse)
    client.force_login(world.hgh_operator)
    page = client.get("/warehouses/floor/")
    assert page.context["dispatched"] == [fulfilment]
    assert fulfilment.waybill in page.content.decode()
    label = client.get(f"/warehouses/floor/labels/{fulfilment.waybill}.pdf")
    assert label["Content-Type"] == "application/pdf" and label.content.startswith(b"%PDF")
    assert b"STSong-Light" not in label.content
    # a consumer's name in Chinese is printed in a font that has its glyphs
    Order.objects.filter(pk=fulfilment.order_id).update(consumer_name="李娜")
    label = client.get(f"/warehouses/floor/labels/{fulfilment.waybill}.pdf")
    assert b"STSong-Light" in label.content
    client.post("/warehouses/floor/", {"action": "out_for_delivery", "waybill": fulfilment.waybill})
    assert fulfilment.events.filter(code=FulfilmentEvent.Code.OUT_FOR_DELIVERY).exists()
    with journey.steps():  # the pipeline's reaction runs after the scan's commit
        response = client.post(
            "/warehouses/floor/",
            {"action": "delivered", "waybill": fulfilment.waybill},
            follow=True,
        )
    assert "delivered" in response.content.decode()
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.DELIVERED
    assert Order.objects.get(pk=fulfilment.order_id).status == Order.Status.DELIVERED
    assert client.get("/warehouses/floor/").context["dispatched"] == []


def test_a_return_goes_back_into_stock_within_its_window(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    first, late = dispatched_order(journey, warehouse, 0), dispatched_order(journey, warehouse, 1)
    client.force_login(world.hgh_operator)
    for fulfilment in (first, late):
        client.post("/warehouses/floor/", {"action": "delivered", "waybill": fulfilment.waybill})
    response = client.post(
        "/warehouses/floor/",
        {"action": "return", "waybill": first.waybill.lower(), "location": "A-02"},
        follow=True,
    )
    assert "back into stock" in response.content.decode()
    assert Fulfilment.objects.get(pk=first.pk).status == Fulfilment.Status.RETURNED
    assert StockLot.objects.get(location__code="A-02").on_hand == 1
    assert LedgerEntry.objects.filter(movement=LedgerEntry.Movement.RETURNED).count() == 1
    # past the 30 days: refused, said on the floor, nothing moves
    Fulfilment.objects.filter(pk=late.pk).update(released_at=timezone.now() - timedelta(days=31))
    response = client.post(
        "/warehouses/floor/", {"action": "return", "waybill": late.waybill}, follow=True
    )
    assert "within 30 days of their release" in response.content.decode()
    assert Fulfilment.objects.get(pk=late.pk).status == Fulfilment.Status.DELIVERED
    assert StockLot.objects.get(location__code="A-02").on_hand == 1
    response = client.post(
        "/warehouses/floor/", {"action": "return", "waybill": "DNOSUCHBILL1"}, follow=True
    )
    assert "has this waybill" in response.content.decode()


def test_a_cycle_count_and_a_damage_wait_for_customs_in_a_bonded_warehouse(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    client.force_login(world.hgh_operator)
    url = "/warehouses/floor/HGH-BW1/count/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["lots"] == [lot]
    response = client.post(url, {"action": "count", f"lot_{lot.pk}": "9"}, follow=True)
    assert "waits for a customs officer" in response.content.decode()
    adjustment = Adjustment.objects.get()
    assert (adjustment.kind, adjustment.quantity, adjustment.status) == ("count", -1, "requested")
    response = client.post(
        url,
        {"action": "adjust", "lot": str(lot.pk), "kind": "damaged", "quantity": "2"}
        | {"reason": "Crushed on the shelf"},
        follow=True,
    )
    assert "until a customs officer approves" in response.content.decode()
    assert Adjustment.objects.filter(kind="damaged", quantity=-2).exists()
    assert len(client.get(url).context["waiting"]) == 2
    lot.refresh_from_db()
    assert lot.on_hand == 10  # nothing moves before the officer


def test_a_bad_count_or_adjustment_shows_its_error_and_changes_nothing(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    client.force_login(world.hgh_operator)
    url = "/warehouses/floor/HGH-BW1/count/"
    response = client.post(url, {"action": "count", f"lot_{lot.pk}": "-3"})
    assert f"lot_{lot.pk}" in response.context["count_form"].errors
    response = client.post(url, {"action": "count", f"lot_{lot.pk}": ""})
    assert "at least one lot" in str(response.context["count_form"].non_field_errors())
    response = client.post(
        url, {"action": "adjust", "lot": str(lot.pk), "kind": "expired", "quantity": "2"}
    )
    assert "reason" in response.context["adjust_form"].errors
    response = client.post(
        url,
        {"action": "adjust", "lot": str(lot.pk), "kind": "destroyed", "quantity": "11"}
        | {"reason": "Burnt"},
    )
    assert "at most 10 can go" in str(response.context["adjust_form"].errors["quantity"])
    assert not Adjustment.objects.exists()


def test_a_warehouse_that_is_not_bonded_adjusts_at_once(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh, bonded=False, code="HGH-W2")
    stock_in(journey, warehouse, [(world.product, 10, "L1")], operator=world.hgh_operator)
    lot = StockLot.objects.get()
    client.force_login(world.hgh_operator)
    response = client.post(
        "/warehouses/floor/HGH-W2/count/", {"action": "count", f"lot_{lot.pk}": "12"}, follow=True
    )
    assert "1 difference applied" in response.content.decode()
    lot.refresh_from_db()
    assert lot.on_hand == 12 and not LedgerEntry.objects.exists()


def test_other_hubs_and_other_roles_work_none_of_it(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    fulfilment = dispatched_order(journey, warehouse)
    shipment = book(journey, warehouse, [(world.product, 3, "L2")])
    client.force_login(world.kul_operator)
    page = client.get("/warehouses/floor/")
    assert page.status_code == 200 and page.context["warehouse"] is None
    assert shipment.reference not in page.content.decode()
    assert client.get("/warehouses/floor/?warehouse=HGH-BW1").status_code == 404
    count_url = f"/warehouses/floor/inbound/{shipment.public_id}/"
    assert client.get(count_url).status_code == 404
    assert (
        client.post(count_url, {"action": "arrive", "entry_declaration": "E1"}).status_code == 404
    )
    assert client.get("/warehouses/floor/HGH-BW1/count/").status_code == 404
    assert client.get(f"/warehouses/floor/labels/{fulfilment.waybill}.pdf").status_code == 404
    client.post("/warehouses/floor/", {"action": "delivered", "waybill": fulfilment.waybill})
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == Fulfilment.Status.DISPATCHED
    assert InboundShipment.objects.get(pk=shipment.pk).status == InboundShipment.Status.BOOKED
    for stranger in (world.seller_owner, world.hgh_customs):
        client.force_login(stranger)
        assert client.get("/warehouses/floor/").status_code == 403
        assert client.get(count_url).status_code == 403
    # an administrator posted to no hub finds no floor
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/warehouses/floor/").status_code == 404


def test_the_floor_costs_the_same_queries_for_one_or_many(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 10, "L0")], operator=world.hgh_operator)
    client.force_login(world.hgh_operator)

    def grow(start, count):
        for n in range(start, start + count):
            book(journey, warehouse, [(world.product, 5, f"B{n}")])
            dispatched_order(journey, warehouse, n)
            product = factories.ProductFactory(seller=world.seller, sku=f"Q-{n:03d}")
            stock_in(journey, warehouse, [(product, 2, "")], operator=world.hgh_operator)

    grow(1, 1)
    urls = ("/warehouses/floor/", "/warehouses/floor/HGH-BW1/count/")
    few = [queries(lambda url=url: client.get(url)) for url in urls]
    grow(2, 5)
    assert [queries(lambda url=url: client.get(url)) for url in urls] == few
    assert len(client.get("/warehouses/floor/").context["dispatched"]) == 6


def test_the_operators_menu_leads_to_the_floor(journey):
    world = journey.world
    urls = [item.url for item in navigation_for(world.hgh_operator)]
    assert "/warehouses/floor/" in urls
    assert not {"/warehouses/stock/", "/warehouses/ledger/"} & set(urls)

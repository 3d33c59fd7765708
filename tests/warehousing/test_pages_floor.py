"""The warehouse floor of a hub's operators: a shipment's arrival under its entry declaration
and its count, the pick list (picked and packed, the packing label, handed to the courier),
the courier's scans, returns back into stock within their window, cycle counts and
adjustments; operators of another hub, and anyone else, can do none of it."""

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
from warehousing.services.fulfilment import fulfilment_pack
from warehousing.services.inbound import InboundLineRequest, inbound_book
from warehousing.services.returns import return_request

from .support import pick_and_hand_over, stock_consumer_order, stock_in, warehouse_at

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


def released_order(journey, warehouse, n: int = 0, quantity: int = 1) -> Fulfilment:
    """A consumer's order paid and (bonded: its retail import released) on the pick list."""
    product = journey.world.product
    order = journey.pay(stock_consumer_order(journey, warehouse, product, n=n, quantity=quantity))
    fulfilment = Fulfilment.objects.get(order=order)
    assert fulfilment.status == (
        Fulfilment.Status.RELEASED if warehouse.is_bonded else Fulfilment.Status.RESERVED
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.IN_CUSTOMS
    return fulfilment


def dispatched_order(journey, warehouse, n: int = 0) -> Fulfilment:
    fulfilment = released_order(journey, warehouse, n)
    pick_and_hand_over(journey, fulfilment.order, operator=journey.world.hgh_operator)
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.DISPATCHED
    return fulfilment


def pack_url(fulfilment) -> str:
    return f"/warehouses/floor/orders/{fulfilment.waybill}/pack/"


def hand_over_url(fulfilment) -> str:
    return f"/warehouses/floor/orders/{fulfilment.waybill}/hand-over/"


def label_url(fulfilment) -> str:
    return f"/warehouses/floor/labels/{fulfilment.waybill}.pdf"


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


def test_an_operator_picks_packs_and_hands_over_from_the_pick_list(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    fulfilment = released_order(journey, warehouse, quantity=2)
    client.force_login(world.hgh_operator)
    page = client.get("/warehouses/floor/")
    assert page.context["pick_list"] == [fulfilment] and page.context["packed"] == []
    (claim,) = page.context["pick_list"][0].claims.all()
    assert (claim.stock_lot.location.code, claim.stock_lot.lot, claim.quantity) == ("A-01", "L1", 2)
    html = page.content.decode()
    assert fulfilment.waybill in html and fulfilment.release_declaration in html
    assert world.product.sku in html and pack_url(fulfilment) in html
    # no label for goods still on the shelf
    label = client.get(label_url(fulfilment))
    assert label.status_code == 409 and "not packed yet" in label.content.decode()
    # the buttons post; a link followed by mistake changes nothing
    assert client.get(pack_url(fulfilment)).status_code == 405

    response = client.post(pack_url(fulfilment), follow=True)
    assert response.redirect_chain[-1][0] == "/warehouses/floor/?warehouse=HGH-BW1"
    assert "picked and packed: print its label" in response.content.decode()
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.PACKED and fulfilment.packed_at
    lot = StockLot.objects.get()
    assert (lot.on_hand, lot.reserved) == (3, 0)  # off the shelf
    codes = list(fulfilment.events.values_list("code", flat=True))
    assert codes == [FulfilmentEvent.Code.PICKED, FulfilmentEvent.Code.PACKED]
    assert response.context["pick_list"] == [] and response.context["packed"] == [fulfilment]
    assert hand_over_url(fulfilment) in response.content.decode()
    label = client.get(label_url(fulfilment))
    assert label["Content-Type"] == "application/pdf" and label.content.startswith(b"%PDF")
    assert Order.objects.get(pk=fulfilment.order_id).status == Order.Status.IN_CUSTOMS

    with journey.steps():  # the pipeline ships the order after the hand-over's commit
        response = client.post(hand_over_url(fulfilment), follow=True)
    assert "handed to the courier: the order is on its way" in response.content.decode()
    fulfilment.refresh_from_db()
    assert fulfilment.status == Fulfilment.Status.DISPATCHED
    assert fulfilment.events.filter(code=FulfilmentEvent.Code.HANDED_OVER).exists()
    assert Order.objects.get(pk=fulfilment.order_id).status == Order.Status.SHIPPED
    assert response.context["packed"] == [] and response.context["dispatched"] == [fulfilment]


def test_a_step_out_of_turn_is_said_on_the_floor_and_changes_nothing(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 5, "L1")], operator=world.hgh_operator)
    fulfilment = released_order(journey, warehouse)
    client.force_login(world.hgh_operator)
    # handed over before it is packed
    response = client.post(hand_over_url(fulfilment), follow=True)
    assert "goods are released by customs" in response.content.decode()
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == Fulfilment.Status.RELEASED
    # a double click packs once: the units leave the shelf once
    client.post(pack_url(fulfilment))
    client.post(pack_url(fulfilment))
    assert StockLot.objects.get().on_hand == 4
    assert fulfilment.events.filter(code=FulfilmentEvent.Code.PICKED).count() == 1
    with journey.steps():
        client.post(hand_over_url(fulfilment))
    response = client.post(pack_url(fulfilment), follow=True)
    assert "goods are with the courier" in response.content.decode()
    assert Fulfilment.objects.get(pk=fulfilment.pk).status == Fulfilment.Status.DISPATCHED
    assert StockLot.objects.get().on_hand == 4
    # a waybill no warehouse of the hub has
    assert client.post("/warehouses/floor/orders/DNOSUCHBILL1/pack/").status_code == 404


def test_stock_that_is_not_bonded_is_picked_once_the_order_is_paid(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh, bonded=False, code="HGH-W2")
    stock_in(journey, warehouse, [(world.product, 5, "")], operator=world.hgh_operator)
    paid = released_order(journey, warehouse)
    unpaid = stock_consumer_order(journey, warehouse, world.product, n=1)
    client.force_login(world.hgh_operator)
    page = client.get("/warehouses/floor/?warehouse=HGH-W2")
    assert page.context["pick_list"] == [paid]  # not the order waiting for its payment
    response = client.post(pack_url(paid), follow=True)
    assert response.redirect_chain[-1][0] == "/warehouses/floor/?warehouse=HGH-W2"
    assert Fulfilment.objects.get(pk=paid.pk).status == Fulfilment.Status.PACKED
    # the unpaid order cannot be packed from a hand-typed address either
    response = client.post(pack_url(unpaid.fulfilment), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Fulfilment.objects.get(order=unpaid).status == Fulfilment.Status.RESERVED
    with journey.steps():
        client.post(hand_over_url(paid))
    assert Order.objects.get(pk=paid.order_id).status == Order.Status.SHIPPED
    lot = StockLot.objects.get()
    assert (lot.on_hand, lot.reserved) == (4, 1)  # the unpaid order's unit stays claimed
    assert not LedgerEntry.objects.exists()  # no bonded ledger outside a bonded warehouse


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
    first, late, unasked = (dispatched_order(journey, warehouse, n) for n in range(3))
    client.force_login(world.hgh_operator)
    for fulfilment in (first, late, unasked):
        client.post("/warehouses/floor/", {"action": "delivered", "waybill": fulfilment.waybill})
    for fulfilment in (first, late):  # the sales channel asks, for its consumers
        journey.run(
            return_request,
            fulfilment=Fulfilment.objects.get(pk=fulfilment.pk),
            reason="Wrong colour",
            actor_label="Shop",
        )
    response = client.post(
        "/warehouses/floor/",
        {"action": "return", "waybill": first.waybill.lower(), "location": "A-02"},
        follow=True,
    )
    assert "back into stock" in response.content.decode()
    assert Fulfilment.objects.get(pk=first.pk).status == Fulfilment.Status.RETURNED
    assert StockLot.objects.get(location__code="A-02").on_hand == 1
    assert LedgerEntry.objects.filter(movement=LedgerEntry.Movement.RETURNED).count() == 1
    # past the 45 days: refused, said on the floor, nothing moves
    Fulfilment.objects.filter(pk=late.pk).update(released_at=timezone.now() - timedelta(days=46))
    response = client.post(
        "/warehouses/floor/", {"action": "return", "waybill": late.waybill}, follow=True
    )
    assert "within 45 days of their release" in response.content.decode()
    assert Fulfilment.objects.get(pk=late.pk).status == Fulfilment.Status.DELIVERED
    # delivered goods nobody asked to return are not taken back
    response = client.post(
        "/warehouses/floor/", {"action": "return", "waybill": unasked.waybill}, follow=True
    )
    assert "No return was asked for" in response.content.decode()
    assert Fulfilment.objects.get(pk=unasked.pk).status == Fulfilment.Status.DELIVERED
    assert StockLot.objects.get(location__code="A-02").on_hand == 1
    response = client.post(
        "/warehouses/floor/", {"action": "return", "waybill": "DNOSUCHBILL1"}, follow=True
    )
    assert "has this waybill" in response.content.decode()


def test_a_cycle_count_and_a_damage_wait_for_customs_in_a_bonded_warehouse(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(
        journey,
        warehouse,
        [(world.product, 10, "L1"), (world.product, 5, "L2")],
        operator=world.hgh_operator,
    )
    lot, other = StockLot.objects.get(lot="L1"), StockLot.objects.get(lot="L2")
    client.force_login(world.hgh_operator)
    url = "/warehouses/floor/HGH-BW1/count/"
    page = client.get(url)
    assert page.status_code == 200 and page.context["lots"] == [lot, other]
    response = client.post(url, {"action": "count", f"lot_{lot.pk}": "9"}, follow=True)
    assert "waits for a customs officer" in response.content.decode()
    adjustment = Adjustment.objects.get()
    assert (adjustment.kind, adjustment.quantity, adjustment.status) == ("count", -1, "requested")
    damage = {"action": "adjust", "kind": "damaged", "quantity": "2"} | {
        "reason": "Crushed on the shelf"
    }
    # one adjustment of a lot waits at a time: the counted lot's damage waits for its decision
    response = client.post(url, damage | {"lot": str(lot.pk)})
    assert "already waits for a customs officer" in str(
        response.context["adjust_form"].errors["lot"]
    )
    response = client.post(url, damage | {"lot": str(other.pk)}, follow=True)
    assert "until a customs officer approves" in response.content.decode()
    assert Adjustment.objects.filter(kind="damaged", quantity=-2, stock_lot=other).exists()
    assert len(client.get(url).context["waiting"]) == 2
    lot.refresh_from_db()
    other.refresh_from_db()
    assert (lot.on_hand, other.on_hand) == (10, 5)  # nothing moves before the officer


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
    waiting, packed = released_order(journey, warehouse, 1), released_order(journey, warehouse, 2)
    journey.run(fulfilment_pack, fulfilment=packed, actor=world.hgh_operator)
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
    assert client.post(pack_url(waiting)).status_code == 404
    assert client.post(hand_over_url(packed)).status_code == 404
    assert Fulfilment.objects.get(pk=waiting.pk).status == Fulfilment.Status.RELEASED
    assert Fulfilment.objects.get(pk=packed.pk).status == Fulfilment.Status.PACKED
    assert InboundShipment.objects.get(pk=shipment.pk).status == InboundShipment.Status.BOOKED
    for stranger in (world.seller_owner, world.hgh_customs):
        client.force_login(stranger)
        assert client.get("/warehouses/floor/").status_code == 403
        assert client.get(count_url).status_code == 403
        assert client.post(pack_url(waiting)).status_code == 403
    assert Fulfilment.objects.get(pk=waiting.pk).status == Fulfilment.Status.RELEASED
    # an administrator posted to no hub finds no floor
    client.force_login(factories.UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/warehouses/floor/").status_code == 404


def test_the_floor_costs_the_same_queries_for_one_or_many(client, journey):
    world = journey.world
    warehouse = warehouse_at(world.hgh)
    stock_in(journey, warehouse, [(world.product, 20, "L0")], operator=world.hgh_operator)
    client.force_login(world.hgh_operator)

    def grow(start, count):
        for n in range(start, start + count):
            book(journey, warehouse, [(world.product, 5, f"B{n}")])
            dispatched_order(journey, warehouse, 3 * n)
            packed = released_order(journey, warehouse, 3 * n + 1)
            journey.run(fulfilment_pack, fulfilment=packed, actor=world.hgh_operator)
            product = factories.ProductFactory(seller=world.seller, sku=f"Q-{n:03d}")
            stock_in(
                journey,
                warehouse,
                [(product, 1, "X"), (product, 1, "Y")],
                operator=world.hgh_operator,
            )
            # an order on the pick list claiming units of two lots
            claimed = journey.pay(
                stock_consumer_order(journey, warehouse, product, quantity=2, n=3 * n + 2)
            )
            assert Fulfilment.objects.get(order=claimed).status == Fulfilment.Status.RELEASED

    grow(1, 1)
    urls = ("/warehouses/floor/", "/warehouses/floor/HGH-BW1/count/")
    few = [queries(lambda url=url: client.get(url)) for url in urls]
    grow(2, 5)
    assert [queries(lambda url=url: client.get(url)) for url in urls] == few
    page = client.get("/warehouses/floor/")
    assert [len(page.context[queue]) for queue in ("pick_list", "packed", "dispatched")] == [
        6,
        6,
        6,
    ]


def test_the_operators_menu_leads_to_the_floor(journey):
    world = journey.world
    urls = [item.url for item in navigation_for(world.hgh_operator)]
    assert "/warehouses/floor/" in urls
    assert not {"/warehouses/stock/", "/warehouses/ledger/"} & set(urls)

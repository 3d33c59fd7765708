"""Inbound shipments: the notice is checked as a seller would get it wrong, the arrival needs
its entry declaration in a bonded warehouse, the count puts good units away (and into the
bonded ledger) once, and a differing line is a discrepancy the seller hears of."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from tests import factories
from warehousing.models import InboundShipment, LedgerEntry, StockLot
from warehousing.services.inbound import (
    InboundLineRequest,
    LineCount,
    inbound_arrive,
    inbound_book,
    inbound_cancel,
    inbound_receive,
)

from .support import warehouse_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(journey):
    return journey.world


@pytest.fixture
def warehouse(world):
    return warehouse_at(world.hgh)


def book(world, warehouse, *lines, days=2):
    return inbound_book(
        seller=world.seller,
        warehouse=warehouse,
        expected_on=timezone.localdate() + timedelta(days=days),
        lines=list(lines) or [InboundLineRequest(product=world.product, quantity=10, lot="L1")],
        actor=world.seller_owner,
    )


def field_of(error):
    return (error.extra or {}).get("field")


def test_a_notice_for_another_sellers_product_is_refused(world, warehouse):
    other = factories.ProductFactory()
    with pytest.raises(ApplicationError) as refused:
        book(world, warehouse, InboundLineRequest(product=other, quantity=1))
    assert field_of(refused.value) == "lines.0.product"
    assert not InboundShipment.objects.exists()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": 0}, "lines.0.quantity"),
        ({"quantity": 10_000_001}, "lines.0.quantity"),
        ({"quantity": 1, "expires_on": "yesterday"}, "lines.0.expires_on"),
    ],
)
def test_bad_lines_are_refused_with_their_field(world, warehouse, line, field):
    if line.get("expires_on") == "yesterday":
        line["expires_on"] = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ApplicationError) as refused:
        book(world, warehouse, InboundLineRequest(product=world.product, **line))
    assert field_of(refused.value) == field


def test_the_same_product_and_lot_twice_is_one_line(world, warehouse):
    line = InboundLineRequest(product=world.product, quantity=1, lot="A")
    with pytest.raises(ApplicationError) as refused:
        book(world, warehouse, line, line)
    assert field_of(refused.value) == "lines.1.lot"


def test_an_expected_date_in_the_past_is_refused(world, warehouse):
    with pytest.raises(ApplicationError) as refused:
        book(world, warehouse, days=-1)
    assert field_of(refused.value) == "expected_on"


def test_someone_outside_the_seller_cannot_book(world, warehouse):
    with pytest.raises(NotAllowedError):
        inbound_book(
            seller=world.seller,
            warehouse=warehouse,
            expected_on=timezone.localdate(),
            lines=[InboundLineRequest(product=world.product, quantity=1)],
            actor=factories.member(factories.SellerFactory()),
        )


def test_a_bonded_arrival_names_its_entry_declaration(world, warehouse):
    shipment = book(world, warehouse)
    with pytest.raises(ApplicationError) as refused:
        inbound_arrive(shipment=shipment, actor=world.hgh_operator)
    assert field_of(refused.value) == "entry_declaration"
    with pytest.raises(NotAllowedError):  # an operator of another hub
        inbound_arrive(shipment=shipment, actor=world.kul_operator, entry_declaration="E1")
    arrived = inbound_arrive(shipment=shipment, actor=world.hgh_operator, entry_declaration="e1")
    assert (arrived.status, arrived.entry_declaration) == ("arrived", "E1")


def test_counting_before_arrival_is_refused(world, warehouse):
    shipment = book(world, warehouse)
    line = shipment.lines.get()
    with pytest.raises(ConflictError):
        inbound_receive(
            shipment=shipment,
            counts=[LineCount(line_id=line.pk, received=10, location_code="A-01")],
            actor=world.hgh_operator,
        )
    assert not StockLot.objects.exists()


def test_the_count_puts_units_away_once_and_tells_the_seller_of_a_discrepancy(
    world, warehouse, django_capture_on_commit_callbacks
):
    second = factories.ProductFactory(seller=world.seller, sku="TEA-2")
    shipment = book(
        world,
        warehouse,
        InboundLineRequest(product=world.product, quantity=50, lot="L1"),
        InboundLineRequest(product=second, quantity=20, lot="L9"),
    )
    shipment = inbound_arrive(shipment=shipment, actor=world.hgh_operator, entry_declaration="E7")
    first_line, second_line = shipment.lines.all()
    counts = [
        LineCount(line_id=first_line.pk, received=48, location_code="A-01", note="2 missing"),
        LineCount(line_id=second_line.pk, received=20, location_code="a-02"),
    ]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inbound_receive(shipment=shipment, counts=counts, actor=world.hgh_operator)
    # a second count of the same shipment changes nothing
    inbound_receive(shipment=shipment, counts=counts, actor=world.hgh_operator)
    assert StockLot.objects.get(product=world.product).on_hand == 48
    assert StockLot.objects.get(product=second, location__code="A-02").on_hand == 20
    entries = sorted(LedgerEntry.objects.values_list("quantity", "document", "movement"))
    assert entries == [(20, "E7", "in"), (48, "E7", "in")]
    (message,) = [m for m in mail.outbox if "received" in m.subject]
    assert "1 discrepancies" in message.subject
    assert "50 announced, 48 received" in message.body
    first_line.refresh_from_db()
    assert first_line.has_discrepancy and first_line.difference == -2


def test_every_line_is_counted_once(world, warehouse):
    shipment = book(world, warehouse)
    shipment = inbound_arrive(shipment=shipment, actor=world.hgh_operator, entry_declaration="E1")
    with pytest.raises(ApplicationError) as refused:
        inbound_receive(shipment=shipment, counts=[], actor=world.hgh_operator)
    assert field_of(refused.value) == "lines"
    line = shipment.lines.get()
    with pytest.raises(ApplicationError) as refused:
        inbound_receive(
            shipment=shipment,
            counts=[LineCount(line_id=line.pk, received=1, location_code="NOWHERE")],
            actor=world.hgh_operator,
        )
    assert field_of(refused.value) == "lines.0.location"
    assert not StockLot.objects.exists()


def test_a_booked_shipment_can_be_cancelled_but_not_an_arrived_one(world, warehouse):
    shipment = book(world, warehouse)
    assert inbound_cancel(shipment=shipment, actor=world.seller_owner).status == "cancelled"
    arrived = inbound_arrive(
        shipment=book(world, warehouse), actor=world.hgh_operator, entry_declaration="E2"
    )
    with pytest.raises(ConflictError):
        inbound_cancel(shipment=arrived, actor=world.seller_owner)

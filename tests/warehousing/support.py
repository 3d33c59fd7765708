"""A bonded warehouse at Hangzhou with stock in it, and the actions of the people who work
it, for the warehousing tests, the journey's stock orders and the bench."""

from datetime import timedelta

from django.utils import timezone

from hubs.models import Order
from hubs.services.placement import Consumer, LineRequest, OrderRequest
from tests.journey import Journey, resident_id
from warehousing.models import Location, Warehouse
from warehousing.services.inbound import (
    InboundLineRequest,
    LineCount,
    inbound_arrive,
    inbound_book,
    inbound_receive,
)
from warehousing.services.orders import stock_order_place


def warehouse_at(hub, *, bonded: bool = True, code: str = "HGH-BW1") -> Warehouse:
    warehouse, _created = Warehouse.objects.get_or_create(
        code=code,
        defaults={
            "hub": hub,
            "name": "Hangzhou bonded warehouse" if bonded else "Hangzhou warehouse",
            "is_bonded": bonded,
            "customs_site_code": "2991W" if bonded else "",
            "site_kind": Warehouse.SiteKind.ZONE if bonded else "",
        },
    )
    Location.objects.get_or_create(
        warehouse=warehouse, code="DOCK", defaults={"is_receiving": True}
    )
    for code in ("A-01", "A-02", "B-01"):
        Location.objects.get_or_create(warehouse=warehouse, code=code)
    return warehouse


def stock_in(
    journey: Journey,
    warehouse: Warehouse,
    lines: list[tuple],
    *,
    operator,
    counts=None,
    expires_on=None,
):
    """Book ``lines`` [(product, quantity, lot)] as the seller, record their arrival and
    count them in as ``operator``; ``counts``: line number → (received, damaged), else as
    announced. Returns the received shipment."""
    world = journey.world
    shipment = journey.run(
        inbound_book,
        seller=world.seller,
        warehouse=warehouse,
        expected_on=timezone.localdate() + timedelta(days=3),
        lines=[
            InboundLineRequest(product=product, quantity=quantity, lot=lot, expires_on=expires_on)
            for product, quantity, lot in lines
        ],
        actor=world.seller_owner,
    )
    shipment = journey.run(
        inbound_arrive, shipment=shipment, actor=operator, entry_declaration="E3301202612070001"
    )
    counts = counts or {}
    return journey.run(
        inbound_receive,
        shipment=shipment,
        counts=[
            LineCount(
                line_id=line.pk,
                received=counts.get(line.line_no, (line.quantity_expected, 0))[0],
                damaged=counts.get(line.line_no, (line.quantity_expected, 0))[1],
                location_code="A-01",
            )
            for line in shipment.lines.all()
        ],
        actor=operator,
    )


def stock_consumer_order(
    journey: Journey, warehouse: Warehouse, product, *, quantity: int = 1, n: int = 0, **terms
) -> Order:
    world = journey.world
    order = journey.run(
        stock_order_place,
        request=OrderRequest(
            seller=world.seller,
            destination_hub=warehouse.hub,
            channel=world.channel,
            lines=[LineRequest(product.pk, quantity)],
            incoterm=terms.pop("incoterm", "DDP"),
            consumer=Consumer(
                name=f"Li Na {n}",
                address=f"{100 + n} Wensan Road, Hangzhou",
                country="CN",
                id_reference=resident_id(5000 + n),
            ),
            **terms,
        ),
        warehouse=warehouse,
        actor_label="Shop",
    )
    return Order.objects.get(pk=order.pk)


def pick_and_hand_over(journey: Journey, order: Order, *, operator) -> None:
    """The floor's part once the order is on the pick list: picked and packed, then handed
    to the courier (the hand-over ships the order)."""
    from warehousing.models import Fulfilment
    from warehousing.services.fulfilment import fulfilment_dispatch, fulfilment_pack

    fulfilment = Fulfilment.objects.get(order=order)
    fulfilment = journey.run(fulfilment_pack, fulfilment=fulfilment, actor=operator)
    journey.run(fulfilment_dispatch, fulfilment=fulfilment, actor=operator)

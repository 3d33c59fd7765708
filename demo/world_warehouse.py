"""The demo's bonded warehouse at Hangzhou: its locations, one seller's stock counted in on
the first day of the window (one line short of the notice, the seller told), and a few
consumer orders served from it in the window's last days, each left at another stage
(delivered, on its way, cancelled, waiting for its payment), so that the seller's stock
report, the customs officer's bonded ledger and a channel's stock orders have something to
show. Every row is a service's: the inbound through warehousing's, the orders through the
channel's placement, the bank's payment, the operators' pick, pack and hand-over, and the
courier's scans; the pipeline does the rest (the 1210 retail import, its release onto the
pick list, the order shipped on its hand-over)."""

from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone

from hubs.models import Order, Product, User
from hubs.services.orders import order_cancel
from hubs.services.placement import Consumer, LineRequest, OrderRequest
from hubs.validators import cn_resident_id_check_character
from payments.services.intents import BankTransfer, payment_receive
from warehousing.models import Fulfilment, FulfilmentEvent, Location, Warehouse
from warehousing.selectors import fulfilment_of_order, inbound_of_seller
from warehousing.services.fulfilment import fulfilment_dispatch, fulfilment_pack, fulfilment_scan
from warehousing.services.inbound import (
    InboundLineRequest,
    LineCount,
    inbound_arrive,
    inbound_book,
    inbound_receive,
)
from warehousing.services.orders import stock_order_place

from .world_people import DEMO_DOMAIN

WAREHOUSE_CODE = "HGH-BW1"
WAREHOUSE_NAME = "Hangzhou Xiasha bonded warehouse"
# Illustrative, made up for the demo: not the code of any real customs supervision site.
CUSTOMS_SITE_CODE = "2991W"
LOCATIONS = [("DOCK", True), ("A-01", False), ("A-02", False), ("B-01", False)]

STOCKED_BY = "Nyonya Glow Cosmetics Sdn. Bhd."  # skin care: what bonded imports sell most
# (sku, lot, shelf life in days, announced, counted good, damaged, location, the count's note)
INBOUND = [
    ("NG-CREAM-50", "NGC-01", 730, 120, 117, 3, "A-01", "3 jars crushed in transit"),
    ("NG-LIP-04", "NGL-01", 1095, 240, 240, 0, "A-02", ""),
]
# Illustrative, like the site code: the bulk entry the goods came in under.
ENTRY_DECLARATION = "E29912024000001"

# (hours before the window ends, consumer, sku, units, what becomes of the order)
STOCK_ORDERS = [
    (150, 0, "NG-CREAM-50", 2, "delivered"),
    (70, 1, "NG-LIP-04", 1, "cancelled"),
    (40, 2, "NG-LIP-04", 3, "on_its_way"),
    (5, 3, "NG-CREAM-50", 1, "unpaid"),
]
# the operators look for an order that customs still holds every 3 hours, for three days
PICK_ROUNDS = 24
# the consumers who buy from the bonded stock, each at an address of their own
CONSUMERS = [
    ("Huang Li", "27 Fuchun Road, Shangcheng District, Hangzhou"),
    ("Xu Jing", "5 Xueyuan Road, Xihu District, Hangzhou"),
    ("Sun Yue", "118 Jianghui Road, Binjiang District, Hangzhou"),
    ("Zhao Lei", "43 Qingchun Road, Gongshu District, Hangzhou"),
]


def bonded_warehouse_build(hubs, organizations, first_day) -> Warehouse:
    """The warehouse and its locations (made if new) and, the first time, the seller's stock
    counted in on ``first_day`` (the records carry that day)."""
    warehouse, _created = Warehouse.objects.get_or_create(
        code=WAREHOUSE_CODE,
        defaults={
            "hub": hubs["HGH"],
            "name": WAREHOUSE_NAME,
            "is_bonded": True,
            "customs_site_code": CUSTOMS_SITE_CODE,
            "site_kind": Warehouse.SiteKind.ZONE,
        },
    )
    for code, receiving in LOCATIONS:
        Location.objects.get_or_create(
            warehouse=warehouse, code=code, defaults={"is_receiving": receiving}
        )
    seller = organizations[STOCKED_BY]
    if not inbound_of_seller(seller_id=seller.pk, limit=1):
        _stock_in(warehouse, seller, first_day)
    return warehouse


def _stock_in(warehouse: Warehouse, seller, first_day) -> None:
    owner = seller.memberships.filter(role="owner").select_related("user").first().user
    operator = _operator()
    products = {p.sku: p for p in Product.objects.filter(seller=seller)}
    morning = timezone.make_aware(datetime.combine(first_day, time(8)))
    with time_machine.travel(morning, tick=False):
        shipment = inbound_book(
            seller=seller,
            warehouse=warehouse,
            expected_on=first_day,
            lines=[
                InboundLineRequest(
                    product=products[sku],
                    quantity=announced,
                    lot=lot,
                    expires_on=first_day + timedelta(days=shelf_life),
                )
                for sku, lot, shelf_life, announced, *_count in INBOUND
            ],
            actor=owner,
            carrier_reference="MH360 232-12345675",
        )
    with time_machine.travel(morning + timedelta(hours=2), tick=False):
        shipment = inbound_arrive(
            shipment=shipment, actor=operator, entry_declaration=ENTRY_DECLARATION
        )
    lines = {line.product.sku: line for line in shipment.lines.select_related("product")}
    with time_machine.travel(morning + timedelta(hours=4), tick=False):
        inbound_receive(
            shipment=shipment,
            counts=[
                LineCount(
                    line_id=lines[sku].pk,
                    received=good,
                    damaged=damaged,
                    location_code=location,
                    note=note,
                )
                for sku, _lot, _life, _announced, good, damaged, location, note in INBOUND
            ],
            actor=operator,
        )


def stock_orders_schedule(simulation) -> None:
    """Put the stock orders on the simulation's clock (``simulation.at``), in the window's
    last days, after the stock came in. They throw none of the simulation's dice
    themselves, so the orders it places are the same with them as without."""
    earliest = simulation.start + timedelta(days=1)
    for hours, consumer, sku, units, fate in STOCK_ORDERS:
        # off the hour: the beat's sweeps are on it
        when = max(simulation.end - timedelta(hours=hours, minutes=-17), earliest)
        simulation.at(when, stock_order, simulation, consumer, sku, units, fate)


def stock_order(simulation, consumer: int, sku: str, units: int, fate: str) -> None:
    """A marketplace's consumer buys from the bonded stock (ships from Hangzhou in 1–2 days);
    what happens next is ``fate``."""
    world, now = simulation.world, simulation.now
    name, address = CONSUMERS[consumer]
    channel, seller = world.channel, world.organizations[STOCKED_BY]
    order = stock_order_place(
        request=OrderRequest(
            seller=seller,
            destination_hub=world.hubs["HGH"],
            channel=channel,
            incoterm="DDP",  # a retail import's taxes are collected with the price
            lines=[LineRequest(Product.objects.get(seller=seller, sku=sku).pk, units)],
            consumer=Consumer(
                name=name, address=address, country="CN", id_reference=resident_id(consumer)
            ),
        ),
        warehouse=Warehouse.objects.get(code=WAREHOUSE_CODE),
        actor_label=f"API client {channel.application.name}",
    )
    if fate == "cancelled":
        simulation.at(now + timedelta(hours=2), stock_order_cancel, order.pk)
    elif fate in ("delivered", "on_its_way"):
        simulation.at(now + timedelta(hours=1), stock_order_pay, simulation, order.pk)
        simulation.at(now + timedelta(hours=3), stock_order_pick, simulation, order.pk, fate)


def stock_order_pick(simulation, order_id: int, fate: str, rounds: int = 0) -> None:
    """The Hangzhou operators work the pick list: once customs has released the order's
    retail import (its officers hold one now and then for a look or an inspection), its goods
    are picked and packed, and handed to the courier two hours later; a ``fate`` "delivered"
    order is scanned out for delivery and delivered the next day."""
    fulfilment = fulfilment_of_order(order_id=order_id)
    if fulfilment.status == Fulfilment.Status.RESERVED:  # still with customs: look again later
        if rounds < PICK_ROUNDS:
            later = simulation.now + timedelta(hours=3)
            simulation.at(later, stock_order_pick, simulation, order_id, fate, rounds + 1)
        return
    fulfilment_pack(fulfilment=fulfilment, actor=_operator())
    now = simulation.now
    simulation.at(now + timedelta(hours=2), stock_order_hand_over, order_id)
    if fate == "delivered":
        simulation.at(now + timedelta(hours=18), stock_order_scan, order_id, "out_for_delivery")
        simulation.at(now + timedelta(hours=24), stock_order_scan, order_id, "delivered")


def stock_order_cancel(order_id: int) -> None:
    order_cancel(
        order=Order.objects.get(pk=order_id),
        actor=None,
        reason="Ordered the wrong shade.",
        actor_label="buyer",
    )


def stock_order_pay(simulation, order_id: int) -> None:
    """The bank reports the consumer's payment, with the payer's identity customs matches."""
    order = Order.objects.select_related("payment_intent").get(pk=order_id)
    payment_receive(
        order_reference=order.reference,
        transfer=BankTransfer(
            bank=simulation.world.bank,
            bank_reference=f"DEMO-{order.reference}",
            amount=order.payment_intent.amount,
            payer_name=order.buyer_label,
            payer_id_reference=order.consumer_id_reference,
        ),
    )


def stock_order_hand_over(order_id: int) -> None:
    fulfilment_dispatch(fulfilment=fulfilment_of_order(order_id=order_id), actor=_operator())


def stock_order_scan(order_id: int, code: str) -> None:
    fulfilment_scan(
        fulfilment=fulfilment_of_order(order_id=order_id),
        code=FulfilmentEvent.Code(code),
        actor=_operator(),
        place="Hangzhou",
    )


def _operator() -> User:
    return User.objects.get(email=f"operator.hgh@{DEMO_DOMAIN}")


def resident_id(n: int) -> str:
    """A well-formed Chinese resident ID (GB 11643 check character) per consumer above, in a
    district code of their own (none is a simulated consumer's)."""
    first17 = f"330108{19900315 + n * 10000:08d}{n + 101:03d}"
    return first17 + cn_resident_id_check_character(first17)

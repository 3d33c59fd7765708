"""The warehousing app's reactions to the orders it serves and to its own receipts."""

from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.events import OrderStatusChanged
from hubs.models import Order
from hubs.selectors import member_emails

from .events import InboundReceived
from .models import Fulfilment, InboundShipment
from .services.fulfilment import fulfilment_cancel

# the order will not be served: its reserved units go back on the shelf
NOT_SERVED = (Order.Status.CANCELLED, Order.Status.EXPIRED, Order.Status.REFUNDED)


@subscribe(
    "hubs.order_status_changed",
    name="warehousing.units_back_on_shelf",
    when=lambda event: event.to_status in NOT_SERVED,
)
def units_back_on_shelf(event: OrderStatusChanged) -> None:
    fulfilment = Fulfilment.objects.filter(order_id=event.order_id).first()
    if fulfilment is not None:
        fulfilment_cancel(fulfilment=fulfilment, reason=f"order {event.to_status}")


@subscribe("warehousing.inbound_received", name="warehousing.seller_told_of_receipt")
def seller_told_of_receipt(event: InboundReceived) -> None:
    shipment = InboundShipment.objects.select_related("warehouse").get(pk=event.shipment_id)
    lines = list(shipment.lines.select_related("product"))
    differing = [line for line in lines if line.has_discrepancy]
    body = [
        f"Shipment {shipment.reference} was received at {shipment.warehouse.name}.",
        "",
    ]
    for line in lines:
        mark = " (discrepancy)" if line.has_discrepancy else ""
        body.append(
            f"- {line.product.sku} lot {line.lot or '-'}: {line.quantity_expected} announced, "
            f"{line.quantity_received} received, {line.quantity_damaged} damaged{mark}"
            + (f": {line.note}" if line.note else "")
        )
    subject = f"eWTP Hub: shipment {shipment.reference} received" + (
        f" with {len(differing)} discrepancies" if differing else ""
    )
    email_after_commit(
        to=member_emails(organization_id=shipment.seller_id),
        subject=subject,
        body="\n".join(body),
    )

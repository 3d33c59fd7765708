"""Facts the hubs app records in the outbox for the layers above it."""

from dataclasses import dataclass

from ewtp.common.outbox import event_type


@event_type("hubs.hub_opened")
@dataclass(frozen=True)
class HubOpened:
    hub_id: int
    code: str
    country: str


@event_type("hubs.eroad_opened")
@dataclass(frozen=True)
class ERoadOpened:
    eroad_id: int
    origin: str
    destination: str
    transit_days: int


@event_type("hubs.order_placed")
@dataclass(frozen=True)
class OrderPlaced:
    order_id: int
    reference: str
    seller_id: int
    total_amount: str  # decimal as text: payloads are JSON
    currency: str


def order_placed(order) -> OrderPlaced:
    """The event of a placed order (``hubs.models.Order``), as placement records it and as
    the pipeline's sweeper replays it to drive a stuck order's payment request again."""
    return OrderPlaced(
        order_id=order.pk,
        reference=order.reference,
        seller_id=order.seller_id,
        total_amount=str(order.total.amount),
        currency=order.total.currency.code,
    )


@event_type("hubs.order_status_changed")
@dataclass(frozen=True)
class OrderStatusChanged:
    order_id: int
    reference: str
    from_status: str
    to_status: str


@event_type("hubs.payout_account_changed")
@dataclass(frozen=True)
class PayoutAccountChanged:
    """The owners changed the organisation's payout bank account (a rejected one is fixed)."""

    organization_id: int

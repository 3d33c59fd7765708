"""Reads of orders, scoped: parties see their own, officers see all, a channel its own."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Order, OrderLine, OrderTransition, Organization, User
from ..roles import can_oversee, can_see_product, memberships_of
from .catalogue import images_in_order


def orders_visible_to(*, user: User, organization: Organization | None = None) -> QuerySet[Order]:
    orders = Order.objects.select_related("seller", "buyer", "origin_hub", "destination_hub")
    if can_oversee(user):
        return orders
    member_of = [m.organization_id for m in memberships_of(user)]
    if organization is not None:
        member_of = [organization.pk] if organization.pk in member_of else []
    return orders.filter(Q(seller_id__in=member_of) | Q(buyer_id__in=member_of))


def order_visible_to(*, user: User, reference: str) -> Order:
    return (
        orders_visible_to(user=user)
        .prefetch_related("lines", "transitions")
        .get(reference=reference)
    )


def orders_of_organization(*, organization: Organization) -> QuerySet[Order]:
    return Order.objects.filter(Q(seller=organization) | Q(buyer=organization)).select_related(
        "seller", "buyer", "origin_hub", "destination_hub"
    )


def orders_of_channel(*, channel) -> QuerySet[Order]:
    return Order.objects.filter(channel=channel).select_related(
        "seller", "buyer", "origin_hub", "destination_hub"
    )


def order_lines(*, order: Order, user: User) -> list[OrderLine]:
    """The order's lines with their listings, each with ``picture``: its listing's first
    picture, or None when there is none or the user may no longer see the listing (a buyer,
    once it is withdrawn). A constant number of queries."""
    lines = list(
        order.lines.select_related("product__seller")
        .prefetch_related(images_in_order("product__images"))
        .order_by("line_no")
    )
    for line in lines:
        pictures = line.product.images.all()
        line.picture = pictures[0] if pictures and can_see_product(user, line.product) else None
    return lines


def orders_confirmation_due(*, now) -> QuerySet[Order]:
    """Delivered orders whose buyer's confirmation window has passed and is not paused."""
    return Order.objects.filter(
        status=Order.Status.DELIVERED,
        confirmation_paused_at__isnull=True,
        confirmation_due_at__lte=now,
    ).order_by("confirmation_due_at")


# What counts against a party's trade record: a dispute opened, or the money given back.
TROUBLED = (Order.Status.DISPUTED, Order.Status.REFUNDED)


def orders_troubled_ids(*, order_ids) -> set[int]:
    """Which of these orders were ever disputed or refunded (their transitions, read by the
    order's index: the caller bounds ``order_ids``)."""
    return set(
        OrderTransition.objects.filter(order_id__in=list(order_ids), to_status__in=TROUBLED)
        .values_list("order_id", flat=True)
        .distinct()
    )


def orders_references(*, order_ids) -> dict[int, str]:
    """order id → its reference."""
    return dict(Order.objects.filter(pk__in=list(order_ids)).values_list("pk", "reference"))


def orders_sellers(*, order_ids) -> dict[int, int]:
    """order id → the selling organisation's id."""
    return dict(Order.objects.filter(pk__in=list(order_ids)).values_list("pk", "seller_id"))


@dataclass(frozen=True)
class ProgressStep:
    label: str
    state: str  # "done", "current" (what the order waits for) or "todo"


# The journey's steps as a party sees them; awaiting payment is still the first step.
JOURNEY = [
    (Order.Status.PLACED, _("Ordered")),
    (Order.Status.PAID, _("Paid into escrow")),
    (Order.Status.IN_CUSTOMS, _("Export customs")),
    (Order.Status.SHIPPED, _("Flown")),
    (Order.Status.DELIVERED, _("Delivered")),
    (Order.Status.COMPLETED, _("Released to the seller")),
    (Order.Status.SETTLED, _("Paid to the seller's bank")),
]
_STEP = {status: n for n, (status, _label) in enumerate(JOURNEY)}
_STEP[Order.Status.AWAITING_PAYMENT] = 0


def order_progress(*, order: Order, transitions) -> list[ProgressStep]:
    """Where the order is on its journey: the steps it passed, the one it waits for, the rest.
    An order that left the journey (cancelled, disputed, refunded) shows how far it came and
    waits for nothing on it."""
    reached = max(
        (_STEP.get(t.to_status, -1) for t in transitions), default=_STEP.get(order.status, 0)
    )
    reached = max(reached, _STEP.get(order.status, -1))
    on_journey = order.status in _STEP
    return [
        ProgressStep(
            str(label),
            "done" if n <= reached else "current" if on_journey and n == reached + 1 else "todo",
        )
        for n, (_status, label) in enumerate(JOURNEY)
    ]

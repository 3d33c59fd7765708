"""Reads of orders, scoped: parties see their own, officers see all, a channel its own."""

from django.db.models import Q, QuerySet

from ..models import Order, OrderLine, Organization, User
from ..roles import can_oversee, memberships_of


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


def sales_needing_action(*, seller: Organization) -> QuerySet[Order]:
    """Paid orders waiting for the seller to ship, and unpaid ones to watch."""
    return Order.objects.filter(
        seller=seller, status__in=[Order.Status.PAID, *Order.UNPAID]
    ).select_related("buyer")


def order_lines(*, order: Order) -> QuerySet[OrderLine]:
    return order.lines.order_by("line_no")


def orders_confirmation_due(*, now) -> QuerySet[Order]:
    """Delivered orders whose buyer's confirmation window has passed and is not paused."""
    return Order.objects.filter(
        status=Order.Status.DELIVERED,
        confirmation_paused_at__isnull=True,
        confirmation_due_at__lte=now,
    ).order_by("confirmation_due_at")

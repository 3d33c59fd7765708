"""Reads of orders, scoped: parties see their own, officers see all, a channel its own."""

from dataclasses import dataclass

from django.db.models import CharField, Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from ewtp.common.models import AuditEntry

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


# The journey's steps and the reads over it (pipeline, analytics): an order by its id, the
# orders an event names, the orders stuck in a step, a seller's trade record.


def order_by_id(*, order_id: int, with_lines: bool = False) -> Order:
    """The order with its parties and hubs in one query; its lines, when asked for, in one
    more."""
    orders = Order.objects.select_related("seller", "buyer", "origin_hub", "destination_hub")
    if with_lines:
        orders = orders.prefetch_related("lines")
    return orders.get(pk=order_id)


def orders_with_history(*, order_ids) -> list[Order]:
    """The orders with their parties and hubs, their lines and their transitions (three
    queries however many orders), in id order."""
    return list(
        Order.objects.filter(pk__in=list(order_ids))
        .select_related("seller", "buyer", "origin_hub", "destination_hub")
        .prefetch_related("lines", "transitions")
        .order_by("pk")
    )


def order_by_reference(*, reference: str) -> Order:
    """Raises Order.DoesNotExist for a reference of no order."""
    return Order.objects.select_related("origin_hub", "destination_hub").get(reference=reference)


def order_locked(*, order_id: int) -> Order:
    """The order's row, locked until the caller's transaction ends: two steps of one order
    that must see each other's outcome take turns."""
    return Order.objects.select_for_update().get(pk=order_id)


def order_moved_on(*, order: Order) -> bool:
    """Whether the order's stored status is no longer ``order.status``."""
    return Order.objects.filter(pk=order.pk).exclude(status=order.status).exists()


def orders_in_status(*, order_ids, status: str) -> QuerySet[Order]:
    """Those of ``order_ids`` that are in ``status``."""
    return Order.objects.filter(pk__in=list(order_ids), status=status)


def orders_stuck(*, status: str, before, unreported: str, limit: int) -> QuerySet[Order]:
    """Orders in ``status`` since before ``before`` (their latest transition, as ``since``),
    the longest waiting first, with their hubs; those with an audit row ``unreported`` for
    that status are left out before the batch is cut, so none starves behind them."""
    since = OrderTransition.objects.filter(order=OuterRef("pk")).order_by("-created_at", "-id")
    reported = AuditEntry.objects.filter(
        action=unreported,
        target_type="hubs.order",
        target_id=Cast(OuterRef("pk"), CharField()),
        data__status=status,
    )
    return (
        Order.objects.filter(status=status)
        .annotate(since=Subquery(since.values("created_at")[:1]))
        .filter(since__lt=before)
        .exclude(Exists(reported))
        .select_related("origin_hub", "destination_hub")
        .order_by("since")[:limit]
    )


def sales_of(*, seller: Organization, statuses=None, since=None) -> QuerySet[Order]:
    """The seller's orders (in ``statuses``, placed since ``since``)."""
    sales = Order.objects.filter(seller=seller)
    if statuses is not None:
        sales = sales.filter(status__in=statuses)
    if since is not None:
        sales = sales.filter(created_at__gte=since)
    return sales


def sales_first_at(*, seller: Organization):
    """When the seller's first order was placed (None: it has none)."""
    return sales_of(seller=seller).aggregate(first=Min("created_at"))["first"]


def sales_volume(*, orders: QuerySet[Order], recent, before) -> dict:
    """How many ``orders`` and their value (``orders``, ``value``), the same of those placed
    since ``recent`` (``orders_recent``, ``value_recent``), and the value of those placed from
    ``before`` up to ``recent`` (``value_before``): one query. A value is what ``total``
    sums to, None when there is none."""
    return orders.aggregate(
        orders=Count("id"),
        value=Sum("total"),
        orders_recent=Count("id", filter=Q(created_at__gte=recent)),
        value_recent=Sum("total", filter=Q(created_at__gte=recent)),
        value_before=Sum("total", filter=Q(created_at__gte=before, created_at__lt=recent)),
    )


def orders_paid_at(*, orders: QuerySet[Order]) -> dict[int, object]:
    """order id → when it was first paid, for those of ``orders`` that were (one query)."""
    return dict(
        OrderTransition.objects.filter(order__in=orders, to_status=Order.Status.PAID)
        .values("order_id")
        .annotate(at=Min("created_at"))
        .values_list("order_id", "at")
    )


def sales_transitions_counted(*, seller: Organization, since, statuses) -> dict[str, int]:
    """status → how many times the seller's orders moved to it since ``since`` (one query)."""
    moves = OrderTransition.objects.filter(order__seller=seller, created_at__gte=since)
    counts = moves.aggregate(
        **{f"to_{status}": Count("id", filter=Q(to_status=status)) for status in statuses}
    )
    return {status: counts[f"to_{status}"] for status in statuses}

"""What each person has to do next, drawn from the state of the hub.

Each app knows its own waiting work and names it in ``settings.TODO_SOURCES``: hubs the
orders to pay and to confirm, disputes and verification; logistics the goods to pack and
drop off and the hub floor's queues; customs the documents asked for and the officers'
queues. The home page lists them all; an order page shows the first one that concerns the
order as its next action. A source answers in a fixed number of queries, however much waits.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Order, Organization, User
from .roles import Perm, can_act_for, has_permission

# the most items of one kind a home page lists; a queue beyond it is summed up with its link
TODO_LIMIT = 10


@dataclass(frozen=True)
class Todo:
    title: str  # what waits, in the person's words
    action: str  # the button that does it
    url: str
    order: str = ""  # the reference of the order it concerns
    since: datetime | None = None  # waiting since: the oldest comes first


TodoSource = Callable[..., Iterable[Todo]]


@cache
def _sources() -> tuple[TodoSource, ...]:
    return tuple(import_string(path) for path in settings.TODO_SOURCES)


def todos_for(
    *, user: User, organization: Organization | None, order: Order | None = None
) -> list[Todo]:
    """Everything waiting for this user (for its organisation), or only what concerns
    ``order``: the parties' steps first, oldest first, then the officers' queues."""
    found = [
        item
        for source in _sources()
        for item in source(user=user, organization=organization, order=order)
    ]
    return sorted(found, key=lambda item: item.since.timestamp() if item.since else float("inf"))


def _trading_for(user, organization) -> bool:
    return organization is not None and can_act_for(user, organization, Perm.ORDERS_TRADE)


def _scoped(orders, order):
    return orders.filter(pk=order.pk) if order is not None else orders


def trade_todos(*, user, organization, order=None) -> list[Todo]:
    """The buyer's orders to pay and to confirm; disputes waiting for an officer; an
    officer's verification and payout-account queues."""
    items = []
    if _trading_for(user, organization):
        # one query: the orders of this organisation where it is the next to act
        waiting = _scoped(
            Order.objects.filter(
                Q(buyer=organization, status__in=[*Order.UNPAID, Order.Status.DELIVERED])
                | Q(Q(buyer=organization) | Q(seller=organization), status=Order.Status.DISPUTED)
            ),
            order,
        ).select_related("seller", "buyer")
        for row in waiting.order_by("updated_at", "id")[:TODO_LIMIT]:
            items.append(_party_todo(row, organization))
    if not has_permission(user, Perm.ORGANIZATIONS_OVERSEE):
        return items
    if order is None:
        items += _oversight_todos()
    elif order.status == Order.Status.DISPUTED:
        items.append(
            Todo(
                _("Decide the dispute of order %(reference)s.") % {"reference": order.reference},
                _("Decide the dispute"),
                reverse("payments:order_payment", args=[order.reference]),
                order=order.reference,
                since=order.updated_at,
            )
        )
    return items


def _party_todo(order: Order, organization: Organization) -> Todo:
    payment_page = reverse("payments:order_payment", args=[order.reference])
    names = {"reference": order.reference, "seller": order.seller.legal_name}
    if order.status == Order.Status.DISPUTED:
        title = _(
            "Order %(reference)s is disputed: its money stays in escrow until an MDEC "
            "officer decides."
        )
        return Todo(
            title % names, _("See the dispute"), payment_page, order.reference, order.updated_at
        )
    if order.status == Order.Status.DELIVERED:
        title = _(
            "Order %(reference)s from %(seller)s was delivered: confirm you received it, "
            "or open a dispute."
        )
        return Todo(
            title % names, _("Confirm receipt"), payment_page, order.reference, order.updated_at
        )
    title = _("Order %(reference)s from %(seller)s waits for your payment.")
    return Todo(title % names, _("Pay now"), payment_page, order.reference, order.created_at)


def _oversight_todos() -> list[Todo]:
    counts = Organization.objects.aggregate(
        review=_count(kyc_status=Organization.KycStatus.SUBMITTED),
        payout=_count(payout_account_problem__startswith=f"{Organization.PAYOUT_HOLD_REVIEW}:"),
    ) | Order.objects.aggregate(disputed=_count(status=Order.Status.DISPUTED))
    organizations = reverse("hubs:organization_list")
    queues = [
        (
            counts["review"],
            _("%(count)d organisation(s) wait for verification."),
            _("Review"),
            f"{organizations}?status={Organization.KycStatus.SUBMITTED}",
        ),
        (
            counts["payout"],
            _("%(count)d payout account(s) wait for a check."),
            _("Check"),
            f"{organizations}?status=payout_review",
        ),
        (
            counts["disputed"],
            _("%(count)d dispute(s) wait for a decision."),
            _("Decide"),
            f"{reverse('hubs:order_list')}?status={Order.Status.DISPUTED}",
        ),
    ]
    return [Todo(title % {"count": n}, action, url) for n, title, action, url in queues if n]


def _count(**condition):
    return Count("pk", filter=Q(**condition))


def onboarding_steps(*, organization: Organization) -> list[dict]:
    """A new SME's first steps, each done or not, with where to do it (the home page's
    checklist)."""
    shipped = [
        Order.Status.SHIPPED,
        Order.Status.DELIVERED,
        Order.Status.COMPLETED,
        Order.Status.SETTLED,
    ]
    sold = [Order.Status.PAID, Order.Status.IN_CUSTOMS, *shipped]
    facts = Order.objects.filter(seller=organization).aggregate(
        sold=_count(status__in=sold), shipped=_count(status__in=shipped)
    )
    has_listing = organization.products.exists()
    payout_ready = bool(
        organization.payout_bic
        and organization.payout_account_number
        and not organization.payout_account_problem
    )
    return [
        {
            "label": _("Get verified"),
            "hint": _("Upload your company registration; an MDEC officer checks it."),
            "done": organization.can_sell,
            "url": reverse("hubs:verification"),
        },
        {
            "label": _("List your first product"),
            "hint": _("Find its customs code by describing it in your own words."),
            "done": has_listing,
            "url": reverse("hubs:product_create"),
        },
        {
            "label": _("Make your first sale"),
            "hint": _("Buyers abroad find your listings in the catalogue and pay into escrow."),
            "done": bool(facts["sold"]),
            "url": reverse("hubs:product_list"),
        },
        {
            "label": _("Ship your first export"),
            "hint": _("Pack the order, print its labels and drop it off at the hub."),
            "done": bool(facts["shipped"]),
            "url": reverse("hubs:order_list"),
        },
        {
            "label": _("Add your payout account"),
            "hint": _("Where the hub pays what you earn, in your own currency."),
            "done": payout_ready,
            "url": reverse("hubs:organization_edit"),
        },
    ]


def order_waits_for(order: Order) -> str:
    """What the order waits for, said to whoever looks at it when it is not them to act."""
    status = Order.Status
    notes = {
        status.PLACED: _("It waits for the buyer's payment."),
        status.AWAITING_PAYMENT: _("It waits for the buyer's payment."),
        status.PAID: _("The money is in escrow; it waits for the seller to pack the goods."),
        status.IN_CUSTOMS: _(
            "Export customs checks the declaration while the seller packs and drops off the goods."
        ),
        status.SHIPPED: _("The goods are on their way to %(hub)s.")
        % {"hub": order.destination_hub.name},
        status.DELIVERED: _("Delivered: it waits for the buyer to confirm receipt."),
        status.COMPLETED: _(
            "The money is released to the seller; the next payout takes it to its bank."
        ),
        status.SETTLED: _("Done: the seller has been paid."),
        status.DISPUTED: _("An MDEC officer decides the dispute; the money stays in escrow."),
        status.CANCELLED: _("Cancelled: nothing more to do."),
        status.EXPIRED: _("Expired unpaid: nothing more to do."),
        status.REFUNDED: _("The buyer's money was returned: nothing more to do."),
    }
    return notes[Order.Status(order.status)]

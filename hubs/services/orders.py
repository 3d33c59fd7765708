"""Orders after placement (hubs.services.placement): the status machine, the DDP duty
quote, the buyer's confirmation window, cancellation and expiry.

Cancellation and expiry put the reserved units back on the shelf, locking the product rows
in id order as placement does, so the two never deadlock.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.states import state_change

from .. import order_words
from ..errors import HubsErrorCode
from ..events import OrderStatusChanged
from ..models import Order, OrderTransition, Product, User
from ..roles import Perm, can_act_for

logger = logging.getLogger(__name__)


def actor_label_of(actor, channel=None) -> str:
    """Who an order's history names: the member, the sales channel's client, or the system."""
    if actor is not None and actor.is_authenticated:
        return actor.email
    if channel is not None:
        return f"API client {channel.application.name}"
    return "system"


def order_history_record(order, before, after, *, actor, label, reason) -> None:
    """The order's own history row of a change (the timeline buyers and sellers read)."""
    OrderTransition.objects.create(
        order=order,
        from_status=before,
        to_status=after,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=label,
        reason=reason,
    )


def order_transition(
    *,
    order: Order,
    to: str,
    actor: User | None = None,
    reason: str = "",
    actor_label: str = "",
    already_locked: bool = False,
) -> Order:
    """Move an order along Order.TRANSITIONS (ewtp.common.states): locks the row (unless the
    caller holds it, ``already_locked``), returns it unchanged when the order is already
    there (a retried step), refuses an illegal move with 409. The delivered scan starts the
    buyer's confirmation window; a cancelled or expired order puts its units back on the
    shelf. Writes the history row, the audit row ``hubs.order.<to>`` and
    ``OrderStatusChanged``."""
    label = actor_label or actor_label_of(actor)

    def implied(locked: Order, before: str) -> list[str]:
        # a warehouse's units go back by its own reaction to the status change (warehousing)
        if to in Order.RELEASES_STOCK and not locked.ships_from_stock:
            _release_stock(locked)
        if to == Order.Status.DELIVERED:
            locked.confirmation_due_at = timezone.now() + settings.ESCROW_CONFIRMATION_WINDOW
            return ["confirmation_due_at"]
        return []

    locked, _moved = state_change(
        order,
        to,
        refusal=_refusal,
        action=f"hubs.order.{to}",
        actor=actor,
        actor_label=label,
        reason=reason,
        apply=implied,
        history=lambda locked, before: order_history_record(
            locked, before, to, actor=actor, label=label, reason=reason
        ),
        event=lambda locked, before: OrderStatusChanged(
            order_id=locked.pk, reference=locked.reference, from_status=before, to_status=to
        ),
        already_locked=already_locked,
    )
    return locked


def _refusal(order: Order, to: str) -> ConflictError:
    return ConflictError(
        _("Order %(reference)s is %(status)s; it cannot become %(to)s.")
        % {
            "reference": order.reference,
            "status": order.get_status_display(),
            "to": Order.Status(to).label,
        },
        HubsErrorCode.ORDER_TRANSITION,
    )


def order_duties_quote_record(*, order: Order, duties: Money, source: str) -> Order:
    """A DDP order's import duties and taxes as quoted at placement (in the order's currency),
    which the buyer pays with the goods. Recorded once, before the order is paid."""
    if duties.currency != order.total.currency or duties.amount < 0:
        raise ApplicationError(
            _("A duty quote is a non-negative amount in the order's currency."),
            HubsErrorCode.DUTIES_INVALID,
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.incoterm != Order.Incoterm.DDP or locked.duties_quoted is not None:
            return locked
        if locked.status not in Order.UNPAID:
            raise ConflictError(
                _("Order %(reference)s is paid already: its duties are assessed at import.")
                % {"reference": locked.reference},
                HubsErrorCode.ORDER_TRANSITION,
            )
        locked.duties_quoted = duties
        locked.save(update_fields=["duties_quoted", "duties_quoted_currency", "updated_at"])
        audit_record(
            actor=None,
            actor_label="pipeline",
            action="hubs.order.duties_quoted",
            target=locked,
            reason=source[:200],
            data={"amount": str(duties.amount), "currency": duties.currency.code},
        )
    return locked


def order_confirmation_pause(*, order: Order, reason: str, actor_label: str) -> Order:
    """Stop the buyer's confirmation window (a customs hold of the goods): escrow is not
    released by time while it is paused. Pausing a paused window changes nothing."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.DELIVERED or locked.confirmation_paused:
            return locked
        locked.confirmation_paused_at = timezone.now()
        locked.save(update_fields=["confirmation_paused_at", "updated_at"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="hubs.order.confirmation_paused",
            target=locked,
            reason=reason,
        )
    return locked


def order_confirmation_resume(*, order: Order, reason: str, actor_label: str) -> Order:
    """Run the window on: its deadline moves by as long as it was paused."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.confirmation_paused:
            return locked
        now = timezone.now()
        locked.confirmation_due_at += now - locked.confirmation_paused_at
        locked.confirmation_paused_at = None
        locked.save(update_fields=["confirmation_due_at", "confirmation_paused_at", "updated_at"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="hubs.order.confirmation_resumed",
            target=locked,
            reason=reason,
            data={"due_at": locked.confirmation_due_at.isoformat()},
        )
    return locked


def _release_stock(order: Order) -> None:
    lines = list(order.lines.all())
    products = {
        p.pk: p
        for p in Product.objects.select_for_update()
        .filter(pk__in=sorted(line.product_id for line in lines))
        .order_by("pk")
    }
    for line in lines:
        products[line.product_id].stock += line.quantity
    Product.objects.bulk_update(products.values(), ["stock"])


def order_cancel(*, order: Order, actor: User | None, reason: str, actor_label: str = "") -> Order:
    """The buyer (or its channel) or the seller cancels an order that is not paid yet."""
    if actor is not None and not (
        (order.buyer_id and can_act_for(actor, order.buyer, Perm.ORDERS_TRADE))
        or can_act_for(actor, order.seller, Perm.ORDERS_TRADE)
    ):
        raise NotAllowedError(
            _("Only the buyer or the seller cancels an order."), HubsErrorCode.NOT_PARTY
        )
    if not reason.strip():
        raise ApplicationError(
            _("Give a reason for the cancellation."),
            HubsErrorCode.ORDER_INVALID,
            extra={"field": "reason"},
        )
    order.refresh_from_db(fields=["status"])
    if order.status == Order.Status.CANCELLED:
        return order  # a repeated cancel: already done
    if order.status not in Order.UNPAID:
        message = (
            _(
                "Order %(reference)s is %(status)s: it can no longer be cancelled. Ask for a "
                "refund instead."
            )
            if order.status not in Order.RELEASES_STOCK
            else _("Order %(reference)s is %(status)s: it can no longer be cancelled.")
        )
        raise ConflictError(
            message % {"reference": order.reference, "status": order.get_status_display()},
            HubsErrorCode.ORDER_TRANSITION,
        )
    return order_transition(
        order=order,
        to=Order.Status.CANCELLED,
        actor=actor,
        reason=reason.strip(),
        actor_label=actor_label,
    )


def orders_expire(*, now=None) -> int:
    """Expire unpaid orders past their payment window (beat). Each in its own transaction, so
    one failure does not hold back the rest; a re-run skips what is done."""
    now = now or timezone.now()
    due = Order.objects.filter(status__in=Order.UNPAID, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    expired = 0
    for order_id in list(due[:1000]):
        try:
            # order_transition locks and re-checks: an order paid or cancelled since the
            # query is refused, and the sweep goes on with the next one
            order_transition(
                order=Order(pk=order_id),
                to=Order.Status.EXPIRED,
                reason=order_words.NOT_PAID_IN_TIME,
                actor_label="system",
            )
            expired += 1
        except ConflictError:
            logger.info("order %s left its unpaid state before it could expire", order_id)
    return expired

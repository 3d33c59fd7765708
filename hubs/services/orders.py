"""Orders: placement with stock reservation, the status machine, cancellation and expiry.

Placement locks the product rows (in id order, so two orders never deadlock) and takes the
units from stock; cancellation and expiry put them back. A concurrent order for the last
units waits for the lock and then sees the stock the first one left.
"""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.outbox import event_record

from .. import order_words
from ..errors import HubsErrorCode
from ..events import OrderPlaced, OrderStatusChanged
from ..models import ERoad, Hub, Order, OrderLine, OrderTransition, Organization, Product, User
from ..roles import Perm, can_act_for
from ..validators import cn_resident_id_clean
from .carriage import order_charges_quote

logger = logging.getLogger(__name__)

MAX_LINES = 100
# Beyond these an order is a mistake or an attack (and would overflow the columns).
MAX_ORDER_TOTAL = Decimal("100000000")  # in the seller's currency
MAX_ORDER_WEIGHT_KG = Decimal("50000")
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class LineRequest:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class Consumer:
    """The end consumer of a B2C order, as the destination's customs regime needs."""

    name: str
    address: str
    country: str
    email: str = ""
    phone: str = ""
    id_reference: str = ""


@dataclass(frozen=True)
class OrderRequest:
    seller: Organization
    destination_hub: Hub
    lines: list[LineRequest]
    incoterm: str = Order.Incoterm.DAP
    buyer: Organization | None = None
    channel: object | None = None  # ewtp.common.ApiClient of a sales channel
    consumer: Consumer | None = None
    payment_currency: str = ""  # the seller's currency when empty
    extra: dict = field(default_factory=dict)


def _invalid(message, field_name=None, code=HubsErrorCode.ORDER_INVALID):
    raise ApplicationError(message, code, extra={"field": field_name} if field_name else None)


def _check_consumer(request: OrderRequest) -> None:
    """The end consumer receives the goods at the destination hub; China declares
    cross-border e-commerce retail imports under the buyer's resident ID (GB 11643)."""
    consumer = request.consumer
    if consumer is None:
        return
    if not consumer.name.strip() or not consumer.address.strip():
        _invalid(_("The consumer's name and address are required."), "consumer")
    destination = request.destination_hub.country.code
    if consumer.country != destination:
        _invalid(
            _("The consumer receives the goods at %(hub)s: country %(country)s.")
            % {"hub": request.destination_hub.code, "country": destination},
            "consumer.country",
        )
    if destination == "CN":
        try:
            cn_resident_id_clean(consumer.id_reference)
        except DjangoValidationError as error:
            _invalid(error.messages[0], "consumer.id_reference")


def _check_terms(request: OrderRequest) -> None:
    if request.incoterm not in Order.Incoterm.values:
        _invalid(_("Incoterm is DAP or DDP."), "incoterm")
    if _payment_currency(request) not in {*settings.PAYMENT_CURRENCIES, request.seller.currency}:
        _invalid(
            _("Pay in one of %(currencies)s.")
            % {"currencies": ", ".join(settings.PAYMENT_CURRENCIES)},
            "payment_currency",
        )


def _check_request(request: OrderRequest) -> None:
    if (request.buyer is None) == (request.consumer is None):
        _invalid(_("An order has either a buyer organisation or a consumer."))
    _check_consumer(request)
    if request.buyer is not None and request.buyer.pk == request.seller.pk:
        _invalid(_("An organisation cannot buy from itself."), "seller")
    if not request.seller.can_sell:
        _invalid(
            _("%(seller)s is not a verified seller yet.") % {"seller": request.seller},
            "seller",
            HubsErrorCode.NOT_APPROVED,
        )
    _check_terms(request)
    if not 1 <= len(request.lines) <= MAX_LINES:
        _invalid(_("An order has 1 to %(max)s lines.") % {"max": MAX_LINES}, "lines")
    if len({line.product_id for line in request.lines}) != len(request.lines):
        _invalid(_("Each product appears on one line only."), "lines")
    for index, line in enumerate(request.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            _invalid(
                _("Quantity is 1 to %(max)s.") % {"max": MAX_QUANTITY}, f"lines.{index}.quantity"
            )
    eroad = ERoad.objects.filter(
        origin_id=request.seller.home_hub_id,
        destination_id=request.destination_hub.pk,
        is_active=True,
    )
    if not eroad.exists():
        _invalid(
            _("No open e-road from %(origin)s to %(destination)s.")
            % {
                "origin": request.seller.home_hub.code,
                "destination": request.destination_hub.code,
            },
            "destination_hub",
            HubsErrorCode.NO_EROAD,
        )


def _payment_currency(request: OrderRequest) -> str:
    return (request.payment_currency or request.seller.currency).upper()


def order_place(*, request: OrderRequest, actor: User | None, actor_label: str = "") -> Order:
    """Place an order: validate, reserve stock, snapshot the lines, record ``hubs.order_placed``.

    ``actor`` is the buyer's member placing it in the portal, or None for an API client
    (the caller has checked the client's scope and organisation).
    """
    if (
        actor is not None
        and request.buyer is not None
        and not can_act_for(actor, request.buyer, Perm.ORDERS_TRADE)
    ):
        raise NotAllowedError(
            _("Only members of the buying organisation place its orders."), "not_member"
        )
    _check_request(request)
    with transaction.atomic():
        products = _lock_products(request)
        total, weight = _totals(request, products)
        # the origin hub's carriage and insurance at today's rates: the buyer pays them with
        # the goods, and the import is declared at goods + freight + insurance (CIF)
        charges = order_charges_quote(
            origin=request.seller.home_hub,
            destination=request.destination_hub,
            goods=total,
            weight_kg=weight,
        )
        order = Order.objects.create(
            seller=request.seller,
            buyer=request.buyer,
            channel=request.channel,
            origin_hub_id=request.seller.home_hub_id,
            destination_hub=request.destination_hub,
            incoterm=request.incoterm,
            total=total,
            payment_currency=_payment_currency(request),
            total_weight_kg=weight,
            shipping_charge=charges.shipping,
            insurance_charge=charges.insurance,
            expires_at=timezone.now() + settings.ORDER_PAYMENT_WINDOW,
            placed_by=actor,
            **_consumer_fields(request.consumer),
        )
        _add_lines(order, request.lines, products)
        _record_transition(
            order,
            "",
            Order.Status.PLACED,
            actor=actor,
            label=actor_label or _label(actor, request.channel),
            reason="",
        )
        audit_record(
            actor=actor,
            actor_label=actor_label,
            action="hubs.order.placed",
            target=order,
            data={
                "reference": order.reference,
                "total": str(order.total.amount),
                **charges.audit_data(),
            },
        )
        event_record(
            OrderPlaced(
                order_id=order.pk,
                reference=order.reference,
                seller_id=order.seller_id,
                total_amount=str(order.total.amount),
                currency=order.total.currency.code,
            )
        )
    return order


def _lock_products(request: OrderRequest) -> dict[int, Product]:
    ids = sorted(line.product_id for line in request.lines)
    products = {
        p.pk: p for p in Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    for index, line in enumerate(request.lines):
        product = products.get(line.product_id)
        if product is None or product.seller_id != request.seller.pk:
            _invalid(_("This product is not on sale by this seller."), f"lines.{index}.product")
        # the listing as it is now, not the request, is what stands in the way: a conflict
        if not product.is_active:
            raise ConflictError(
                _("%(sku)s is no longer on sale.") % {"sku": product.sku},
                HubsErrorCode.ORDER_INVALID,
                extra={"field": f"lines.{index}.product"},
            )
        if product.stock < line.quantity:
            raise ConflictError(
                _("Only %(stock)s of %(sku)s left.") % {"stock": product.stock, "sku": product.sku},
                HubsErrorCode.OUT_OF_STOCK,
                extra={"field": f"lines.{index}.quantity"},
            )
    return products


def _totals(request: OrderRequest, products) -> tuple[Money, Decimal]:
    total, weight = Money(0, request.seller.currency), Decimal(0)
    for line in request.lines:
        product = products[line.product_id]
        total += product.unit_price * line.quantity
        weight += product.unit_weight_kg * line.quantity
    if total.amount > MAX_ORDER_TOTAL or weight > MAX_ORDER_WEIGHT_KG:
        _invalid(
            _("An order is at most %(total)s %(currency)s and %(weight)s kg; split it.")
            % {
                "total": f"{MAX_ORDER_TOTAL:,}",
                "currency": total.currency.code,
                "weight": f"{MAX_ORDER_WEIGHT_KG:,}",
            },
            "lines",
        )
    return total, weight


def _add_lines(order, lines, products) -> None:
    rows = []
    for number, line in enumerate(lines, start=1):
        product = products[line.product_id]
        rows.append(
            OrderLine(
                order=order,
                line_no=number,
                product=product,
                sku=product.sku,
                title=product.title_en,
                quantity=line.quantity,
                unit_price=product.unit_price,
                line_total=product.unit_price * line.quantity,
                hs_code=product.hs_code,
                origin_country=product.origin_country,
                unit_weight_kg=product.unit_weight_kg,
            )
        )
        product.stock -= line.quantity
    OrderLine.objects.bulk_create(rows)
    Product.objects.bulk_update(products.values(), ["stock"])


def _consumer_fields(consumer: Consumer | None) -> dict:
    if consumer is None:
        return {}
    return {
        "consumer_name": consumer.name,
        "consumer_address": consumer.address,
        "consumer_country": consumer.country,
        "consumer_email": consumer.email,
        "consumer_phone": consumer.phone,
        "consumer_id_reference": consumer.id_reference,
    }


def _label(actor, channel=None) -> str:
    if actor is not None and actor.is_authenticated:
        return actor.email
    if channel is not None:
        return f"API client {channel.application.name}"
    return "system"


def _record_transition(order, before, after, *, actor, label, reason):
    OrderTransition.objects.create(
        order=order,
        from_status=before,
        to_status=after,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=label,
        reason=reason,
    )


def order_transition(
    *, order: Order, to: str, actor: User | None = None, reason: str = "", actor_label: str = ""
) -> Order:
    """Move an order along Order.TRANSITIONS. Locks the row, re-checks, returns early when the
    order is already there (a retried step), refuses an illegal move with 409."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == to:
            return locked
        if not locked.can_become(to):
            raise ConflictError(
                _("Order %(reference)s is %(status)s; it cannot become %(to)s.")
                % {
                    "reference": locked.reference,
                    "status": locked.get_status_display(),
                    "to": Order.Status(to).label,
                },
                HubsErrorCode.ORDER_TRANSITION,
            )
        before = locked.status
        locked.status = to
        fields = ["status", "updated_at"]
        if to == Order.Status.DELIVERED:  # the delivered scan starts the buyer's window
            locked.confirmation_due_at = timezone.now() + settings.ESCROW_CONFIRMATION_WINDOW
            fields.append("confirmation_due_at")
        locked.save(update_fields=fields)
        if to in Order.RELEASES_STOCK:
            _release_stock(locked)
        _record_transition(
            locked, before, to, actor=actor, label=actor_label or _label(actor), reason=reason
        )
        audit_record(
            actor=actor,
            actor_label=actor_label or _label(actor),
            action=f"hubs.order.{to}",
            target=locked,
            reason=reason,
            data={"from": before},
        )
        event_record(
            OrderStatusChanged(
                order_id=locked.pk, reference=locked.reference, from_status=before, to_status=to
            )
        )
    return locked


def order_duties_quote_record(*, order: Order, duties: Money, source: str) -> Order:
    """A DDP order's import duties and taxes as quoted at placement (in the order's currency),
    which the buyer pays with the goods. Recorded once, before the order is paid."""
    if duties.currency != order.total.currency or duties.amount < 0:
        raise ApplicationError(
            _("A duty quote is a non-negative amount in the order's currency."), "duties_invalid"
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
        raise NotAllowedError(_("Only the buyer or the seller cancels an order."), "not_party")
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

"""Placing an order: the request's checks, the stock reservation and the lines' snapshot.

Placement locks the product rows (in id order, so two orders never deadlock) and takes the
units from stock; cancellation and expiry put them back (hubs.services.orders). A concurrent
order for the last units waits for the lock and then sees the stock the first one left.
"""

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

from ..errors import HubsErrorCode
from ..events import order_placed
from ..models import ERoad, Hub, Order, OrderLine, Organization, Product, User
from ..roles import Perm, can_act_for
from ..validators import cn_resident_id_clean
from .carriage import OrderCharges, order_charges_quote
from .orders import actor_label_of, order_history_record

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
    # served from a warehouse at the destination: the caller (warehousing) reserves the
    # units in the same transaction; the listing's own stock is not touched
    from_stock: bool = False
    extra: dict = field(default_factory=dict)


def _invalid(
    message, field_name=None, code: HubsErrorCode = HubsErrorCode.ORDER_INVALID
) -> ApplicationError:
    return ApplicationError(message, code, extra={"field": field_name} if field_name else None)


def _check_consumer(request: OrderRequest) -> None:
    """The end consumer receives the goods at the destination hub; China declares
    cross-border e-commerce retail imports under the buyer's resident ID (GB 11643)."""
    consumer = request.consumer
    if consumer is None:
        return
    if not consumer.name.strip() or not consumer.address.strip():
        raise _invalid(_("The consumer's name and address are required."), "consumer")
    destination = request.destination_hub.country.code
    if consumer.country != destination:
        raise _invalid(
            _("The consumer receives the goods at %(hub)s: country %(country)s.")
            % {"hub": request.destination_hub.code, "country": destination},
            "consumer.country",
        )
    if destination == "CN":
        try:
            cn_resident_id_clean(consumer.id_reference)
        except DjangoValidationError as error:
            raise _invalid(error.messages[0], "consumer.id_reference") from None


def _check_terms(request: OrderRequest) -> None:
    if request.incoterm not in Order.Incoterm.values:
        raise _invalid(_("Incoterm is DAP or DDP."), "incoterm")
    if _payment_currency(request) not in {*settings.PAYMENT_CURRENCIES, request.seller.currency}:
        raise _invalid(
            _("Pay in one of %(currencies)s.")
            % {"currencies": ", ".join(settings.PAYMENT_CURRENCIES)},
            "payment_currency",
        )


def _check_request(request: OrderRequest) -> None:
    if (request.buyer is None) == (request.consumer is None):
        raise _invalid(_("An order has either a buyer organisation or a consumer."))
    _check_consumer(request)
    if request.buyer is not None and request.buyer.pk == request.seller.pk:
        raise _invalid(_("An organisation cannot buy from itself."), "seller")
    if not request.seller.can_sell:
        raise _invalid(
            _("%(seller)s is not a verified seller yet.") % {"seller": request.seller},
            "seller",
            HubsErrorCode.NOT_APPROVED,
        )
    _check_terms(request)
    if not 1 <= len(request.lines) <= MAX_LINES:
        raise _invalid(_("An order has 1 to %(max)s lines.") % {"max": MAX_LINES}, "lines")
    if len({line.product_id for line in request.lines}) != len(request.lines):
        raise _invalid(_("Each product appears on one line only."), "lines")
    for index, line in enumerate(request.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise _invalid(
                _("Quantity is 1 to %(max)s.") % {"max": MAX_QUANTITY}, f"lines.{index}.quantity"
            )
    eroad = ERoad.objects.filter(
        origin_id=request.seller.home_hub_id,
        destination_id=request.destination_hub.pk,
        is_active=True,
    )
    if not eroad.exists():
        raise _invalid(
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
            _("Only members of the buying organisation place its orders."), HubsErrorCode.NOT_MEMBER
        )
    _check_request(request)
    with transaction.atomic():
        products = _lock_products(request)
        total, weight = _totals(request, products)
        # the origin hub's carriage and insurance at today's rates: the buyer pays them with
        # the goods, and the import is declared at goods + freight + insurance (CIF)
        charges = (
            OrderCharges(goods=total, shipping=None, insurance=None)
            if request.from_stock
            else order_charges_quote(
                origin=request.seller.home_hub,
                destination=request.destination_hub,
                goods=total,
                weight_kg=weight,
            )
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
            ships_from_stock=request.from_stock,
            **_consumer_fields(request.consumer),
        )
        _add_lines(order, request.lines, products, take_stock=not request.from_stock)
        order_history_record(
            order,
            "",
            Order.Status.PLACED,
            actor=actor,
            label=actor_label or actor_label_of(actor, request.channel),
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
        event_record(order_placed(order))
    return order


def _lock_products(request: OrderRequest) -> dict[int, Product]:
    ids = sorted(line.product_id for line in request.lines)
    products = {
        # FOR NO KEY UPDATE: the stock column changes, never the key. Rows that reference the
        # product (a warehouse's stock lot, a bonded ledger entry) take a key-share lock on it
        # when they are written, which FOR UPDATE would make wait behind this order while the
        # order waits for their lots: a deadlock
        p.pk: p
        for p in Product.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    }
    for index, line in enumerate(request.lines):
        product = products.get(line.product_id)
        if product is None or product.seller_id != request.seller.pk:
            raise _invalid(
                _("This product is not on sale by this seller."), f"lines.{index}.product"
            )
        # the listing as it is now, not the request, is what stands in the way: a conflict
        if not product.is_active:
            raise ConflictError(
                _("%(sku)s is no longer on sale.") % {"sku": product.sku},
                HubsErrorCode.ORDER_INVALID,
                extra={"field": f"lines.{index}.product"},
            )
        if not request.from_stock and product.stock < line.quantity:
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
        raise _invalid(
            _("An order is at most %(total)s %(currency)s and %(weight)s kg; split it.")
            % {
                "total": f"{MAX_ORDER_TOTAL:,}",
                "currency": total.currency.code,
                "weight": f"{MAX_ORDER_WEIGHT_KG:,}",
            },
            "lines",
        )
    return total, weight


def _add_lines(order, lines, products, *, take_stock: bool) -> None:
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
    if take_stock:
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

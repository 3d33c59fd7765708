"""Placing an order served from a warehouse's stock: the order and its reservation in one
transaction (hubs places the order, this app claims the units)."""

from django.db import transaction
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from hubs.models import Order
from hubs.services.placement import OrderRequest, order_place

from .. import law
from ..errors import WarehousingErrorCode
from ..models import Fulfilment, Warehouse
from .fulfilment import waybill_number
from .stock import stock_reserve


def stock_order_place(
    *, request: OrderRequest, warehouse: Warehouse, actor=None, actor_label: str = ""
):
    """Place an order served from ``warehouse``'s stock: the order and its reservation in
    one transaction, so an order exists only with its units (a 409 when they are gone)."""
    if not warehouse.is_active or warehouse.hub_id != request.destination_hub.pk:
        raise ApplicationError(
            _("This warehouse does not serve %(hub)s.") % {"hub": request.destination_hub.code},
            WarehousingErrorCode.WAREHOUSE_UNKNOWN,
            extra={"field": "warehouse"},
        )
    if warehouse.is_bonded:
        _check_bonded_sale(request, warehouse)
    stock_request = OrderRequest(**{**request.__dict__, "from_stock": True})
    with transaction.atomic():
        order = order_place(request=stock_request, actor=actor, actor_label=actor_label)
        fulfilment = Fulfilment.objects.create(
            order=order, warehouse=warehouse, waybill=waybill_number()
        )
        stock_reserve(fulfilment=fulfilment, lines=list(order.lines.all()))
    return order


def _check_bonded_sale(request: OrderRequest, warehouse: Warehouse) -> None:
    """What a 1210 retail import needs before any unit is reserved (warehousing/law.py):
    a consumer buying for their own use, in China, duty paid (the platform collects the
    taxes)."""
    if request.consumer is None:
        raise ApplicationError(
            _("Bonded stock is sold to consumers only, as cross-border retail imports."),
            WarehousingErrorCode.CONSUMERS_ONLY,
            extra={"field": "consumer"},
        )
    if warehouse.hub.country.code != "CN":
        raise ApplicationError(
            _("Bonded retail imports are China's: this warehouse is not at a hub in China."),
            WarehousingErrorCode.WAREHOUSE_UNKNOWN,
            extra={"field": "warehouse"},
        )
    if request.incoterm != Order.Incoterm.DDP:
        raise ApplicationError(
            str(law.DUTY_PAID) + ".",
            WarehousingErrorCode.DUTY_PAID_ONLY,
            extra={"field": "incoterm"},
        )

"""Placing an order served from a warehouse's stock: the order and its reservation in one
transaction (hubs places the order, this app claims the units)."""

from django.db import transaction
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError
from hubs.services.placement import OrderRequest, order_place

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
    if warehouse.is_bonded and request.consumer is None:
        # 1210 goods leave the bonded area as retail imports for a consumer's own use
        raise ApplicationError(
            _("Bonded stock is sold to consumers only, as cross-border retail imports."),
            WarehousingErrorCode.WAREHOUSE_UNKNOWN,
            extra={"field": "warehouse"},
        )
    stock_request = OrderRequest(**{**request.__dict__, "from_stock": True})
    with transaction.atomic():
        order = order_place(request=stock_request, actor=actor, actor_label=actor_label)
        fulfilment = Fulfilment.objects.create(
            order=order, warehouse=warehouse, waybill=waybill_number()
        )
        stock_reserve(fulfilment=fulfilment, lines=list(order.lines.all()))
    return order

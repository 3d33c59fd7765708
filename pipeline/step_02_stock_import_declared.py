"""Step 2 for an order served from a warehouse's stock at the destination (warehousing): the
goods crossed in bulk before they were sold, so there is no export and no flight.

- Bonded stock: the order is paid → its retail import is declared at the warehouse's hub
  under supervision mode 1210, with the order, payment and waybill records of the
  three-record match (the waybill is the domestic courier's, which the warehouse allotted at
  placement; the goods are the units it reserved), and submitted; the order is "in customs".
  Customs assesses it on the worker (the per-transaction and annual limits, the 70 % taxes)
  and releases it or routes it to the hub's officers; on release step 5 has it picked.
- Stock that is not bonded was imported already: the order goes on the pick list now (it
  waits "in customs" for its pick, though no customs acts at this step)."""

from customs.errors import CustomsErrorCode
from customs.models import Declaration
from customs.selectors import declaration_filed
from customs.services.decisions import declaration_records_attach
from customs.services.filing import declaration_create, declaration_submit
from ewtp.common.errors import ApplicationError
from ewtp.common.money import money_from_minor
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs import order_words
from hubs.models import Order
from hubs.selectors import member_emails_of
from payments.events import OrderPaid
from payments.selectors import orders_with_intents
from warehousing.selectors import fulfilment_of_order, units_claimed_by_hs

from .customs_filing import match_records, payer_identity, stock_import_request
from .errors import RETRY_LATER
from .notify import buyer_notify
from .step_02_export_declared import in_customs

NOT_FILED = (Declaration.Status.CANCELLED, Declaration.Status.REJECTED)


@subscribe("payments.order_paid", name="pipeline.stock_import_declared")
def stock_import_declared(event: OrderPaid) -> None:
    paid = orders_with_intents(order_ids=[event.order_id], status=Order.Status.PAID)
    # a flown order (most) costs one query here: its lines are prefetched only for a stock one
    order = paid.filter(ships_from_stock=True).first()
    if order is None:
        return  # flown, or moved on meanwhile (refunded, disputed, or in customs already)
    fulfilment = fulfilment_of_order(order_id=order.pk)
    if not fulfilment.warehouse.is_bonded:
        # imported (and taxed) before it was sold: on the pick list now
        in_customs(
            order,
            order_words.reason_record(
                order_words.SERVED_FROM_STOCK, warehouse=fulfilment.warehouse.name
            ),
        )
        return
    request = stock_import_request(
        order, waybill=fulfilment.waybill, customs_site_code=fulfilment.warehouse.customs_site_code
    )
    if declaration_filed(order=order, regime=request.regime, ignoring=NOT_FILED):
        # filed already (a repeated event, or filed by hand): the order is in customs
        in_customs(order, order_words.IMPORT_FILED_FROM_STOCK_ALREADY)
        return
    buyer_notify(order, "paid")
    try:
        declaration = declaration_create(request=request, actor_label="pipeline")
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise
        if error.code == CustomsErrorCode.DECLARATION_EXISTS:
            return
        _tell_parties(order, error.message)
        return
    intent = order.payment_intent
    declaration_records_attach(
        declaration=declaration,
        actor_label="pipeline",
        **match_records(
            order,
            payer_id_reference=payer_identity(order),
            paid=money_from_minor(intent.received_minor, intent.currency).amount,
            paid_currency=intent.currency,
            paid_taxes=intent.duties.amount,
            waybill=fulfilment.waybill,
            # what the warehouse will pick under the waybill: the units it reserved
            shipped=units_claimed_by_hs(fulfilment_id=fulfilment.pk),
        ),
    )
    declaration_submit(declaration=declaration, actor_label="pipeline")
    in_customs(
        order,
        order_words.reason_record(
            order_words.IMPORT_FILED_FROM_STOCK,
            reference=declaration.reference,
            hub=order.destination_hub.code,
        ),
    )


def _tell_parties(order: Order, reason: str) -> None:
    email_after_commit(
        to=member_emails_of(organization_ids=[order.seller_id]),
        subject=f"eWTP Hub: retail import for order {order.reference} not filed",
        body=(
            f"Order {order.reference} is paid, but its retail import from bonded stock could "
            f"not be filed automatically: {reason}\n\nCorrect the product and file the "
            "declaration by hand under Declarations in the portal."
        ),
    )

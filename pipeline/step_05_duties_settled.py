"""Step 5, the import released → the duties and taxes are settled per the order's incoterm.
DDP: the assessment is paid from escrow, where the buyer's payment of the quote waits; an
assessment below the quote refunds the difference to the buyer, one above it is taken from
the seller's part (its duty under DDP); both are told the figures. Should escrow have been
released before the assessment, what it cannot cover is reported to the MDEC officers. An
order refunded meanwhile has nothing left to pay from. DAP: the importer (the buyer) pays
customs itself; nothing moves in escrow."""

from decimal import ROUND_HALF_UP, Decimal

from moneyed import Money

from customs.events import DeclarationDecided
from customs.models import Declaration
from customs.selectors import declaration_by_id
from customs.services.quotes import IMPORT_REGIMES
from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import Order, User
from hubs.selectors import member_emails, official_emails, order_by_id
from payments.services.duties import escrow_duties_settle

from .notify import buyer_notify


@subscribe(
    "customs.declaration_decided",
    name="pipeline.duties_settled",
    when=lambda event: (
        event.order_id is not None
        and event.regime in IMPORT_REGIMES
        and event.status == Declaration.Status.RELEASED
    ),
)
def duties_settled(event: DeclarationDecided) -> None:
    order = order_by_id(order_id=event.order_id)
    if order.incoterm != Order.Incoterm.DDP:
        return  # DAP: the buyer pays customs
    declaration = declaration_by_id(declaration_id=event.declaration_id)
    duties_settle(
        order,
        assessed=Money(_in_order_currency(declaration), order.total.currency),
        reference=declaration.reference,
    )


def duties_settle(order: Order, *, assessed: Money, reference: str) -> None:
    """Pay a DDP order's import duties and taxes, ``assessed`` in the order's currency by the
    import declaration ``reference`` (this hub's customs, or a peer deployment's)."""
    settled = escrow_duties_settle(order=order, assessed=assessed, declaration_reference=reference)
    if settled is None:
        return  # settled before (a repeated event)
    detail = f"Import duties and taxes: quoted {settled.quoted}, assessed {settled.assessed}." + (
        f" {settled.refunded} refunded to you." if settled.refunded.amount else ""
    )
    buyer_notify(order, "duties", detail)
    if settled.shortfall.amount:
        _tell_officers(order, reference, settled)
    email_after_commit(
        to=member_emails(organization_id=order.seller_id),
        subject=f"eWTP Hub: order {order.reference}: import duties paid from escrow",
        body=f"{detail}"
        + (
            f"\n\n{settled.borne_by_seller} above the quote is paid from your part of escrow "
            "(DDP: the seller delivers duty paid)."
            if settled.borne_by_seller.amount
            else ""
        ),
    )


def _tell_officers(order: Order, reference: str, settled) -> None:
    """Escrow was released before customs assessed the import (the buyer confirmed early):
    what the assessment asks beyond what escrow held is for a person to collect."""
    email_after_commit(
        to=official_emails(role=User.OfficialRole.MDEC_OFFICER),
        subject=f"eWTP Hub: order {order.reference}: import duties short by {settled.shortfall}",
        body=(
            f"Declaration {reference} of DDP order {order.reference} was assessed at "
            f"{settled.assessed}; escrow held {settled.paid}, which was paid to customs. "
            f"{settled.shortfall} is still owed by the seller under DDP."
        ),
    )


def _in_order_currency(declaration: Declaration) -> Decimal:
    """The assessed total (customs currency) in the declaration's currency, the order's, at
    the customs exchange rate it was assessed with; rounded as the quote was."""
    return (Decimal(declaration.total_tax) / declaration.exchange_rate).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )

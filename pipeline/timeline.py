"""One timeline per order: its own changes of status, the money through its escrow and its
payout (at its latest status), its customs declarations (as the declarant sees them) and its
parcels' tracking events (or, served from stock, the warehouse's and the courier's scans),
merged in time order. Six queries whatever the journey's length."""

from dataclasses import dataclass
from datetime import datetime

from customs.selectors import declaration_transitions_of_order
from ewtp.common.money import money_from_minor
from hubs.models import Order
from logistics.selectors import tracking_events_of_order
from payments.models import LedgerTransaction
from payments.selectors import escrow_entries_of_order, payouts_of_order
from warehousing.selectors import fulfilment_events_of_order


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str  # order, money, customs, parcel
    title: str
    detail: str = ""
    place: str = ""  # an IATA code, where the moment happened at a hub or airport


def order_timeline(
    order: Order, *, organization_ids=(), oversee: bool = False, finance_organization_ids=None
) -> list[Moment]:
    """As the viewer may see it: the settlement's details (rate, spread, fee) and the payout
    only for the seller's owners (``finance_organization_ids``: the viewer's organisations
    whose money it may see; all of ``organization_ids`` unless given) and officers; a
    declaration's reasons only for its declarant and officers, the other party sees its
    steps."""
    finances = organization_ids if finance_organization_ids is None else finance_organization_ids
    sees_settlement = oversee or order.seller_id in finances
    own = set(organization_ids)
    moments = [
        Moment(t.created_at, "order", t.to_label, t.reason_shown) for t in order.transitions.all()
    ]
    moments += [
        Moment(
            entry.created_at,
            "money",
            f"{entry.transaction.get_kind_display()}: "
            f"{money_from_minor(abs(entry.amount_minor), entry.currency)}",
            entry.transaction.description
            if sees_settlement or entry.transaction.kind != LedgerTransaction.Kind.RELEASE
            else "",
        )
        for entry in escrow_entries_of_order(order=order)
    ]
    if sees_settlement:  # the seller's own bank account is none of the buyer's business
        moments += [
            Moment(
                payout.updated_at,
                "money",
                f"Payout {payout.end_to_end_id} of {payout.amount}: {payout.get_status_display()}",
                f"To {payout.creditor_bic} …{payout.creditor_account[-4:]}"
                + (f" ({payout.reason_code})" if payout.reason_code else ""),
            )
            for payout in payouts_of_order(order=order)
        ]
    moments += [
        Moment(
            step.created_at,
            "customs",
            f"{step.declaration.get_regime_display()} {step.declaration.reference}: "
            f"{step.to_label}",
            step.public_reason_shown if oversee or step.declaration.organization_id in own else "",
            step.declaration.hub.code,
        )
        for step in declaration_transitions_of_order(order=order)
    ]
    moments += [
        Moment(
            event.occurred_at,
            "parcel",
            f"{event.parcel.waybill}: {event.get_code_display()}",
            event.flight.number if event.flight_id else "",
            event.place,
        )
        for event in tracking_events_of_order(order=order)
    ]
    moments += [
        Moment(
            event.at,
            "parcel",
            f"{event.fulfilment.waybill}: {event.get_code_display()}",
            event.place,
            event.fulfilment.warehouse.hub.code,
        )
        for event in fulfilment_events_of_order(order_id=order.pk)
    ]
    return sorted(moments, key=lambda moment: moment.at)

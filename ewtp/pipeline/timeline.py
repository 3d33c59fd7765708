"""One timeline per order: its own changes of status, the money through its escrow, its
customs declarations (as the declarant sees them) and its parcels' tracking events, merged
in time order. Four queries whatever the length of the journey."""

from dataclasses import dataclass
from datetime import datetime

from customs.models import Declaration, DeclarationTransition
from ewtp.common.money import money_from_minor
from hubs.models import Order
from logistics.models import TrackingEvent
from payments.models import Account, Entry


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str  # order, money, customs, parcel
    title: str
    detail: str = ""
    place: str = ""  # an IATA code, where the moment happened at a hub or airport


def order_timeline(order: Order, *, organization_ids=(), oversee: bool = False) -> list[Moment]:
    """As the viewer may see it: the settlement's details (rate, spread, fee) only for the
    seller and officers; a declaration's reasons only for its declarant and officers, the
    other party sees its steps."""
    sees_settlement = oversee or order.seller_id in organization_ids
    own = set(organization_ids)
    moments = [
        Moment(t.created_at, "order", Order.Status(t.to_status).label, t.reason)
        for t in order.transitions.all()
    ]
    moments += [
        Moment(
            entry.created_at,
            "money",
            f"{entry.transaction.get_kind_display()}: "
            f"{money_from_minor(abs(entry.amount_minor), entry.currency)}",
            entry.transaction.description
            if sees_settlement or entry.transaction.kind != "release"
            else "",
        )
        for entry in Entry.objects.filter(
            account__order=order, account__kind=Account.Kind.ESCROW
        ).select_related("transaction")
    ]
    moments += [
        Moment(
            step.created_at,
            "customs",
            f"{step.declaration.get_regime_display()} {step.declaration.reference}: "
            f"{Declaration.Status(step.to_status).label}",
            step.public_reason if oversee or step.declaration.organization_id in own else "",
            step.declaration.hub.code,
        )
        for step in DeclarationTransition.objects.filter(declaration__order=order)
        .select_related("declaration__hub")
        .exclude(to_status="draft")
    ]
    moments += [
        Moment(
            event.occurred_at,
            "parcel",
            f"{event.parcel.waybill}: {event.get_code_display()}",
            event.flight.number if event.flight_id else "",
            event.place,
        )
        for event in TrackingEvent.objects.filter(parcel__order=order).select_related(
            "parcel", "flight"
        )
    ]
    return sorted(moments, key=lambda moment: moment.at)

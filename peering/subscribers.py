"""What the e-road reacts to in this deployment's journey: a flight departing for a hub a
peer runs (its manifest goes to the peer), and this hub's customs deciding the import of a
consignment a peer sent (the decision goes back)."""

from customs.events import DeclarationDecided
from customs.selectors import declarations_by_id
from ewtp.common.outbox import subscribe
from logistics.events import FlightDeparted

from .selectors import consignment_declaration_ids
from .services.consignments import TOLD, consignment_decision_tell
from .services.journey import manifests_send


@subscribe("logistics.flight_departed", name="peering.manifests_sent")
def manifests_sent(event: FlightDeparted) -> None:
    manifests_send(flight_id=event.flight_id, order_ids=event.order_ids)


# a decision on an order of this deployment is the pipeline's to act on, here; most
# decisions are on the declarations of no consignment (a platform's own filings), which the
# batch sets aside with one query
@subscribe(
    "customs.declaration_decided",
    name="peering.decision_told",
    many=True,
    when=lambda event: event.order_id is None and event.status in TOLD,
)
def decision_told(events: list[DeclarationDecided]) -> None:
    declarations = declarations_by_id(
        declaration_ids=consignment_declaration_ids(
            declaration_ids=[event.declaration_id for event in events]
        )
    )
    for event in events:
        if event.declaration_id in declarations:
            consignment_decision_tell(
                declaration=declarations[event.declaration_id],
                status=event.status,
                by_officer=event.by_officer,
                reason=event.reason,
            )

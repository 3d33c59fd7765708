"""Step 3, parcel received and weighed: a measured weight outside the tolerance is reported
to the customs officers of the origin hub, whose export declaration rests on the declared
weight (they amend it or hold the parcel on their workbench)."""

from ewtp.common.notifications import email_after_commit
from ewtp.common.outbox import subscribe
from hubs.models import User
from hubs.selectors import official_emails
from logistics.events import ParcelWeightMismatch
from logistics.selectors import parcel_by_id


@subscribe("logistics.parcel_weight_mismatch", name="pipeline.weight_mismatch_reported")
def weight_mismatch_reported(event: ParcelWeightMismatch) -> None:
    parcel = parcel_by_id(parcel_id=event.parcel_id)
    hub = parcel.facility.hub
    email_after_commit(
        to=official_emails(role=User.OfficialRole.CUSTOMS_OFFICER, hub_id=hub.pk),
        subject=f"eWTP Hub {hub.code}: weight mismatch on parcel {event.waybill}",
        body=(
            f"Parcel {event.waybill} of order {parcel.order.reference} was declared at "
            f"{event.declared_kg} kg and weighs {event.measured_kg} kg at {hub.code}, outside "
            "the hub's tolerance. It does not board until you accept the measured weight "
            "(Customs workbench → Parcels weighed outside the tolerance), or reject the "
            "order's export declaration, which returns it to the seller."
        ),
    )

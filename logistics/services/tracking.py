"""Recording tracking events: one row per parcel, and a signed webhook to the sales channel
of each parcel's order (the channel's endpoint decides whether it listens)."""

from datetime import datetime

from django.utils import timezone

from ewtp.common.models import ApiClient
from ewtp.common.webhooks import webhook_emit

from ..models import Parcel, TrackingEvent

Code = TrackingEvent.Code
CHUNK = 5000


def tracking_record(
    parcel_ids: list[int],
    code: str,
    *,
    place: str,
    actor_label: str,
    note: str = "",
    flight=None,
    at: datetime | None = None,
) -> int:
    """The same event for many parcels (a flight's departure) in a few queries. Call inside
    the transaction that changed the parcels, so the timeline never disagrees with them."""
    at = at or timezone.now()
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                parcel_id=pk,
                code=code,
                occurred_at=at,
                place=place,
                actor_label=actor_label[:254],
                note=note[:300],
                flight=flight,
            )
            for pk in parcel_ids
        ],
        batch_size=CHUNK,
    )
    _tell_channels(parcel_ids, code, place, at)
    return len(parcel_ids)


def _tell_channels(parcel_ids, code, place, at) -> None:
    for start in range(0, len(parcel_ids), CHUNK):
        rows = Parcel.objects.filter(
            pk__in=parcel_ids[start : start + CHUNK], order__channel__isnull=False
        ).values_list("waybill", "order__reference", "order__channel_id")
        channels = {}
        for waybill, reference, channel_id in rows:
            if channel_id not in channels:
                channels[channel_id] = ApiClient.objects.get(pk=channel_id)
            webhook_emit(
                api_client=channels[channel_id],
                event="parcel.tracking",
                data={
                    "waybill": waybill,
                    "order_reference": reference,
                    "code": code,
                    "description": str(Code(code).label),
                    "place": place,
                    "occurred_at": at,
                },
            )

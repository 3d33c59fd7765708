"""Recording tracking events: one row per parcel, and a signed webhook to the sales channel
of each parcel's order (the channel's endpoint decides whether it listens)."""

from datetime import datetime

from django.db import connection
from django.utils import timezone

from ewtp.common.models import ApiClient
from ewtp.common.webhooks import webhook_emit_batch

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
    notify: list[int] | None = None,
) -> int:
    """The same event for many parcels (a flight's departure) in a few queries. Call inside
    the transaction that changed the parcels, so the timeline never disagrees with them.
    ``notify``: the parcels of channels' orders, when the caller knows them already."""
    at = at or timezone.now()
    values = (code, at, place, actor_label[:254], note[:300], flight.pk if flight else None)
    if connection.vendor == "postgresql":
        _insert_unnest(parcel_ids, values)
    else:
        TrackingEvent.objects.bulk_create(
            [
                TrackingEvent(
                    parcel_id=pk,
                    code=code,
                    occurred_at=at,
                    place=place,
                    actor_label=values[3],
                    note=values[4],
                    flight_id=values[5],
                )
                for pk in parcel_ids
            ],
            batch_size=CHUNK,
        )
    _tell_channels(parcel_ids if notify is None else notify, code, place, at)
    return len(parcel_ids)


def _insert_unnest(parcel_ids: list[int], values: tuple) -> None:
    """One INSERT … SELECT unnest(ids) per 50,000 parcels: a flight's worth of events without
    building a model instance per row (bulk_create spends most of its time in Python here)."""
    table = TrackingEvent._meta.db_table
    sql = (
        f"INSERT INTO {table} (parcel_id, code, occurred_at, place, actor_label, note, flight_id) "
        "SELECT unnest(%s::bigint[]), %s, %s, %s, %s, %s, %s"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(parcel_ids), 50_000):
            cursor.execute(sql, [parcel_ids[start : start + 50_000], *values])


def _tell_channels(parcel_ids, code, place, at) -> None:
    """One webhook per parcel to its order's channel, written in one insert per channel."""
    by_channel: dict[int, list[dict]] = {}
    for start in range(0, len(parcel_ids), CHUNK):
        rows = Parcel.objects.filter(
            pk__in=parcel_ids[start : start + CHUNK], order__channel__isnull=False
        ).values_list("waybill", "order__reference", "order__channel_id")
        for waybill, reference, channel_id in rows:
            by_channel.setdefault(channel_id, []).append(
                {
                    "waybill": waybill,
                    "order_reference": reference,
                    "code": code,
                    "description": str(Code(code).label),
                    "place": place,
                    "occurred_at": at,
                }
            )
    for channel in ApiClient.objects.filter(pk__in=by_channel):
        webhook_emit_batch(
            api_client=channel, event="parcel.tracking", payloads=by_channel[channel.pk]
        )

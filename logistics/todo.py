"""What waits on the logistics side (hubs.todo): the seller's goods to pack and parcels to
drop off; the hub floor's parcels expected and weights to settle."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hubs.roles import Perm, can_act_for, has_permission
from hubs.todo import TODO_LIMIT, Todo

from .models import Parcel
from .selectors import orders_left_to_pack


def parcel_todos(*, user, organization, order=None) -> list[Todo]:
    items = []
    if organization is not None and can_act_for(user, organization, Perm.ORDERS_TRADE):
        items += _seller_todos(organization, order)
    if order is None and has_permission(user, Perm.HUB_FLOOR) and user.official_hub_id:
        items += _floor_todos(user.official_hub)
    return items


def _seller_todos(organization, order) -> list[Todo]:
    items = []
    for row in orders_left_to_pack(seller=organization, order=order)[:TODO_LIMIT]:
        items.append(
            Todo(
                _("Order %(reference)s is paid: pack it and print its labels.")
                % {"reference": row.reference},
                _("Pack and print labels"),
                reverse("logistics:order_parcels", args=[row.reference]),
                order=row.reference,
                since=row.updated_at,
            )
        )
    parcels = Parcel.objects.filter(
        order__seller=organization, status__in=Parcel.BEFORE_HUB
    ).select_related("order", "facility__hub")
    if order is not None:
        parcels = parcels.filter(order=order)
    for parcel in parcels.order_by("created_at", "id")[:TODO_LIMIT]:
        items.append(_drop_off_todo(parcel))
    return items


def _drop_off_todo(parcel: Parcel) -> Todo:
    url = reverse("logistics:order_parcels", args=[parcel.order.reference])
    names = {"waybill": parcel.waybill, "reference": parcel.order.reference}
    if parcel.status == Parcel.Status.CREATED:
        title = _("Parcel %(waybill)s of order %(reference)s: book when you bring it to the hub.")
        return Todo(
            title % names, _("Book the drop-off"), url, parcel.order.reference, parcel.created_at
        )
    hub = parcel.facility.hub
    when = date_format(timezone.localtime(parcel.drop_off_at, hub.zone), "SHORT_DATETIME_FORMAT")
    title = _(
        "Bring parcel %(waybill)s to %(facility)s, %(address)s, on %(when)s (%(zone)s time)."
    ) % {
        **names,
        "facility": parcel.facility.name,
        # a facility registered without its street address is placed by its hub's name
        "address": parcel.facility.address or hub.name,
        "when": when,
        "zone": hub.name,
    }
    return Todo(title, _("See the parcel"), url, parcel.order.reference, parcel.drop_off_at)


def _floor_todos(hub) -> list[Todo]:
    # booked to arrive before the end of the hub's day (or overdue)
    tomorrow = timezone.localdate(timezone=hub.zone) + timedelta(days=1)
    day_ends = datetime.combine(tomorrow, time.min, tzinfo=hub.zone)
    counts = Parcel.objects.filter(facility__hub=hub).aggregate(
        expected=Count("pk", filter=Q(status=Parcel.Status.BOOKED, drop_off_at__lt=day_ends)),
        mismatched=Count(
            "pk",
            filter=Q(weight_flagged=True, status__in=(Parcel.Status.RECEIVED, Parcel.Status.HELD)),
        ),
    )
    items = []
    if counts["expected"]:
        items.append(
            Todo(
                _("%(count)d parcel(s) booked for drop-off today: receive them as they come.")
                % {"count": counts["expected"]},
                _("Open the hub floor"),
                reverse("logistics:floor"),
            )
        )
    if counts["mismatched"]:
        items.append(
            Todo(
                _("%(count)d parcel(s) weigh more than declared: accept, hold or return.")
                % {"count": counts["mismatched"]},
                _("Settle the weights"),
                reverse("logistics:weight_mismatches"),
            )
        )
    return items

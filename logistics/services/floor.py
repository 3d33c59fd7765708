"""The hub floor: what operators do with a parcel in their hands (scan, receive, weigh, hold,
return) at the origin, and the destination's handling after the flight (out for delivery,
delivered, exception). Each step is one transaction with its tracking event and its audit
row (the operator, or the system, and the reason where there is one); a step that moves the
parcel is a parcel_transition from the states it starts from (logistics/services/moves.py).

A measured weight outside PARCEL_WEIGHT_TOLERANCE_PERCENT of the declared weight flags the
parcel and reports it to customs through the outbox (the declaration may need amending).
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.outbox import event_record
from hubs.roles import Perm, has_permission

from ..errors import LogisticsErrorCode
from ..events import ParcelWeightMismatch
from ..models import Parcel, TrackingEvent
from ..waybills import house_waybill_valid
from .moves import parcel_transition
from .tracking import tracking_record

Code, Status = TrackingEvent.Code, Parcel.Status
MAX_MEASURED_KG = Decimal("1000")


def parcel_find(*, waybill: str) -> Parcel:
    """The parcel a scanner read (or a person typed); a clear error for a bad number."""
    text = (waybill or "").strip().upper()
    if not house_waybill_valid(text):
        raise ApplicationError(
            (
                _("%(number)s is not a house waybill number (check digit wrong?).")
                % {"number": text[:20]}
                if text
                else _("That is not a house waybill number (check digit wrong?).")
            ),
            LogisticsErrorCode.PARCEL_UNKNOWN,
            extra={"field": "waybill"},
        )
    parcel = (
        Parcel.objects.select_related("facility__hub", "eroad__destination", "order", "flight")
        .filter(waybill=text)
        .first()
    )
    if parcel is None:
        raise ApplicationError(
            _("No parcel %(waybill)s.") % {"waybill": text},
            LogisticsErrorCode.PARCEL_UNKNOWN,
            extra={"field": "waybill"},
        )
    return parcel


def _at_hub(actor, hub_id: int) -> str:
    """Operators act at their own hub; the system (actor None) anywhere. Returns the label."""
    if actor is None:
        return "system"
    if not has_permission(actor, Perm.HUB_FLOOR) or actor.official_hub_id != hub_id:
        raise NotAllowedError(
            _("Only the operators of this parcel's hub handle it here."),
            LogisticsErrorCode.NOT_YOUR_HUB,
        )
    return actor.email


def parcel_receive(*, parcel: Parcel, actor) -> Parcel:
    label = _at_hub(actor, parcel.facility.hub_id)
    return parcel_transition(
        parcel=parcel,
        to=Status.RECEIVED,
        sources=Parcel.BEFORE_HUB,
        actor=actor,
        actor_label=label,
    )


def parcel_weigh(*, parcel: Parcel, measured_kg: Decimal, actor) -> Parcel:
    """Record the scale's reading; outside the tolerance the parcel is flagged and customs
    told. Weighing again replaces the reading (a second scale, a repacked parcel)."""
    label = _at_hub(actor, parcel.facility.hub_id)
    if not Decimal("0.001") <= measured_kg <= MAX_MEASURED_KG:
        raise ApplicationError(
            _("The reading is 0.001 to %(max)s kg.") % {"max": MAX_MEASURED_KG},
            LogisticsErrorCode.PARCEL_INVALID,
            extra={"field": "measured_kg"},
        )
    with transaction.atomic():
        locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
        if locked.status not in (Status.RECEIVED, Status.HELD):
            raise ConflictError(
                _("Receive parcel %(waybill)s before weighing it.") % {"waybill": locked.waybill},
                LogisticsErrorCode.PARCEL_STATE,
            )
        tolerance = locked.declared_weight_kg * settings.PARCEL_WEIGHT_TOLERANCE_PERCENT / 100
        flagged = abs(measured_kg - locked.declared_weight_kg) > tolerance
        locked.measured_weight_kg, locked.weight_flagged = measured_kg, flagged
        if flagged:
            # the export declaration rests on the declared weight: customs releases it again
            # once amended, and until then the parcel does not board
            locked.export_released_at = None
        locked.save(
            update_fields=[
                "measured_weight_kg",
                "weight_flagged",
                "export_released_at",
                "updated_at",
            ]
        )
        note = f"{measured_kg} kg (declared {locked.declared_weight_kg} kg)"
        tracking_record(
            [locked.pk],
            Code.WGT,
            place=locked.facility.hub.code,
            actor_label=label,
            note=note + (": outside the tolerance, reported to customs" if flagged else ""),
        )
        if flagged:
            event_record(
                ParcelWeightMismatch(
                    parcel_id=locked.pk,
                    order_id=locked.order_id,
                    waybill=locked.waybill,
                    declared_kg=str(locked.declared_weight_kg),
                    measured_kg=str(measured_kg),
                )
            )
    return locked


def parcel_hold(*, parcel: Parcel, reason: str, actor) -> Parcel:
    label = _at_hub(actor, parcel.facility.hub_id)
    if not reason.strip():
        raise ApplicationError(
            _("Say why the parcel is held."),
            LogisticsErrorCode.PARCEL_INVALID,
            extra={"field": "reason"},
        )
    return parcel_transition(
        parcel=parcel,
        to=Status.HELD,
        sources=[Status.RECEIVED],
        actor=actor,
        actor_label=label,
        reason=reason,
    )


def parcel_hold_release(*, parcel: Parcel, actor) -> Parcel:
    label = _at_hub(actor, parcel.facility.hub_id)
    return parcel_transition(
        parcel=parcel, to=Status.RECEIVED, sources=[Status.HELD], actor=actor, actor_label=label
    )


def parcel_return(*, parcel: Parcel, reason: str, actor) -> Parcel:
    """Back to the seller from the origin hub (customs rejection, refused goods)."""
    label = _at_hub(actor, parcel.facility.hub_id)
    return parcel_transition(
        parcel=parcel,
        to=Status.RETURNED,
        sources=[*Parcel.BEFORE_HUB, Status.RECEIVED, Status.HELD],
        actor=actor,
        actor_label=label,
        reason=reason,
    )


def parcel_export_release(*, parcel: Parcel, actor_label: str = "customs") -> Parcel:
    """Customs released the export: the parcel may board (the consolidation loads only these).
    Releasing twice changes nothing."""
    with transaction.atomic():
        locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
        if locked.export_released_at is None:
            locked.export_released_at = timezone.now()
            locked.save(update_fields=["export_released_at", "updated_at"])
            tracking_record(
                [locked.pk], Code.CCD, place=parcel.facility.hub.code, actor_label=actor_label
            )
    return locked


def _at_destination(parcel: Parcel, to: str, sources, actor, reason: str = "") -> Parcel:
    """A step of the destination's handling, by an operator of the destination hub."""
    label = _at_hub(actor, parcel.eroad.destination_id)
    return parcel_transition(
        parcel=parcel, to=to, sources=sources, actor=actor, actor_label=label, reason=reason
    )


def parcel_out_for_delivery(*, parcel: Parcel, actor) -> Parcel:
    return _at_destination(parcel, Status.OUT_FOR_DELIVERY, [Status.ARRIVED], actor)


def parcel_deliver(*, parcel: Parcel, actor) -> Parcel:
    return _at_destination(parcel, Status.DELIVERED, [Status.OUT_FOR_DELIVERY], actor)


def parcel_exception(*, parcel: Parcel, reason: str, actor) -> Parcel:
    """Lost or damaged after it left the origin floor (before that, the origin holds or
    returns it): recorded, and ``logistics.parcel_lost`` starts the buyer's claim."""
    return _at_destination(
        parcel,
        Status.EXCEPTION,
        [Status.DEPARTED, Status.ARRIVED, Status.OUT_FOR_DELIVERY],
        actor,
        reason,
    )


def parcel_weight_accept(*, parcel: Parcel, actor) -> Parcel:
    """A customs officer of the parcel's hub accepts the measured weight of a flagged parcel:
    the flag is lifted and the parcel export-released again (refusing it is rejecting the
    export declaration on the workbench, which returns the parcel)."""
    if not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH)
        and actor.official_hub_id == parcel.facility.hub_id
    ):
        raise NotAllowedError(
            _("Only the customs officers of this parcel's hub accept its weight."),
            LogisticsErrorCode.NOT_YOUR_HUB,
        )
    with transaction.atomic():
        locked = Parcel.objects.select_for_update().get(pk=parcel.pk)
        if not locked.weight_flagged:
            return locked  # accepted already (a double click)
        if locked.status not in (Status.RECEIVED, Status.HELD):
            raise ConflictError(
                _("Parcel %(waybill)s is no longer at the hub.") % {"waybill": locked.waybill},
                LogisticsErrorCode.PARCEL_STATE,
            )
        locked.weight_flagged = False
        locked.export_released_at = timezone.now()
        locked.save(update_fields=["weight_flagged", "export_released_at", "updated_at"])
        tracking_record(
            [locked.pk],
            Code.CCD,
            place=locked.facility.hub.code,
            actor_label=actor.email,
            note=f"Measured weight {locked.measured_weight_kg} kg accepted by customs",
        )
    return locked

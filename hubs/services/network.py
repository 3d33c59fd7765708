"""Writes of the hub network: hubs and e-roads."""

from django.db import transaction
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError
from ewtp.common.outbox import event_record

from ..errors import HubsErrorCode
from ..events import ERoadOpened, HubOpened
from ..models import ERoad, Hub
from ..reference import airport_by_iata, currency_of


def hub_open(*, iata_code: str, name: str = "", actor=None) -> Hub:
    """Open a hub at an airport. Country, time zone and airport name come from the airport
    reference file, the currency from CLDR; only the display name may be chosen."""
    airport = airport_by_iata(iata_code)
    if airport is None:
        raise ApplicationError(
            _("'%(code)s' is not the IATA code of a known airport.") % {"code": iata_code},
            HubsErrorCode.AIRPORT_UNKNOWN,
            extra={"field": "iata_code"},
        )
    currency = currency_of(airport.country)
    if currency is None:
        raise ApplicationError(
            _("%(country)s has no currency of its own in the data: no hub can settle there.")
            % {"country": airport.country},
            HubsErrorCode.AIRPORT_UNKNOWN,
            extra={"field": "iata_code"},
        )
    if Hub.objects.filter(code=airport.iata).exists():
        raise ConflictError(
            _("Hub %(code)s already exists.") % {"code": airport.iata}, HubsErrorCode.HUB_EXISTS
        )
    with transaction.atomic():
        hub = Hub.objects.create(
            code=airport.iata,
            iata_code=airport.iata,
            name=name or f"{airport.city} eHub",
            country=airport.country,
            airport_name=airport.name,
            currency=currency,
            timezone=airport.timezone,
        )
        audit_record(
            actor=actor,
            action="hubs.hub.opened",
            target=hub,
            data={"code": hub.code, "country": str(hub.country)},
        )
        event_record(HubOpened(hub_id=hub.pk, code=hub.code, country=str(hub.country)))
    return hub


def eroad_open(*, origin: Hub, destination: Hub, transit_days: int, actor=None) -> ERoad:
    """Open (or reopen) the e-road origin → destination."""
    if origin.pk == destination.pk:
        raise ApplicationError(
            _("An e-road joins two different hubs."),
            HubsErrorCode.EROAD_CIRCULAR,
            extra={"field": "destination"},
        )
    if not 1 <= transit_days <= 60:
        raise ApplicationError(
            _("Transit days must be between 1 and 60."),
            HubsErrorCode.TRANSIT_DAYS_INVALID,
            extra={"field": "transit_days"},
        )
    with transaction.atomic():
        eroad, created = ERoad.objects.select_for_update().get_or_create(
            origin=origin,
            destination=destination,
            defaults={"transit_days": transit_days, "is_active": True},
        )
        if not created:
            if eroad.is_active and eroad.transit_days == transit_days:
                return eroad  # already open as asked: nothing to do
            eroad.transit_days, eroad.is_active = transit_days, True
            eroad.save(update_fields=["transit_days", "is_active", "updated_at"])
        audit_record(
            actor=actor,
            action="hubs.eroad.opened",
            target=eroad,
            data={"transit_days": transit_days},
        )
        event_record(
            ERoadOpened(
                eroad_id=eroad.pk,
                origin=origin.code,
                destination=destination.code,
                transit_days=transit_days,
            )
        )
    return eroad

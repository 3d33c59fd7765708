"""Flights on e-roads: carriers, schedules (from CSV or a daily pattern), cancellation, and the
clock that departs and lands them (a beat task in the demo; a carrier feed in production).
Each of those moves is a flight_transition (logistics/services/moves.py)."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record_bulk
from ewtp.common.errors import ApplicationError, ConflictError
from hubs.models import ERoad

from ..errors import LogisticsErrorCode
from ..models import Carrier, Flight
from .moves import flight_transition

CARRIERS_FILE = Path(__file__).resolve().parent.parent / "data" / "carriers.csv"
FLIGHT_COLUMNS = [
    "carrier",
    "flight_number",
    "origin",
    "destination",
    "departs_local",
    "arrives_local",
    "capacity_kg",
    "capacity_pieces",
]


def carriers_load() -> int:
    """The carriers the hub knows (logistics/data/carriers.csv); returns how many were new."""
    created = 0
    with open(CARRIERS_FILE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _carrier, new = Carrier.objects.get_or_create(
                iata_code=row["iata_code"],
                defaults={"name": row["name"], "awb_prefix": row["awb_prefix"]},
            )
            created += new
    return created


@dataclass(frozen=True)
class FlightRow:
    line: int
    carrier: Carrier
    number: str
    eroad: ERoad
    departs_at: datetime
    arrives_at: datetime
    capacity_kg: Decimal
    capacity_pieces: int


def flights_import(*, text: str, origin_hub=None, actor=None, actor_label: str = "system") -> int:
    """Load a schedule from CSV (FLIGHT_COLUMNS; times in each airport's local time). Every
    row is checked first and the file is refused whole with each row's reasons; a flight
    already known (carrier, number, departure) is left as it is. Returns how many were new,
    each audited as scheduled by ``actor``. ``origin_hub``: an operator loads only flights
    leaving its own hub."""
    rows, errors = _parse(text)
    if origin_hub is not None:
        errors += [
            _("Row %(line)s: flights leave from your hub %(hub)s.")
            % {"line": row.line, "hub": origin_hub.code}
            for row in rows
            if row.eroad.origin_id != origin_hub.pk
        ]
    if errors:
        raise ApplicationError(
            _("The schedule has errors; nothing was loaded. %(errors)s")
            % {"errors": " ".join(errors[:20])},
            LogisticsErrorCode.FLIGHT_INVALID,
            extra={"field": "file"},
        )
    with transaction.atomic():
        created = _flights_add(rows)
        _audit_scheduled(created, actor=actor, actor_label=actor_label, source="schedule file")
    return len(created)


def _audit_scheduled(ids: list[int], *, actor, actor_label: str, source: str) -> None:
    audit_record_bulk(
        actor=actor,
        actor_label=actor_label,
        action="logistics.flight.scheduled",
        model=Flight,
        ids=ids,
        data={"source": source},
    )


def _parse(text: str) -> tuple[list[FlightRow], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = set(FLIGHT_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        return [], [_("Missing column(s): %(columns)s.") % {"columns": ", ".join(sorted(missing))}]
    carriers = {c.iata_code: c for c in Carrier.objects.all()}
    eroads = {
        (e.origin.code, e.destination.code): e
        for e in ERoad.objects.select_related("origin", "destination")
    }
    rows, errors = [], []
    try:
        for line, raw in enumerate(reader, start=2):
            try:
                rows.append(_row(line, raw, carriers, eroads))
            except ValueError as error:
                errors.append(_("Row %(line)s: %(problem)s") % {"line": line, "problem": error})
            except (TypeError, AttributeError, ArithmeticError):  # a short or odd row
                errors.append(_("Row %(line)s: every column needs a value.") % {"line": line})
            if len(rows) + len(errors) > 20_000:
                return [], [_("A schedule has at most 20,000 flights.")]
    except csv.Error as error:
        return [], [_("Not a readable CSV file: %(reason)s.") % {"reason": error}]
    return rows, errors


def _row(line, raw, carriers, eroads) -> FlightRow:
    carrier = carriers.get((raw["carrier"] or "").strip().upper())
    if carrier is None:
        raise ValueError(_("unknown carrier %(carrier)s.") % {"carrier": repr(raw["carrier"])})
    number = (raw["flight_number"] or "").strip().upper().replace(" ", "")
    if not (3 <= len(number) <= 8 and number[:2] == carrier.iata_code and number[2:].isdigit()):
        raise ValueError(
            _("flight number %(number)s is the carrier's code and digits (MH318).")
            % {"number": repr(number)}
        )
    eroad = eroads.get(((raw["origin"] or "").upper(), (raw["destination"] or "").upper()))
    if eroad is None:
        raise ValueError(
            _("no e-road %(origin)s→%(destination)s.")
            % {"origin": raw["origin"], "destination": raw["destination"]}
        )
    try:
        departs = _local(raw["departs_local"], eroad.origin.zone)
        arrives = _local(raw["arrives_local"], eroad.destination.zone)
        capacity_kg = Decimal(raw["capacity_kg"])
        pieces = int(raw["capacity_pieces"])
    except (ValueError, InvalidOperation, TypeError):
        raise ValueError(_("times are YYYY-MM-DD HH:MM, capacities numbers.")) from None
    if arrives <= departs:
        raise ValueError(_("it arrives before it departs."))
    if not capacity_kg.is_finite() or not (0 < capacity_kg <= 150_000 and 0 < pieces <= 100_000):
        raise ValueError(_("capacity is up to 150,000 kg and 100,000 pieces."))
    return FlightRow(line, carrier, number, eroad, departs, arrives, capacity_kg, pieces)


def _local(text: str, zone) -> datetime:
    naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    aware = naive.replace(tzinfo=zone)
    # a time skipped by a daylight-saving change does not round-trip: refuse it
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(f"{text.strip()} does not exist in {zone.key} (clock change).")
    return aware


def flights_schedule_daily(
    *,
    eroad: ERoad,
    carrier: Carrier,
    number: str,
    departs_local: time,
    duration: timedelta,
    first_day: date,
    days: int,
    capacity_kg: Decimal,
    capacity_pieces: int,
    actor_label: str = "system",
) -> int:
    """A daily flight for ``days`` days (the demo's month of flights). Idempotent."""
    rows = []
    for offset in range(days):
        departs = (
            datetime.combine(first_day + timedelta(days=offset), departs_local)
            .replace(tzinfo=eroad.origin.zone)
            .astimezone(UTC)  # block time is added in UTC, right across clock changes
        )
        rows.append(
            FlightRow(
                0, carrier, number, eroad, departs, departs + duration, capacity_kg, capacity_pieces
            )
        )
    with transaction.atomic():
        created = _flights_add(rows)
        _audit_scheduled(created, actor=None, actor_label=actor_label, source="daily pattern")
    return len(created)


def _flights_add(rows: list[FlightRow]) -> list[int]:
    """Insert the flights of ``rows`` not known yet (carrier, number, departure; the first
    of a row repeated), in the caller's transaction: the known ones read in one query, the
    new ones written in one insert. Returns the new flights' ids. Should another schedule
    add some of them meanwhile, they are taken one at a time, as it left them."""
    if not rows:
        return []
    known = set(
        Flight.objects.filter(
            departs_at__range=(min(r.departs_at for r in rows), max(r.departs_at for r in rows)),
            number__in={row.number for row in rows},
        ).values_list("carrier_id", "number", "departs_at")
    )
    new = {}
    for row in rows:
        key = (row.carrier.pk, row.number, row.departs_at)
        if key not in known:
            new.setdefault(key, _flight(row))
    try:
        with transaction.atomic():
            return [flight.pk for flight in Flight.objects.bulk_create(new.values())]
    except IntegrityError:
        return [flight.pk for flight in new.values() if _flight_get_or_create(flight)]


def _flight(row: FlightRow) -> Flight:
    return Flight(
        carrier=row.carrier,
        number=row.number,
        departs_at=row.departs_at,
        eroad=row.eroad,
        arrives_at=row.arrives_at,
        capacity_kg=row.capacity_kg,
        capacity_pieces=row.capacity_pieces,
    )


def _flight_get_or_create(flight: Flight) -> bool:
    """Whether ``flight`` was new (its pk set) rather than found."""
    found, new = Flight.objects.get_or_create(
        carrier=flight.carrier,
        number=flight.number,
        departs_at=flight.departs_at,
        defaults={
            field: getattr(flight, field)
            for field in ("eroad", "arrives_at", "capacity_kg", "capacity_pieces")
        },
    )
    flight.pk = found.pk
    return new


def flight_cancel(*, flight: Flight, reason: str, actor_label: str, actor=None) -> int:
    """The flight will not fly: its parcels are offloaded (recorded with the reason) and
    loaded onto the next flights with room. Returns how many parcels moved. ``actor``: the
    operator who cancels it (None for a carrier's word, named by ``actor_label``)."""
    from .consolidation import consolidations_build  # the next step of the same story

    if not reason.strip():
        raise ApplicationError(
            _("Say why the flight is cancelled."),
            LogisticsErrorCode.FLIGHT_INVALID,
            extra={"field": "reason"},
        )
    cancelled = flight_transition(
        flight=flight,
        to=Flight.Status.CANCELLED,
        sources=[Flight.Status.SCHEDULED],
        actor=actor,
        actor_label=actor_label,
        reason=reason.strip(),
    )
    consolidations_build(eroad=cancelled.eroad, actor=actor, actor_label=actor_label)
    return cancelled.parcels_moved


def flights_advance(*, now: datetime | None = None, actor_label: str = "system") -> tuple[int, int]:
    """Depart what is due to depart and land what is due to land (by schedule). Each flight
    in its own transaction, audited with its parcels as ``actor_label`` (the beat's clock);
    returns (departed, arrived)."""
    now = now or timezone.now()
    due = Flight.objects.select_related("eroad__origin", "eroad__destination").filter(
        Q(status=Flight.Status.SCHEDULED, departs_at__lte=now)
        | Q(status=Flight.Status.DEPARTED, arrives_at__lte=now)
    )
    departed = arrived = 0
    for flight in due[:400]:  # by departure: each leaves before it can land
        if flight.status == Flight.Status.SCHEDULED:
            departed += _advance(flight, Flight.Status.DEPARTED, actor_label)
            if flight.arrives_at > now:
                continue
        arrived += _advance(flight, Flight.Status.ARRIVED, actor_label)
    return departed, arrived


def flight_depart(*, flight: Flight, actor_label: str) -> bool:
    """The flight is off now, ahead of the schedule the beat departs it by (the demo's
    fast-forward; a carrier's word that it left early): its parcels depart with it, as
    ``flights_advance`` departs them. False when it was no longer scheduled."""
    return bool(_advance(flight, Flight.Status.DEPARTED, actor_label, now=timezone.now()))


def flight_land(*, flight: Flight, actor_label: str) -> bool:
    """The flight is on the ground now, ahead of its schedule (as ``flight_depart``). False
    when it was not in the air."""
    return bool(_advance(flight, Flight.Status.ARRIVED, actor_label, now=timezone.now()))


def _advance(flight: Flight, to: str, actor_label: str, *, now: datetime | None = None) -> int:
    """Depart or land one flight by the clock; 0 when another run moved it first, or it was
    cancelled meanwhile."""
    before = Flight.Status.SCHEDULED if to == Flight.Status.DEPARTED else Flight.Status.DEPARTED
    try:
        flight_transition(flight=flight, to=to, sources=[before], actor_label=actor_label, now=now)
    except ConflictError as refused:
        if refused.code != LogisticsErrorCode.FLIGHT_STATE:
            raise
        return 0
    return 1

"""The demo's two hubs and what joins them: the KUL–HGH e-road both ways with the hubs' own
tariffs of carriage and cargo insurance, their fee schedules, their eFulfilment centres and
the daily flights."""

from datetime import date, time, timedelta
from decimal import Decimal

from hubs.models import Hub
from hubs.services.carriage import cargo_insurance_rate_publish, shipping_rate_publish
from hubs.services.network import eroad_open, hub_open
from logistics.models import Carrier, Facility
from logistics.services.flights import carriers_load, flights_schedule_daily
from payments.models import FeeSchedule

# (name, address, ISO weekdays open, opens, closes in the hub's time)
FACILITIES = {
    "KUL": (
        "KLIA Aeropolis eFulfilment Centre",
        "KLIA Aeropolis, 64000 Sepang, Selangor",
        "123456",
        time(8, 0),
        time(22, 0),
    ),
    "HGH": (
        "Hangzhou Xiaoshan eFulfilment Centre",
        "Xiaoshan International Airport, Hangzhou",
        "1234567",
        time(8, 0),
        time(20, 0),
    ),
}
# (e-road, carrier, flight number, local departure, block time) — one of each every day
FLIGHTS = [
    (("KUL", "HGH"), "MH", "MH360", time(9, 0), timedelta(hours=5, minutes=10)),
    (("KUL", "HGH"), "CZ", "CZ350", time(23, 30), timedelta(hours=4, minutes=50)),
    (("HGH", "KUL"), "MH", "MH361", time(15, 30), timedelta(hours=5, minutes=20)),
]

# The demo hubs' own tariffs of carriage and cargo insurance: indicative figures made up for
# the demo, in the hub's currency, not any carrier's or insurer's official rates.
DEMO_SHIPPING_RATES = {  # e-road: (rate per kg, minimum charge)
    ("KUL", "HGH"): (Decimal("12.00"), Decimal("20.00")),  # MYR
    ("HGH", "KUL"): (Decimal("20.00"), Decimal("35.00")),  # CNY
}
DEMO_INSURANCE_PERCENT = {"KUL": Decimal("0.500"), "HGH": Decimal("0.400")}
INDICATIVE = "indicative demo figures, not an official tariff"


def _shipping_rate(eroad) -> None:
    per_kg, minimum = DEMO_SHIPPING_RATES[(eroad.origin.code, eroad.destination.code)]
    shipping_rate_publish(
        eroad=eroad,
        currency=eroad.origin.currency,
        per_kg=per_kg,
        minimum=minimum,
        effective_from=date(2024, 1, 1),
        source=f"{eroad.origin.code} eHub published tariff of carriage ({INDICATIVE})",
        legal_source="Contract of carriage under the hub's terms of trade; international "
        "carriage by air: Montreal Convention 1999",
    )


def _cargo_insurance(hub) -> None:
    cargo_insurance_rate_publish(
        hub=hub,
        percent=DEMO_INSURANCE_PERCENT[hub.code],
        effective_from=date(2024, 1, 1),
        source=f"{hub.code} eHub cargo insurance premium ({INDICATIVE})",
        legal_source="The hub's open cover cargo policy on the consignments it carries "
        "(Institute Cargo Clauses (Air))",
    )


def hubs_open() -> dict[str, Hub]:
    """Kuala Lumpur and Hangzhou, the e-road between them both ways with its tariff of
    carriage, and each hub's cargo insurance; the hubs by IATA code."""
    hubs = {
        code: Hub.objects.filter(code=code).first() or hub_open(iata_code=code)
        for code in ("KUL", "HGH")
    }
    for origin, destination in (("KUL", "HGH"), ("HGH", "KUL")):
        eroad = eroad_open(origin=hubs[origin], destination=hubs[destination], transit_days=3)
        _shipping_rate(eroad)
    for hub in hubs.values():
        _cargo_insurance(hub)
    return hubs


def fee_schedules_set(hubs: dict[str, Hub]) -> None:
    for code, percent, fixed_minor in (("KUL", "2.50", 100), ("HGH", "2.00", 500)):
        FeeSchedule.objects.get_or_create(
            hub=hubs[code],
            effective_from=date(2024, 1, 1),
            defaults={
                "percent": Decimal(percent),
                "fixed_minor": fixed_minor,
                "currency": hubs[code].currency,
            },
        )


def logistics_network_build(hubs, first_day: date, days: int) -> None:
    carriers_load()
    carriers = {c.iata_code: c for c in Carrier.objects.all()}
    for code, (name, address, weekdays, opens, closes) in FACILITIES.items():
        Facility.objects.get_or_create(
            hub=hubs[code],
            defaults={
                "name": name,
                "address": address,
                "open_weekdays": weekdays,
                "opens_at": opens,
                "closes_at": closes,
            },
        )
    for (origin, destination), carrier, number, departs, duration in FLIGHTS:
        flights_schedule_daily(
            eroad=hubs[origin].eroads_out.get(destination=hubs[destination]),
            carrier=carriers[carrier],
            number=number,
            departs_local=departs,
            duration=duration,
            first_day=first_day,
            days=days,
            capacity_kg=Decimal("2500"),
            capacity_pieces=800,
        )

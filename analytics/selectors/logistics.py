"""Logistics: flights, parcels and kilograms per e-road and week, load factor, the share of
flights that flew as scheduled, and transit times per e-road."""

from django.utils.translation import gettext as _

from logistics.selectors import flights_flown

from ..filters import Filters
from ..names import country_name
from ..tables import Column, Dashboard, Table
from .clearance import TIMES, _histogram_rows, _summaries

LATEST_FLIGHTS = 50


def logistics_dashboard(filters: Filters) -> Dashboard:
    flights = flights_flown(
        first_day=filters.date_from,
        last_day=filters.date_to,
        origin_hub=filters.hub,
        destination_country=filters.destination,
        latest=LATEST_FLIGHTS,
    )
    per_eroad = flights.per_eroad
    transit = _summaries(
        _histogram_rows(
            filters,
            "lane",
            "stage",
            "origin_hub",
            "destination_country",
            stages=("flight", "door_to_door"),
        ),
        ("stage", "origin_hub", "destination_country"),
    )
    return Dashboard(
        "logistics",
        _("Logistics"),
        [
            Table(
                "eroads",
                _("Flights by e-road"),
                [
                    Column("eroad", _("E-road")),
                    Column("flown", _("Flights flown"), "int"),
                    Column("on_time", _("Flew as scheduled"), "percent"),
                    Column("parcels", _("Parcels"), "int"),
                    Column("kg", _("Kg"), "int"),
                    Column("load", _("Load factor (weight)"), "percent"),
                ],
                [
                    (
                        f"{r['eroad__origin__code']} → {r['eroad__destination__code']}",
                        r["flown"],
                        r["flown"] * 100 / r["scheduled"] if r["scheduled"] else None,
                        r["parcels"] or 0,
                        int(r["kg"] or 0),
                        (r["kg"] or 0) * 100 / r["capacity"] if r["capacity"] else None,
                    )
                    for r in per_eroad
                ],
                "bar",
                "eroad",
                "flown",
            ),
            Table(
                "weeks",
                _("Parcels carried by week"),
                [
                    Column("week", _("Week (from Monday)")),
                    Column("flights", _("Flights"), "int"),
                    Column("parcels", _("Parcels"), "int"),
                    Column("kg", _("Kg"), "int"),
                ],
                [
                    (r["week"].date().isoformat(), r["n"], r["parcels"] or 0, int(r["kg"] or 0))
                    for r in flights.weeks
                ],
                "line",
                "week",
                "parcels",
            ),
            Table(
                "transit",
                _("Transit times per e-road"),
                [Column("stage", _("Stage")), Column("eroad", _("E-road (hub → country)")), *TIMES],
                [
                    (
                        _("Flight") if stage == "flight" else _("Paid → delivered"),
                        f"{origin} → {country_name(destination)}",
                        *times,
                    )
                    for (stage, origin, destination), times in sorted(transit.items())
                ],
                "none",
            ),
            Table(
                "flights",
                _("Latest flights"),
                [
                    Column("flight", _("Flight")),
                    Column("departed", _("Departed (UTC)")),
                    Column("eroad", _("E-road")),
                    Column("parcels", _("Parcels"), "int"),
                    Column("kg", _("Kg"), "int"),
                    Column("load", _("Load factor"), "percent"),
                ],
                [
                    (
                        f.number,
                        f.departs_at.strftime("%Y-%m-%d %H:%M"),
                        f"{f.eroad.origin.code} → {f.eroad.destination.code}",
                        f.loaded_pieces,
                        int(f.loaded_kg),
                        f.loaded_kg * 100 / f.capacity_kg if f.capacity_kg else None,
                    )
                    for f in flights.latest
                ],
                "none",
                note=_("The latest %(n)s flights of the period.") % {"n": LATEST_FLIGHTS},
            ),
        ],
        headline=[
            (_("Flights flown"), f"{sum(r['flown'] for r in per_eroad):,}"),
            (_("Parcels carried"), f"{sum(r['parcels'] or 0 for r in per_eroad):,}"),
        ],
    )

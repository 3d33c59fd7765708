"""Airport and country reference data (OpenFlights, see hubs/data/SOURCE.md).

A hub is created from its airport's IATA code: the airport file gives its name, city,
country and IANA time zone; CLDR (babel) gives the country's currency.
"""

import csv
import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel.numbers import get_territory_currencies
from django_countries import countries

DATA_DIR = Path(__file__).resolve().parent / "data"
NULL = "\\N"

# OpenFlights names that neither countries.dat nor django-countries resolve.
_COUNTRY_ALIASES = {
    "Burma": "MM",
    "Macau": "MO",
    "East Timor": "TL",
    "Swaziland": "SZ",
    "Congo (Kinshasa)": "CD",
    "Congo (Brazzaville)": "CG",
    "Cape Verde": "CV",
}


@dataclass(frozen=True)
class Airport:
    iata: str
    icao: str
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    timezone: str  # IANA name


@functools.cache
def _country_codes() -> dict[str, str]:
    with open(DATA_DIR / "countries.dat", encoding="utf-8", newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle) if row[1] and row[1] != NULL}


def country_code_for(name: str) -> str | None:
    code = _country_codes().get(name) or _COUNTRY_ALIASES.get(name) or countries.by_name(name)
    return code or None


@functools.cache
def _airports() -> dict[str, Airport]:
    found = {}
    with open(DATA_DIR / "airports.dat", encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            iata, tz = row[4], row[11]
            if iata == NULL or tz == NULL:
                continue
            country = country_code_for(row[3])
            if country is None:
                continue
            found[iata] = Airport(
                iata=iata, icao=row[5], name=row[1], city=row[2], country=country, timezone=tz
            )
    return found


def airport_by_iata(code: str) -> Airport | None:
    return _airports().get((code or "").strip().upper())


def currency_of(country: str, on: date | None = None) -> str | None:
    """The legal tender of a country today (CLDR), e.g. MY → MYR, CN → CNY."""
    found = get_territory_currencies(country, start_date=on or date.today(), tender=True)
    return found[0] if found else None

"""How the codes the rollups keep read to a person, in the reader's language: a country's
name, an HS chapter's, a sector's, a seller size's, a customs lane's and decision's. The
rows keep the codes (the data API serves them as they are); a column of a table names its
codes with one of these when it is shown, downloaded or drawn."""

import functools
import gettext
from pathlib import Path

import django_countries
from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from customs.models import Declaration, Lane
from hubs.hs import hs_title
from hubs.models import Organization

COUNTRY_CODES = frozenset(code for code, _name in countries)
SECTORS = dict(Organization.Sector.choices)
SIZES = dict(Organization.Size.choices)
LANES = dict(Lane.choices)
DECISIONS = dict(Declaration.Status.choices)
SIDES = {"export": _("Export"), "import": _("Import")}
FILINGS = {"pre": _("Before arrival"), "post": _("After arrival")}


def country_name(code: str) -> str:
    """The country's name in the active language: django-countries' own, and where it has
    none for the language (it has no Malay catalogue) the name CLDR gives, through Babel."""
    if not code:
        return ""
    locale = to_locale(get_language() or "en")
    if not _countries_translate(locale):
        name = _cldr_territories(locale).get(code)
        if name:
            return name
    return str(countries.name(code)) or code


def country_choices(codes) -> list[tuple[str, str]]:
    """(code, name) for each of ``codes``, by name in the active language."""
    return sorted(((code, country_name(code)) for code in set(codes)), key=lambda c: c[1])


@functools.cache
def _countries_translate(locale: str) -> bool:
    """Whether django-countries has names in ``locale`` (English is its own language)."""
    folder = Path(django_countries.__file__).parent / "locale"
    return locale.startswith("en") or gettext.find("django", folder, [locale]) is not None


@functools.cache
def _cldr_territories(locale: str) -> dict:
    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def chapter_name(code: str) -> str:
    """An HS chapter with its short title: "62 Apparel and clothing accessories; …"."""
    return f"{code} {hs_title(code)}".strip()


def _named(labels: dict):
    def name(code) -> str:
        return str(labels.get(code, code))

    return name


sector_name = _named(SECTORS)
size_name = _named(SIZES)
lane_name = _named(LANES)
decision_name = _named(DECISIONS)
side_name = _named(SIDES)
filing_name = _named(FILINGS)

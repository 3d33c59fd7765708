"""The demo's indicative schedules: built from the HS 2022 nomenclature, they give every
subheading an MY and a CN import rate, each labelled INDICATIVE with its basis and the
instruments it is modelled on; the demo catalogue's own lines still win."""

import csv
from datetime import date

import pytest
from django.core.management import call_command

from customs.management.commands.tariff_demo_build import (
    HS_FILE,
    indicative_schedule,
    schedule_path,
)
from customs.selectors import tariff_coverage
from customs.services.tariff import tariff_load_bundled
from customs.services.tariff_in_force import tariff_line

INSTRUMENTS = {
    "MY": ("Customs Duties Order 2022", "Sales Tax ("),
    "CN": ("Customs Tariff of the PRC 2024", "import VAT"),
}


def subheadings() -> list[str]:
    with open(HS_FILE, encoding="utf-8-sig", newline="") as handle:
        return [
            row["hscode"]
            for row in csv.DictReader(handle)
            if row["level"] == "6" and row["section"] != "TOTAL"
        ]


@pytest.mark.parametrize("country", ["MY", "CN"])
def test_every_hs_2022_subheading_has_an_indicative_rate(country):
    with open(schedule_path(country), encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    codes = {line["hs_code"] for line in lines}
    every = subheadings()
    assert len(every) == 5612
    uncovered = [s for s in every if not {s[:2], s[:4], s} & codes]
    assert uncovered == []
    for line in lines:
        assert line["country"] == country
        assert line["legal_source"].startswith("INDICATIVE (")  # and its basis
        assert all(name in line["legal_source"] for name in INSTRUMENTS[country])
        assert len(line["legal_source"]) <= 200


def test_the_committed_schedules_are_what_the_build_makes():
    for country in ("MY", "CN"):
        assert schedule_path(country).read_text(encoding="utf-8") == indicative_schedule(country)
    call_command("tariff_demo_build", check=True)


@pytest.mark.django_db
def test_loaded_nothing_in_the_demo_strands_and_the_catalogue_lines_win():
    tariff_load_bundled()
    coverage = tariff_coverage(on=date(2026, 1, 5))
    assert coverage.countries == ("MY", "CN") and coverage.covered == (5612, 5612)
    assert tariff_line("MY", "621410", date(2026, 1, 5)).schedule.edition == "Demo catalogue lines"
    assert tariff_line("CN", "010121", date(2026, 1, 5)).hs_code == "01"
    assert tariff_line("CN", "870323", date(2026, 1, 5)).hs_code == "8703"

"""A declaration keeps the tariff version it was assessed with: a schedule loaded later (even
a correction that replaces the version whole) changes neither its figures nor the lines its
items were assessed under; the next declaration is assessed under the new version."""

from datetime import date
from decimal import Decimal

import pytest

from customs.services.filing import DeclarationRequest, ItemRequest, declaration_create
from customs.services.tariff_schedules import tariff_schedule_load

from .support import submit_and_process
from .tariff_files import national_line, schedule_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal
EDITION = "Customs Tariff of the PRC 2024"


def schedule(duty: str):
    line = national_line(
        "CN", "62141000", duty_percent=duty, sales_tax_percent="13", legal_source=EDITION
    )
    return tariff_schedule_load(
        file=schedule_file([line]), edition=EDITION, legal_source=EDITION, actor_label="test"
    ).schedule


def declared(hgh, hs_code="62141000"):
    request = DeclarationRequest(
        regime="CN_IMPORT",
        hub=hgh,
        exporter="Batik Nusantara Sdn. Bhd.",
        importer="Hangzhou Silk Trading Co.",
        declarant="eWTP Hub HGH",
        currency="CNY",
        exchange_rate=D("1"),
        exchange_rate_source="identity",
        declared_on=date(2026, 3, 2),
        items=[ItemRequest(hs_code, "Batik silk scarves", "MY", 10, D("3.000"), D("2000"))],
    )
    return submit_and_process(declaration_create(request=request, actor_label="t"))


def test_a_declaration_assessed_under_version_a_keeps_its_figures_after_version_b(hgh):
    version_a = schedule("6")
    declaration = declared(hgh)
    assert declaration.status not in ("submitted", "classify", "rejected")
    figures = list(declaration.assessment_lines.values_list("tax", "base", "rate", "amount"))
    assert figures[0] == ("duty", D("2000.00"), "6%", D("120.00"))
    total = declaration.total_tax
    (item,) = declaration.items.all()
    assert item.tariff_line.schedule == version_a

    version_b = schedule("10")  # a correction from the same date: replaces A whole
    version_a.refresh_from_db()
    assert version_a.superseded_by == version_b

    declaration.refresh_from_db()
    assert declaration.total_tax == total
    assert list(declaration.assessment_lines.values_list("tax", "base", "rate", "amount")) == (
        figures
    )
    (item,) = declaration.items.select_related("tariff_line__schedule")
    assert item.tariff_line.schedule == version_a and item.tariff_line.duty_percent == 6

    later = declared(hgh)
    assert later.assessment_lines.get(tax="duty").amount == D("200.00")
    assert later.items.get().tariff_line.schedule == version_b


def test_items_assessed_under_the_indicative_chapter_rate_say_so(hgh):
    declaration = declared(hgh, hs_code="620342")  # no line but the bundled chapter rate
    line = declaration.items.get().tariff_line
    assert line.hs_code == "62" and line.schedule.indicative
    assert declaration.assessment_lines.get(tax="duty").legal_source.startswith("INDICATIVE")

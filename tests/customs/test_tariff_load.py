"""Tariff data from CSV: the bundled demo tariff covers the demo catalogue; a bad file is
refused whole with each row's reason."""

from datetime import date

import pytest
from django.core.management import call_command

from customs.models import TariffLine
from customs.services.duty import Consignment, Item, assess, tariff_line
from customs.services.tariff import tariff_load, tariff_load_bundled
from ewtp.common.errors import ApplicationError
from ewtp.pipeline.demo.world import ORGANIZATIONS

pytestmark = pytest.mark.django_db
HEADER = (
    "country,hs_code,description,effective_from,duty_percent,duty_specific,duty_specific_unit,"
    "sales_tax_percent,excise_percent,prohibited,permit_required,legal_source\n"
)


def demo_hs_codes() -> set[str]:
    return {product[4] for organization in ORGANIZATIONS for product in organization[-1]}


def test_the_demo_tariff_covers_every_demo_product_in_both_countries():
    assert tariff_load_bundled() > 0
    assert tariff_load_bundled() > 0  # loading again updates, adds nothing
    codes = demo_hs_codes()
    assert len(codes) >= 9
    for country in ("MY", "CN"):
        for code in codes:
            assert tariff_line(country, code, date.today()).legal_source


def test_a_bundled_cbec_assessment(db):
    tariff_load_bundled()
    assessment = assess(
        Consignment(
            regime="CN_CBEC_IMPORT",
            on=date(2026, 1, 5),
            currency="CNY",
            exchange_rate=1,
            items=[Item("621410", "silk scarf", "MY", 2, 0.2, 300)],
        )
    )
    assert assessment.treatment == "cbec"
    assert assessment.total > 0


def test_a_bad_file_is_refused_whole_with_each_rows_reason():
    text = HEADER + (
        "MY,090210,Tea,2024-01-01,5,0,kg,0,0,no,,Order\n"
        "MY,0902,Tea,2024-01-01,5,0,kg,0,0,no,,Order\n"
        "MY,090210,Tea,2024-13-01,5,0,kg,0,0,no,,Order\n"
        "MY,090211,Tea,2024-01-01,five,0,kg,0,0,no,,Order\n"
        "MY,090212,Tea,2024-01-01,5,0,kg,0,0,no,,\n"
    )
    with pytest.raises(ApplicationError) as refused:
        tariff_load(text=text)
    for row in (3, 4, 5, 6):
        assert f"Row {row}" in refused.value.message
    assert not TariffLine.objects.exists()


def test_the_command_loads_files(tmp_path):
    path = tmp_path / "tariff.csv"
    path.write_text(HEADER + "CN,090210,Tea,2024-01-01,15,0,kg,9,0,no,,PRC tariff\n")
    call_command("tariff_load", tariff=path)
    assert TariffLine.objects.get().duty_percent == 15

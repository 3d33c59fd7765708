"""The bundled tariff (customs/data): regime parameters, the demo catalogue's lines and the
indicative chapter rates, loaded once however often it is asked for; a bad parameters file
is refused whole with each row's reason."""

from datetime import date

import pytest
from django.core.management import call_command

from customs.models import RegimeParameter, TariffLine, TariffSchedule
from customs.services.duty import Consignment, Item
from customs.services.duty_assessment import assess
from customs.services.tariff import regime_parameters_load, tariff_load_bundled
from customs.services.tariff_in_force import tariff_line
from demo.world_people import ORGANIZATIONS
from ewtp.common.errors import ApplicationError

pytestmark = pytest.mark.django_db


def demo_hs_codes() -> set[str]:
    return {product[4] for organization in ORGANIZATIONS for product in organization[-1]}


def test_the_demo_tariff_covers_every_demo_product_in_both_countries():
    assert tariff_load_bundled() > 0
    lines, schedules = TariffLine.objects.count(), TariffSchedule.objects.count()
    assert schedules == 4 and all(s.indicative for s in TariffSchedule.objects.all())
    assert tariff_load_bundled() == RegimeParameter.objects.count()  # the lines: none again
    assert (TariffLine.objects.count(), TariffSchedule.objects.count()) == (lines, schedules)
    codes = demo_hs_codes()
    assert len(codes) >= 9
    for country in ("MY", "CN"):
        for code in codes:
            line = tariff_line(country, code, date.today())
            assert line.hs_code == code  # the hand-entered line, not the chapter rate
            assert line.legal_source.startswith("INDICATIVE")


def test_a_bundled_cbec_assessment():
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


def test_a_sales_tax_change_in_the_demo_lines_takes_effect_on_its_date():
    tariff_load_bundled()
    assert tariff_line("MY", "180690", date(2025, 6, 30)).sales_tax_percent == 0
    assert tariff_line("MY", "180690", date(2025, 7, 1)).sales_tax_percent == 5


def test_a_bad_parameters_file_is_refused_whole_with_each_rows_reason():
    text = (
        "country,name,value,effective_from,legal_source\n"
        "MY,de_minimis_cif,500,2017-04-01,Order\n"
        "MY,lvg_threshold,five,2024-01-01,Order\n"
        "MY,lvg_rate_percent,10,2024-13-01,Order\n"
        "MY,lvg_rate_percent,10,2024-01-01,\n"
    )
    with pytest.raises(ApplicationError) as refused:
        regime_parameters_load(text=text)
    for row in (3, 4, 5):
        assert f"Row {row}" in refused.value.message
    assert not RegimeParameter.objects.exists()


def test_the_command_loads_the_bundled_tariff_and_parameters(tmp_path, capsys):
    call_command("tariff_load", bundled=True)
    assert "rows loaded from customs/data" in capsys.readouterr().out
    path = tmp_path / "parameters.csv"
    path.write_text(
        "country,name,value,effective_from,legal_source\nMY,de_minimis_cif,600,2030-01-01,X\n"
    )
    call_command("tariff_load", parameters=path)
    assert RegimeParameter.objects.get(effective_from="2030-01-01").value == "600"

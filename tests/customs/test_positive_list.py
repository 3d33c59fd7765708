"""China's cross-border retail positive list as dated data: loaded edition by edition (a bad
file refused whole with each row's reason), looked up by the longest code over the goods,
and required before the retail regime is granted or refused."""

from datetime import date

import pytest
from django.core.management import call_command

from customs.models import PositiveListEntry
from customs.services.duty import Consignment, Item
from customs.services.duty_assessment import assess
from customs.services.positive_list import (
    BUNDLED_EDITION,
    positive_list_check,
    positive_list_load,
)
from customs.services.tariff import tariff_load_bundled
from ewtp.common.errors import ApplicationError

pytestmark = pytest.mark.django_db
SOURCE = "MOF et al. Announcement 2019 No. 96"
HEADER = "hs_code,description,effective_from,effective_to,legal_source\n"


def load(rows: str, edition="2019 list") -> int:
    return positive_list_load(text=HEADER + rows, edition=edition)


def test_an_entry_covers_every_code_under_it_from_its_date_to_its_last_day():
    load(
        f"3304,Beauty preparations,2020-01-01,,{SOURCE}\n"
        f"09012100,Roasted coffee,2020-01-01,2021-12-31,{SOURCE}\n"
    )
    assert positive_list_check("330499", date(2024, 1, 1)).listed
    assert positive_list_check("3304.99.00", date(2024, 1, 1)).listed
    with pytest.raises(ApplicationError):  # before the list: nothing to decide with
        positive_list_check("330499", date(2019, 12, 31))
    assert positive_list_check("0901210000", date(2021, 12, 31)).listed
    off = positive_list_check("0901210000", date(2022, 1, 1))
    assert not off.listed and off.legal_source == SOURCE
    # goods declared at 6 digits are not covered by one 8-digit line under them
    assert not positive_list_check("090121", date(2021, 1, 1)).listed


def test_loading_an_edition_again_replaces_it_and_a_bad_file_loads_nothing():
    load(f"3304,Beauty preparations,2020-01-01,,{SOURCE}\n0901,Coffee,2020-01-01,,{SOURCE}\n")
    assert load(f"3304,Beauty preparations,2020-01-01,,{SOURCE}\n") == 1
    assert list(PositiveListEntry.objects.values_list("hs_code", flat=True)) == ["3304"]
    with pytest.raises(ApplicationError) as refused:
        load(
            f"33X4,Beauty,2020-01-01,,{SOURCE}\n"
            f"0901,,2020-01-01,,{SOURCE}\n"
            f"0902,Tea,2021-01-01,2020-01-01,{SOURCE}\n"
            "0903,Mate,2020-01-01,,\n"
        )
    message = refused.value.message
    assert message.startswith("Nothing was loaded.")
    for row in (2, 3, 4, 5):
        assert f"Row {row}:" in message
    assert list(PositiveListEntry.objects.values_list("hs_code", flat=True)) == ["3304"]


def test_the_retail_regime_is_not_decided_without_a_list_in_force():
    goods = Consignment(
        regime="CN_CBEC_IMPORT",
        on=date(2025, 3, 1),
        currency="CNY",
        exchange_rate=1,
        items=[Item("330499", "cream", "MY", 1, 1, 100)],
    )
    tariff_load_bundled()
    PositiveListEntry.objects.all().delete()
    with pytest.raises(ApplicationError) as refused:
        assess(goods)
    assert refused.value.code == "regime_parameter_missing"


def test_the_bundled_excerpt_is_labelled_indicative_and_grants_retail_to_listed_goods():
    tariff_load_bundled()
    entries = PositiveListEntry.objects.filter(edition=BUNDLED_EDITION)
    assert entries.count() >= 15
    assert all(e.indicative and e.legal_source.startswith("INDICATIVE") for e in entries)
    on = date(2025, 3, 1)
    cream = Item("330499", "face cream", "MY", 1, 1, 100)
    cigarettes = Item("240220", "cigarettes", "MY", 200, 1, 100)
    retail = assess(Consignment("CN_CBEC_IMPORT", on, "CNY", 1, [cream]))
    assert retail.treatment == "cbec"
    refused = assess(Consignment("CN_CBEC_IMPORT", on, "CNY", 1, [cigarettes]))
    assert refused.treatment == "general"
    assert "item 1 (HS 240220)" in refused.notes[-1]
    assert "positive list" in refused.notes[-1]


def test_the_command_loads_an_edition(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + f"3304,Beauty preparations,2020-01-01,,{SOURCE}\n")
    call_command("tariff_load", positive_list=path, edition="2019 list")
    assert "1 entries loaded" in capsys.readouterr().out
    assert PositiveListEntry.objects.get().edition == "2019 list"

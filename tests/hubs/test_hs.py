import pytest
from django.core.exceptions import ValidationError

from hubs.hs import hs_code_clean, hs_path, hs_search, hs_suggestions_for
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("090111", "090111"),
        ("0901.11", "090111"),
        ("0901.11.00", "09011100"),
        ("8517130010", "8517130010"),
        ("851713001", "851713001"),
    ],
)
def test_hs_codes_accepted(raw, clean):
    assert hs_code_clean(raw) == clean


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0901", "hs_format"),
        ("0901111", "hs_format"),
        ("090111٣", "hs_format"),
        ("999999", "hs_unknown"),
        ("090199", "hs_unknown"),
        ("85171300AB", "hs_format"),
    ],
)
def test_hs_codes_refused(raw, code):
    with pytest.raises(ValidationError) as error:
        hs_code_clean(raw)
    assert error.value.code == code


def test_search_by_words_shows_the_path():
    results = hs_search("coffee roasted")
    codes = [r.code for r in results]
    assert "090121" in codes  # coffee; roasted, not decaffeinated
    match = next(r for r in results if r.code == "090121")
    assert match.chapter.startswith("09 ")
    assert match.heading.startswith("0901 ")
    assert match.section.startswith("II ")


def test_search_by_code_prefix():
    assert [r.code for r in hs_search("8517.13")] == ["851713"]
    assert hs_search("") == []


def test_path_of_a_national_line():
    assert hs_path("8517130010").heading.startswith("8517")


def test_suggestions_come_from_the_sellers_earlier_listings():
    seller = factories.SellerFactory()
    factories.ProductFactory(seller=seller, hs_code="621410")
    factories.ProductFactory(seller=seller, hs_code="621410")
    factories.ProductFactory(seller=seller, hs_code="090111")
    factories.ProductFactory(hs_code="851713")  # another seller's
    assert [s.code for s in hs_suggestions_for(seller)] == ["621410", "090111"]


@pytest.mark.parametrize(
    ("query", "heading"),
    [
        ("tea", "0902"),  # not frozen rock lobster, whose description says "steaming"
        ("silk scarf", "6214"),  # the picker's own example; the nomenclature says "scarves"
        ("cotton t-shirts", "6109"),
        ("leather handbags", "4202"),
    ],
)
def test_words_match_whole_words_plurals_folded_and_own_words_first(query, heading):
    assert hs_search(query, limit=5)[0].code.startswith(heading)


def test_search_reads_the_nomenclature_once_per_process(django_assert_max_num_queries):
    hs_search("tea")
    with django_assert_max_num_queries(1):
        hs_search("silk scarf")


def test_every_code_of_the_everyday_names_is_in_the_nomenclature():
    import csv
    from pathlib import Path

    from hubs.models import HsCode

    path = Path(__file__).resolve().parents[2] / "hubs" / "data" / "hs" / "everyday-names.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        codes = {code for row in csv.DictReader(handle) for code in row["hs"].split()}
    known = set(HsCode.objects.filter(code__in=codes).values_list("code", flat=True))
    assert codes - known == set()


@pytest.mark.parametrize(
    ("query", "heading"),
    [("丝巾", "6214"), ("kopi putih", "2101"), ("sarang burung", "0410"), ("口红", "3304")],
)
def test_malay_and_chinese_names_find_their_heading(query, heading):
    assert hs_search(query, limit=5)[0].code.startswith(heading)

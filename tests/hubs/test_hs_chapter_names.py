"""Sections and chapters of the HS nomenclature are named in the reader's language (English,
Malay, Chinese) wherever the portal shows them; headings and subheadings keep the
nomenclature's English."""

import csv
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from moneyed import Money

from hubs.hs import hs_search, hs_title
from hubs.models import HsCode
from tests import factories

pytestmark = pytest.mark.django_db

HS_DATA = Path(__file__).resolve().parents[2] / "hubs" / "data" / "hs"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
HAN = re.compile(r"[\u4e00-\u9fff]")


def names_file() -> dict[str, dict[str, str]]:
    with open(HS_DATA / "chapter-names.csv", encoding="utf-8", newline="") as handle:
        return {row.pop("code"): row for row in csv.DictReader(handle)}


def sections_file() -> dict[str, str]:
    with open(HS_DATA / "sections.csv", encoding="utf-8-sig", newline="") as handle:
        return {row["section"]: row["name"].strip() for row in csv.DictReader(handle)}


def nomenclature_chapters() -> dict[str, str]:
    return dict(HsCode.objects.filter(level=2).values_list("code", "description"))


def test_every_section_and_chapter_has_a_name_in_each_language_and_no_other_code():
    names, chapters = names_file(), nomenclature_chapters()
    assert len(chapters) == 96 and "77" not in chapters  # 01 to 97, 77 reserved
    assert set(names) == set(chapters) | set(sections_file())
    for code, row in names.items():
        assert sorted(row) == sorted(LANGUAGES), code
        for language in LANGUAGES:
            assert row[language].strip() == row[language] != "", (code, language)
        assert row["ms"] != row["en"], code
        assert row["zh-hans"] != row["en"] and HAN.search(row["zh-hans"]), code
        assert not re.search("[A-Za-z]", row["zh-hans"]), code  # no English left in Chinese


def test_the_english_names_are_the_nomenclatures():
    names = names_file()
    for code, description in nomenclature_chapters().items():
        assert names[code]["en"] == description
    for section, name in sections_file().items():
        assert names[section]["en"].lower() == name.lower()


@pytest.mark.parametrize(
    ("language", "chapter", "section"),
    [
        ("en", "Apparel and clothing accessories; not knitted or crocheted", "Textiles and"),
        ("ms", "Pakaian dan aksesori pakaian, tidak dikait atau dikait kait", "Tekstil dan"),
        ("zh-hans", "非针织或非钩编的服装及衣着附件", "纺织原料及纺织制品"),
    ],
)
def test_names_follow_the_active_language(language, chapter, section):
    with translation.override(language):
        assert hs_title("62") == chapter
        assert hs_title("XI").startswith(section)


def test_a_language_without_names_reads_english_and_a_code_that_is_none_reads_nothing():
    with translation.override("fr"):
        assert hs_title("09") == "Coffee, tea, mate and spices"
    with translation.override("zh-hans"):
        assert hs_title("77") == hs_title("99") == hs_title("0901") == ""


def test_names_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0), translation.override("ms"):
        assert all(hs_title(f"{n:02d}") for n in range(1, 98) if n != 77)


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(
    ("language", "section", "chapter"),
    [
        ("zh-hans", "XI 纺织原料及纺织制品", "62 非针织或非钩编的服装及衣着附件"),
        ("ms", "XI Tekstil dan barangan tekstil", "62 Pakaian dan aksesori pakaian, tidak dikait"),
        ("en", "XI Textiles and textile articles", "62 Apparel and clothing accessories; not"),
    ],
)
def test_the_finder_names_section_and_chapter_in_the_readers_language(
    client, seller_owner, language, section, chapter
):
    client.force_login(seller_owner)
    page = in_language(client, language).get("/products/hs-search/", {"q": "silk shawls"})
    text = page.content.decode()
    assert 'data-hs-pick="621410"' in text
    assert section in text
    assert chapter in text
    assert "6214 Shawls" in text  # the heading: the nomenclature's English, always


def test_search_results_follow_the_language_they_are_made_in():
    with translation.override("zh-hans"):
        match = next(m for m in hs_search("coffee roasted") if m.code == "090121")
    assert match.chapter == "09 咖啡、茶、马黛茶及调味香料"
    assert match.section == "II 植物产品"
    assert match.description.startswith("Coffee")  # the legal text stays English


def test_the_product_form_names_the_listings_chapter(client, kul):
    seller = factories.SellerFactory(home_hub=kul)
    product = factories.ProductFactory(seller=seller)  # 621410, chapter 62
    client.force_login(factories.member(seller))
    page = in_language(client, "ms").get(f"/products/{product.public_id}/").content.decode()
    assert "62 Pakaian dan aksesori pakaian, tidak dikait atau dikait kait" in page


@pytest.fixture
def catalogue_buyer(hgh):
    """A buyer whose catalogue holds a silk scarf (chapter 62) and coffee (chapter 09)."""
    factories.open_eroads()
    seller = factories.SellerFactory()
    factories.ProductFactory(seller=seller, title_en="Silk scarf")
    factories.ProductFactory(
        seller=seller, title_en="Coffee beans", hs_code="090121", unit_price=Money("30", "MYR")
    )
    return factories.member(factories.BuyerFactory(home_hub=hgh))


@pytest.mark.parametrize(
    ("language", "coffee", "scarves"),
    [
        ("zh-hans", "09 咖啡、茶、马黛茶及调味香料", "62 非针织或非钩编的服装及衣着附件"),
        ("ms", "09 Kopi, teh, mate dan rempah-ratus", "62 Pakaian dan aksesori pakaian, tidak"),
        ("en", "09 Coffee, tea, mate and spices", "62 Apparel and clothing accessories; not"),
    ],
)
def test_the_catalogue_offers_its_chapters_by_name(
    client, catalogue_buyer, language, coffee, scarves
):
    client.force_login(catalogue_buyer)
    response = in_language(client, language).get("/catalogue/")
    options = dict(response.context["filter_form"].fields["chapter"].widget.choices)
    assert set(options) == {"", "09", "62"}  # the chapters of the listings, and "any"
    assert options["09"] == coffee
    assert options["62"].startswith(scarves)
    assert f'<option value="09">{coffee}</option>' in response.content.decode()


def test_the_chapter_filter_keeps_working_and_shows_the_one_in_force(client, catalogue_buyer):
    client.force_login(catalogue_buyer)
    client = in_language(client, "zh-hans")
    response = client.get("/catalogue/", {"chapter": "09"})
    assert [p.title_en for p in response.context["products"]] == ["Coffee beans"]
    assert '<option value="09" selected>09 咖啡' in response.content.decode()
    # a chapter without listings (a link kept from before) is still shown as the filter
    response = client.get("/catalogue/", {"chapter": "61"})
    assert list(response.context["products"]) == []
    assert '<option value="61" selected>61 针织或钩编的服装及衣着附件' in response.content.decode()


def test_long_chapter_names_are_shortened_in_the_list(client, catalogue_buyer):
    factories.ProductFactory(hs_code="240110", title_en="Leaf tobacco")
    client.force_login(catalogue_buyer)
    response = client.get("/catalogue/")
    label = dict(response.context["filter_form"].fields["chapter"].widget.choices)["24"]
    assert label.startswith("24 Tobacco and manufactured tobacco substitutes")
    assert len(label) <= 70 and label.endswith("…")


def test_the_tariff_coverage_names_chapters_in_the_readers_language(client, customs_officer):
    client.force_login(customs_officer)
    page = in_language(client, "zh-hans").get("/customs/tariff/").content.decode()
    assert "<td>61</td><td>针织或钩编的服装及衣着附件</td>" in page

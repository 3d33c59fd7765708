"""Money on the dashboards is shown per currency: a headline is one figure per currency held,
each with its currency; a money column names its currency, and each amount is read in its
currency's minor units. Codes read as their names: a sector by its label, in every format."""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from analytics.tables import Column, Table, per_currency
from hubs.hs import hs_title
from hubs.models import Organization
from tests.analytics.trade import page

pytestmark = pytest.mark.django_db


def test_a_headline_is_one_figure_per_currency_held():
    assert per_currency("Held in escrow", {"CNY": 50_000, "JPY": 1_200, "MYR": 31_500}) == [
        ("Held in escrow (MYR)", "315.00"),  # the zone's own first
        ("Held in escrow (CNY)", "500.00"),
        ("Held in escrow (JPY)", "1,200"),  # a yen has no minor unit
    ]
    assert per_currency("Fees", {"CNY": 0, "MYR": 0}) == [
        ("Fees (MYR)", "0.00"),
        ("Fees (CNY)", "0.00"),
    ]
    assert per_currency("Fees", {}) == [("Fees", "0")]


def test_a_money_column_names_its_currency():
    with pytest.raises(ValueError, match="names its currency"):
        Table("t", "T", [Column("amount", "Amount", "money")], [])
    with pytest.raises(ValueError, match="names its currency"):
        Table("t", "T", [Column("amount", "Amount", "money", currency_column="nope")], [])
    table = Table(
        "t",
        "T",
        [Column("c", "Currency"), Column("a", "Amount", "money", currency_column="c")],
        [("MYR", 12_345), ("JPY", 12_345)],
    )
    assert table.display_rows() == [["MYR", "123.45"], ["JPY", "12,345"]]
    assert [r["a"] for r in table.as_json()["rows"]] == ["123.45", "12345"]


def test_money_headlines_and_tables_show_each_currency(traded, mdec_officer, until):
    response = page(mdec_officer, f"/dashboards/money/?date_to={until}")
    dashboard = response.context["dashboard"]
    headline = dict(dashboard.headline)
    assert headline["Held in escrow (CNY)"] == "500.00"
    assert headline["Held in escrow (MYR)"] == "0.00"  # all released, and said so
    assert headline["Fees (CNY)"] == "12.50" and headline["Fees (MYR)"] == "10.88"
    held = dict(dashboard.table("escrow_held").rows)
    assert held == {"MYR": 0, "CNY": 50_000}
    (pair,) = dashboard.table("fx_pairs").rows
    assert pair == ("CNY", "MYR", 2, 50_000, 32_000)
    body = response.content.decode()
    assert "<dt>Held in escrow (CNY)</dt><dd>500.00</dd>" in body
    credit = page(mdec_officer, f"/dashboards/credit/?date_to={until}").context["dashboard"]
    assert dict(credit.headline)["Lent (MYR)"] == "3,000.00"


def test_every_money_column_on_every_dashboard_names_its_currency(traded, mdec_officer, until):
    keys = ("exports", "participation", "clearance", "logistics", "money", "credit")
    pages = [(mdec_officer, f"/dashboards/{key}/") for key in keys]
    pages.append((traded.world.seller_owner, "/insights/"))
    for user, path in pages:
        dashboard = page(user, f"{path}?date_to={until}").context["dashboard"]
        for table in dashboard.tables:
            for column in table.columns:
                if column.kind == "money" and column.currency:
                    assert f"({column.currency})" in str(column.label), (path, column.name)
                elif column.kind == "money":
                    assert column.currency_column in [c.name for c in table.columns]


@pytest.mark.parametrize("language", ["en", "ms", "zh-hans"])
def test_a_sector_reads_as_its_label_in_the_page_the_csv_and_the_xlsx(
    journey, mdec_officer, language
):
    from tests.analytics.trade import trade

    trade(journey)
    with translation.override(language):
        label = str(Organization.Sector.OTHER.label)
        chapter = f"62 {hs_title('62')}"  # and an HS chapter by its title
    if language != "en":
        assert label != "Other"
    path = "/dashboards/exports/"
    response = page(mdec_officer, path, language)
    (row,) = response.context["dashboard"].table("by_sector").display_rows()
    assert row[0] == label
    (scarves,) = response.context["dashboard"].table("by_chapter").display_rows()
    assert scarves[0] == chapter
    assert f"<td>{label}</td>" in response.content.decode()
    sheet = load_workbook(
        io.BytesIO(page(mdec_officer, f"{path}?export=xlsx&table=by_sector", language).content)
    ).active
    assert sheet["A2"].value == label
    text = page(mdec_officer, f"{path}?export=csv&table=by_sector", language).content.decode()
    assert list(csv.reader(io.StringIO(text)))[1][0] == label

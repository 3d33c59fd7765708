"""A registered seller's taxable periods and the return it downloads for each."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from customs.lvg import MALAYSIA, lvg_periods, taxable_period_of
from customs.models import Declaration, LvgRegistration, WatchListEntry
from customs.services.decisions import declaration_decide
from customs.services.filing import declaration_create

from ..support import submit_and_process
from .support import NUMBER, consumer_order, my_import, registered

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kul", "hgh", "lanes_by_rule")]
D = Decimal


def test_taxable_periods_are_three_months_ending_as_the_registration_says():
    registration = LvgRegistration(effective_from=date(2025, 12, 15), period_ends=1)
    period = taxable_period_of(registration, date(2026, 2, 10))
    assert (period.start, period.end, period.due_on) == (
        date(2026, 2, 1),
        date(2026, 4, 30),
        date(2026, 5, 31),
    )
    periods = lvg_periods(registration=registration, today=date(2026, 5, 1))
    assert [p.key for p in periods] == ["2026-07", "2026-04", "2026-01"]
    quarters = LvgRegistration(effective_from=date(2024, 1, 1), period_ends=3)
    assert taxable_period_of(quarters, date(2026, 12, 31)).start == date(2026, 10, 1)


@pytest.fixture
def quarter_of_sales(seller, kul, customs_officer):
    """A registered seller's sales: two in the first quarter of 2026, one after it, and one
    that customs rejected."""
    organization, owner = seller
    registration = registered(organization, owner)
    WatchListEntry.objects.create(name="Watched Buyer", reason="earlier seizure")
    made = []
    for on, value, rate in (
        (date(2026, 2, 10), "200.00", "1"),
        (date(2026, 3, 31), "300.00", "0.65"),  # CNY 300 at customs' rate: RM195.00
        (date(2026, 4, 1), "100.00", "1"),  # the next taxable period
        (date(2026, 3, 5), "50.00", "1"),  # rejected below: it declared nothing
    ):
        importer = "Watched Buyer" if value == "50.00" else "Siti Aminah"
        order = consumer_order(organization, value=value)
        request = my_import(
            kul,
            organization,
            on=on,
            value=value,
            rate=rate,
            order=order,
            importer=importer,
            sold_online_by_registered_seller=True,
            lvg_registration_number=NUMBER,
        )
        made.append(submit_and_process(declaration_create(request=request, actor_label="t")))
    rejected = made[-1]
    assert rejected.status == Declaration.Status.LANE  # its buyer is on the watch list
    declaration_decide(
        declaration=rejected, decision="reject", reason="Not the goods.", actor=customs_officer
    )
    return registration, made


def test_the_return_lists_each_lvg_sale_and_the_totals_as_csv_and_xlsx(
    client, seller, quarter_of_sales
):
    registration, made = quarter_of_sales
    _organization, owner = seller
    client.force_login(owner)
    base = f"/customs/lvg/registration/{registration.public_id}/returns/2026-03"
    page = client.get("/customs/lvg/registration/").content.decode()
    assert f"{base}.csv" in page and f"{base}.xlsx" in page

    response = client.get(f"{base}.csv")
    assert response.status_code == 200
    assert f'filename="lvg-return-{NUMBER}-2026-03.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    first, second = made[0], made[1]
    assert rows == [
        [
            "Order",
            "Ordered on",
            "Declaration",
            "Declared on",
            "Sale value (MYR)",
            "Sales tax charged (MYR)",
        ],
        [
            first.order.reference,
            timezone.localdate(first.order.created_at, MALAYSIA).isoformat(),
            first.reference,
            "2026-02-10",
            "200.00",
            "20.00",
        ],
        [
            second.order.reference,
            timezone.localdate(second.order.created_at, MALAYSIA).isoformat(),
            second.reference,
            "2026-03-31",
            "195.00",
            "19.50",
        ],
        ["Total", "", "", "", "395.00", "39.50"],
    ]

    response = client.get(f"{base}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:2] == ["LVG registration number", NUMBER]
    assert values[2][:2] == ["Taxable period", "2026-01-01 – 2026-03-31"]
    assert values[3][:2] == ["Return and payment due by", "2026-04-30"]
    assert values[5][4:] == ["Sale value (MYR)", "Sales tax charged (MYR)"]
    assert [row[2] for row in values[6:8]] == [first.reference, second.reference]
    assert [(D(str(row[4])), D(str(row[5]))) for row in values[6:9]] == [
        (D("200"), D("20")),
        (D("195"), D("19.5")),
        (D("395"), D("39.5")),
    ]
    assert values[8][0] == "Total"

    assert client.get(f"{base[:-7]}2026-02.csv").status_code == 404  # not a period's end
    assert client.get(f"{base}.pdf").status_code == 404

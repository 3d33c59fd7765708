"""The dashboards against hand-computed figures on a small journey, their exports, the data
API, who may see them, and their query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from hubs.models import Order
from tests import factories
from tests.analytics.trade import credit_line_drawn, page, trade
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db
DASHBOARDS = ["exports", "participation", "clearance", "logistics", "money", "credit"]


def table(response, key):
    return response.context["dashboard"].table(key)


def test_exports_add_up_to_the_orders(journey, mdec_officer):
    trade(journey)  # 1 + 2 + 4 scarves = 7 × 45.00
    response = page(mdec_officer, "/dashboards/exports/")
    assert response.status_code == 200
    by_destination = table(response, "by_destination")
    assert by_destination.rows == [("CN", 31500, by_destination.rows[0][2], 3, 7, 1)]
    assert table(response, "by_chapter").rows[0][0] == "62"
    assert table(response, "by_chapter").display_rows()[0][0].startswith("62 Apparel")
    (month,) = table(response, "by_month").rows
    assert month[1] == 31500 and month[3] == 3
    (top,) = table(response, "top_products").rows
    assert (top[1], top[2], top[3]) == ("621410", 31500, 7)
    assert dict(response.context["dashboard"].headline)["Export value (MYR)"] == "315.00"
    assert "<svg" in response.content.decode()  # drawn on the server, no script


def test_participation_and_money(journey, mdec_officer):
    orders = trade(journey)
    funnel = dict(table(page(mdec_officer, "/dashboards/participation/"), "funnel").rows)
    assert funnel["First export"] == 1 and funnel["Repeat exporter (two orders or more)"] == 1
    money = page(mdec_officer, "/dashboards/money/")
    flows = {(flow, currency): amount for flow, currency, amount in table(money, "flows").rows}
    assert flows[("Paid into escrow", "MYR")] == 31500
    assert flows[("Released to sellers", "MYR")] == 31500
    fees = sum(Order.objects.get(pk=o.pk).settlement.fee_minor for o in orders)
    assert flows[("Platform fees", "MYR")] == fees == 3 * 100 + 788  # 1.00 each + 2.5 %
    assert table(money, "escrow_held").rows == [("MYR", 0)]


def test_clearance_reads_the_flight_and_each_stage(journey, mdec_officer):
    trade(journey)
    # the test's flight lands later today or tomorrow: a period that includes it
    until = (timezone.now() + timedelta(days=2)).date().isoformat()
    clearance = page(mdec_officer, f"/dashboards/clearance/?date_to={until}")
    stages = {row[0]: row for row in table(clearance, "stages").rows}
    flight = stages["Flight: departure → arrival"]
    assert 255 <= flight[1] <= 304 and flight[4] == 3  # 300 minutes, three consignments
    assert "Import: arrival → release" in stages
    mix = table(clearance, "lane_mix").rows
    assert sum(count for side, _lane, count, _share in mix if side == "export") == 3
    logistics = table(page(mdec_officer, f"/dashboards/logistics/?date_to={until}"), "eroads").rows
    assert logistics[0][:2] == ("KUL → HGH", 1) and logistics[0][3] == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_table_downloads(journey, mdec_officer, kind):
    trade(journey)
    response = page(mdec_officer, f"/dashboards/exports/?export={kind}&table=by_destination")
    assert response.status_code == 200
    assert "by_destination" in response["Content-Disposition"]
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "Destination" and rows[1][:2] == ["China", "315.00"]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A2"].value == "China" and float(sheet["B2"].value) == 315.0
    assert page(mdec_officer, "/dashboards/exports/?export=pdf&table=x").status_code == 404


def test_bad_filters_are_a_400_that_says_why_and_shows_no_figures(mdec_officer):
    response = page(mdec_officer, "/dashboards/exports/?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 400
    assert "The period starts after it ends." in response.content.decode()
    assert response.context.get("dashboard") is None  # not the figures of other filters
    response = page(mdec_officer, "/dashboards/exports/?date_from=yesterday&destination=China")
    assert response.status_code == 400
    assert "Choose a destination country from the list." in response.content.decode()
    assert page(mdec_officer, "/dashboards/nothing/").status_code == 404
    for odd in ("date_from=9999-12-01&date_to=9999-12-31", "date_from=0001-01-01"):
        response = page(mdec_officer, f"/dashboards/money/?{odd}")
        assert response.status_code == 400
        assert "between 2000 and 2100" in response.content.decode()
    # a download with filters that do not hold is no download of the defaults
    response = page(
        mdec_officer, "/dashboards/exports/?destination=China&export=xlsx&table=by_month"
    )
    assert response.status_code == 400


def test_only_officers_see_the_zones_dashboards_and_a_seller_its_own(journey, mdec_officer):
    trade(journey)
    seller = journey.world.seller_owner
    for key in DASHBOARDS:
        assert page(seller, f"/dashboards/{key}/").status_code == 403
    assert Client().get("/dashboards/exports/").status_code == 302  # sign in first
    insights = page(seller, "/insights/")
    assert insights.status_code == 200
    (month_total,) = {row[3] for row in table(insights, "sales").rows}
    assert month_total == 31500
    fees = table(insights, "fees").rows
    assert fees[0][0] == "MYR" and fees[0][1] == 3
    other = factories.member(factories.SellerFactory())
    assert table(page(other, "/insights/"), "sales").rows == []  # nothing of the other's


def test_the_data_api_serves_each_dashboard_to_an_authority(journey, api):
    trade(journey)
    credentials = factories.api_client(kind="authority", name="MDEC BI", scopes=["analytics:read"])
    token = issue_token(api, credentials).json()["access_token"]
    response = api.get("/api/v1/analytics/exports", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    body = response.json()
    by_destination = next(t for t in body["tables"] if t["key"] == "by_destination")
    assert by_destination["rows"][0]["value"] == "315.00"
    bad = api.get(
        "/api/v1/analytics/exports?date_from=2026-13-01", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["date_from"]
    assert (
        api.get("/api/v1/analytics/nope", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
    )
    bank = factories.api_client(kind="bank", name="Bank", scopes=["hubs:read"])
    other = issue_token(api, bank).json()["access_token"]
    assert (
        api.get("/api/v1/analytics/exports", HTTP_AUTHORIZATION=f"Bearer {other}").status_code
        == 403
    )


def test_dashboards_cost_the_same_queries_whatever_the_volume(journey, mdec_officer):
    seller = journey.world.seller_owner
    until = (timezone.now() + timedelta(days=3)).date().isoformat()  # both flights
    paths = [(mdec_officer, f"/dashboards/{key}/?date_to={until}") for key in DASHBOARDS]
    paths += [
        (seller, f"/insights/?date_to={until}"),
        (mdec_officer, f"/dashboards/exports/?date_to={until}&export=xlsx&table=by_sector"),
        (mdec_officer, f"/dashboards/money/?date_to={until}&destination=China"),  # the 400
    ]
    trade(journey, orders=1)
    few = {}
    for user, path in paths:
        with CaptureQueriesContext(connection) as captured:
            page(user, path)
        few[path] = len(captured)
    trade(journey, orders=4, flight=journey.world.next_flight)
    for user, path in paths:
        with CaptureQueriesContext(connection) as captured:
            response = page(user, path)
        assert response.status_code in (200, 400)
        assert len(captured) == few[path], path


def test_credit_lines_by_band(journey, mdec_officer):
    from payments.services.loans import instalments_overdue_sweep

    stored = credit_line_drawn(journey.world.seller)
    instalments_overdue_sweep(today=timezone.localdate() + timedelta(days=31))
    (row,) = table(page(mdec_officer, "/dashboards/credit/"), "by_band").rows
    assert row == (stored.band, "MYR", 1, 300_000, 300_000, 100, 1)
    (decided,) = table(page(mdec_officer, "/dashboards/credit/"), "applications").rows
    assert decided == (stored.band, 1, 0, 0)


def test_every_table_of_every_dashboard_downloads_in_both_formats(journey, mdec_officer):
    trade(journey)
    for key in DASHBOARDS:
        for shown in page(mdec_officer, f"/dashboards/{key}/").context["dashboard"].tables:
            for kind in ("csv", "xlsx"):
                response = page(mdec_officer, f"/dashboards/{key}/?export={kind}&table={shown.key}")
                assert response.status_code == 200, (key, shown.key, kind)
                if kind == "xlsx":
                    sheet = load_workbook(io.BytesIO(response.content)).active
                    assert sheet.max_row == len(shown.rows) + 1, (key, shown.key)

"""Every chart says what it draws: its title, the measure on its axis and the series it plots
come from the same table, and each is checked here against the table under it."""

import xml.etree.ElementTree as ET

import pytest

from analytics.charts import MAX_BARS, chart_caption, chart_svg
from analytics.tables import Column, Table
from tests.analytics.trade import page

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
PAGES = [f"/dashboards/{key}/" for key in ("exports", "participation", "clearance")] + [
    f"/dashboards/{key}/" for key in ("logistics", "money", "credit")
]

# Every table drawn as a chart, read by a person: its title, and the measure by the dimension
# its chart draws. A new chart is added here once its title and series have been read together.
AUDIT = {
    "by_month": ("Exports by month", "Value (MYR) by Month"),
    "by_destination": ("Exports by destination country", "Value (MYR) by Destination"),
    "by_chapter": ("Exports by HS chapter", "Value (MYR) by HS chapter"),
    "by_sector": ("Exports by sector", "Value (MYR) by Sector"),
    "top_products": ("Top products by value", "Value (MYR) by Product"),
    "funnel": ("From onboarding to repeat exports", "Organisations by Stage"),
    "active_sellers": ("Active sellers by month", "Active sellers by Month"),
    "by_size": ("Share of export value by seller size", "Share by Size"),
    "stages": ("Time release, stage by stage", "Median (p50) by Stage"),
    "by_filing": (
        "Arrival to release of imports lodged before or after arrival",
        "Median (p50) by Declaration lodged",
    ),
    "lane_mix": ("Lane mix", "Declarations by Export or import · Lane"),
    "eroads": ("Flights by e-road", "Flights flown by E-road"),
    "weeks": ("Parcels carried by week", "Parcels by Week (from Monday)"),
    "paid_in_by_month": ("Paid into escrow by month", "Amount (%s) by Month"),
    "fx_pairs": (
        "FX conversions by currency pair",
        "Conversions by Currency sold · Currency bought",
    ),
    "by_band": ("Lines by score band", "Lines by Band · Currency"),
    "sales": ("Sales by month and destination", "Value (MYR) by Month · Destination"),
}


def drawn(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(f"<div>{svg}</div>").iter(f"{SVG}svg"))


def marks(chart: ET.Element) -> list[str]:
    """What each bar or point says it is, from its tooltip: "name: value"."""
    return [title.text for title in chart.iter(f"{SVG}title")]


def axis_labels(chart: ET.Element) -> list[str]:
    return [t.text for t in chart.iter(f"{SVG}text") if "axis-label" in t.get("class", "")]


def charted(traded, mdec_officer, until):
    seller = traded.world.seller_owner
    for path, user in [*((p, mdec_officer) for p in PAGES), ("/insights/", seller)]:
        response = page(user, f"{path}?date_to={until}")
        assert response.status_code == 200, path
        yield from ((path, table, svg) for table, svg in response.context["charts"])


def test_every_chart_draws_what_its_title_and_axes_say(traded, mdec_officer, until):
    seen = set()
    for path, table, svg in charted(traded, mdec_officer, until):
        if table.chart == "none":
            assert svg == "", (path, table.key)
            continue
        assert table.key in AUDIT, f"{path} {table.key}: read its title and chart, add it"
        title, caption = AUDIT[table.key]
        assert str(table.title) == title, (path, table.key)
        charts = drawn(svg)
        assert charts, f"{path} {table.key}: no rows to draw in the test's journey"
        for chart in charts:
            currency = chart.get("aria-label").rsplit("(", 1)[-1][:3]
            expected = caption % currency if "%s" in caption else caption
            assert chart.get("aria-label") == f"{title}: {expected}", (path, table.key)
            measure, dimension = expected.split(" by ")
            assert sorted(axis_labels(chart)) == sorted([measure, dimension]), table.key
        # the series is the y column of the table's rows, each under its own name
        y = table.column(table.y)
        shown = [
            f"{' · '.join(table.display(row, x) for x in table.x.split(','))}: "
            f"{table.display(row, table.y)}"
            for row in table.rows
        ]
        plotted = [mark for chart in charts for mark in marks(chart)]
        if y.currency_column:  # drawn per currency: the same marks, grouped
            assert sorted(plotted) == sorted(shown), table.key
        else:
            assert plotted == (shown[:MAX_BARS] if table.chart == "bar" else shown), table.key
        seen.add(table.key)
    assert seen == set(AUDIT)


def test_amounts_in_different_currencies_never_share_an_axis(traded, mdec_officer, until):
    response = page(mdec_officer, f"/dashboards/money/?date_to={until}")
    charts = dict((t.key, svg) for t, svg in response.context["charts"])
    paid_in = drawn(charts["paid_in_by_month"])
    assert [c.get("aria-label") for c in paid_in] == [
        "Paid into escrow by month: Amount (MYR) by Month",
        "Paid into escrow by month: Amount (CNY) by Month",
    ]
    assert charts["escrow_held"] == ""  # one figure per currency, in the table


def test_logistics_flights_chart_counts_flights_not_parcels(traded, mdec_officer, until):
    response = page(mdec_officer, f"/dashboards/logistics/?date_to={until}")
    table, svg = next((t, s) for t, s in response.context["charts"] if t.key == "eroads")
    assert table.y == "flown"
    assert marks(drawn(svg)[0]) == ["KUL → HGH: 1"]  # one flight, which carried three parcels


def test_a_bar_chart_of_many_rows_says_it_shows_the_first():
    rows = [(f"P{n}", n) for n in range(MAX_BARS + 6, 0, -1)]
    table = Table(
        "t",
        "Things",
        [Column("name", "Name"), Column("n", "Count", "int")],
        rows,
        "bar",
        "name",
        "n",
    )
    svg = chart_svg(table)
    assert len(marks(drawn(svg)[0])) == MAX_BARS
    assert f"The chart shows the first {MAX_BARS} of {MAX_BARS + 6} rows." in svg
    line = Table("t", "Things", table.columns, rows, "line", "name", "n")
    assert len(marks(drawn(chart_svg(line))[0])) == MAX_BARS + 6  # a series is drawn whole
    assert chart_caption(table) == "Count by Name"

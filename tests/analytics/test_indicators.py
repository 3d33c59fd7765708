"""Every dashboard indicator against figures computed by hand from a small set of facts,
written through the same incremental rollups the journey uses."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.filters import Filters
from analytics.models import CustomsDay, FxDay, TradeFact
from analytics.selectors import DASHBOARDS
from analytics.services.rollups import rollups_move, upsert_rows
from tests import factories

pytestmark = pytest.mark.django_db
UTC = timezone.get_current_timezone()


def at(day: date, hours: float = 0) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hours)


def fact(
    n,
    *,
    shipped: date,
    seller=1,
    size="micro",
    sector="food",
    chapter="09",
    value=10_000,
    destination="CN",
    flight_hours=5.0,
    release_minutes=60,
    lane="green",
):
    """An order of one line shipped on ``shipped`` worth ``value`` sen."""
    departed = at(shipped, 10)
    arrived = departed + timedelta(hours=flight_hours)
    return TradeFact(
        order_id=n,
        line_no=1,
        order_reference=f"EW-{n}",
        status="settled",
        kind="b2b",
        incoterm="DAP",
        origin_hub="KUL",
        destination_hub="HGH",
        destination_country=destination,
        seller_id=seller,
        seller_size=size,
        seller_sector=sector,
        product_id=seller * 10,
        title=f"Product {seller}",
        hs_code=f"{chapter}0121",
        hs_heading=f"{chapter}01",
        hs_chapter=chapter,
        hs_section="II",
        quantity=2,
        weight_kg=Decimal("1.500"),
        currency="MYR",
        value_minor=value,
        value_myr_minor=value,
        value_usd_minor=value // 4,
        export_lane=lane,
        import_lane=lane,
        placed_at=departed - timedelta(days=1),
        paid_at=departed - timedelta(hours=20),
        departed_at=departed,
        shipped_on=shipped,
        arrived_at=arrived,
        import_lodged_at=arrived,
        import_assessed_at=arrived,
        import_released_at=arrived + timedelta(minutes=release_minutes),
    )


@pytest.fixture
def facts(db):
    march, february, january = date(2026, 3, 10), date(2026, 2, 10), date(2026, 1, 10)
    rows = [
        # the period: March 2026
        fact(1, shipped=march, seller=1, value=30_000, release_minutes=30),
        fact(2, shipped=march, seller=1, value=10_000, release_minutes=60),
        fact(
            3,
            shipped=march,
            seller=2,
            size="small",
            sector="beauty",
            chapter="33",
            value=60_000,
            release_minutes=600,
            lane="red",
        ),
        fact(
            4,
            shipped=march,
            seller=3,
            size="medium",
            sector="home",
            chapter="94",
            value=100_000,
            destination="MY",
            flight_hours=8,
            release_minutes=120,
        ),
        # the period before (February), and seller 1's first export in January
        fact(5, shipped=february, seller=2, size="small", sector="beauty", value=50_000),
        fact(6, shipped=january, seller=1, value=20_000),
    ]
    TradeFact.objects.bulk_create(rows)
    rollups_move(removed=[], added=rows)
    return Filters(date(2026, 3, 1), date(2026, 3, 31))


def dashboard(key, filters):
    built = DASHBOARDS[key](filters)
    return {table.key: table.rows for table in built.tables}, dict(built.headline)


def test_exports_by_each_dimension_and_growth(facts):
    tables, headline = dashboard("exports", facts)
    assert [row[:2] for row in tables["by_destination"]] == [("CN", 100_000), ("MY", 100_000)]
    assert [(row[0][:2], row[1]) for row in tables["by_chapter"]] == [
        ("94", 100_000),
        ("33", 60_000),
        ("09", 40_000),
    ]
    assert [row[:2] for row in tables["by_sector"]] == [
        ("home", 100_000),
        ("beauty", 60_000),
        ("food", 40_000),
    ]
    assert tables["by_month"] == [("2026-03", 200_000, 50_000, 4, 8, 6)]  # value, usd, orders…
    assert tables["top_products"][0] == ("Product 3", "940121", 100_000, 2)
    # March 2,000.00 against the 28 days before (February): 500.00 → +300 %
    assert headline["Growth against the period before"] == "+300.0 %"
    assert headline["Export value (MYR)"] == "2,000.00"


def test_participation_active_new_and_by_size(facts, kul):
    for n in range(1, 5):
        factories.SellerFactory(legal_name=f"Seller {n}")
    tables, _headline = dashboard("participation", facts)
    funnel = dict(tables["funnel"])
    assert funnel["First export"] == 3  # sellers 1, 2, 3 exported by the end of March
    assert funnel["Repeat exporter (two orders or more)"] == 2  # seller 1 (3), seller 2 (2)
    assert tables["active_sellers"] == [("2026-03", 3, 1, 200_000)]  # seller 3 is new
    shares = {
        size: (sellers, value, round(share)) for size, sellers, value, share in tables["by_size"]
    }
    assert shares == {
        "medium": (1, 100_000, 50),
        "small": (1, 60_000, 30),
        "micro": (1, 40_000, 20),
    }


def test_time_release_percentiles_and_breakdowns(facts):
    tables, _headline = dashboard("clearance", facts)
    stages = {row[0]: row for row in tables["stages"]}
    release = stages["Import: arrival → release"]
    # 30, 60, 120, 600 minutes (and February's and January's are other months): p50 between
    # 60 and 120, p90 between 120 and 600, mean 202.5
    assert 60 <= release[1] <= 120 and 120 <= release[2] <= 600
    assert release[3] == pytest.approx(202.5) and release[4] == 4
    lanes = {row[1]: row for row in tables["by_lane"] if row[0] == "Import: arrival → release"}
    assert lanes["red"][5] == 1 and lanes["green"][5] == 3  # consignments
    flight = stages["Flight: departure → arrival"]
    assert flight[3] == pytest.approx((5 * 3 + 8) * 60 / 4)
    chapters = {row[1] for row in tables["by_chapter"]}
    assert chapters == {"09", "33", "94"}


def test_lane_mix_and_holds_by_reason(db):
    day = date(2026, 3, 5)
    rows = [
        ((day, "export", "KUL", "KUL", "CN", "food", "green", "released", ""), {"count": 6}, {}),
        ((day, "export", "KUL", "KUL", "CN", "food", "red", "released", ""), {"count": 2}, {}),
        ((day, "export", "KUL", "KUL", "CN", "food", "red", "rejected", "Fake"), {"count": 2}, {}),
        ((day, "export", "KUL", "KUL", "CN", "food", "red", "held", "Inspect"), {"count": 3}, {}),
    ]
    upsert_rows(CustomsDay, rows)
    tables, _ = dashboard("clearance", Filters(date(2026, 3, 1), date(2026, 3, 31)))
    mix = {(side, lane): (count, round(share)) for side, lane, count, share in tables["lane_mix"]}
    assert mix == {("export", "green"): (6, 60), ("export", "red"): (4, 40)}
    assert tables["holds_rejections"] == [
        ("KUL", "held", "Inspect", 3),
        ("KUL", "rejected", "Fake", 2),
    ]


def test_load_factor_and_flights_flown(db, kul, hgh):
    from logistics.models import Carrier, Flight
    from logistics.services.flights import carriers_load

    factories.open_eroads()
    carriers_load()
    from hubs.models import ERoad

    eroad = ERoad.objects.get(origin=kul, destination=hgh)
    departs = at(date(2026, 3, 3), 9)
    for n, (kg, status) in enumerate([(400, "arrived"), (200, "arrived"), (0, "cancelled")]):
        Flight.objects.create(
            eroad=eroad,
            carrier=Carrier.objects.get(iata_code="MH"),
            number=f"MH{n}",
            departs_at=departs + timedelta(days=n),
            arrives_at=departs + timedelta(days=n, hours=5),
            capacity_kg=Decimal(1000),
            capacity_pieces=100,
            loaded_kg=Decimal(kg),
            loaded_pieces=kg // 10,
            status=status,
        )
    tables, _ = dashboard("logistics", Filters(date(2026, 3, 1), date(2026, 3, 31)))
    (row,) = tables["eroads"]
    # two of three flew; 600 kg on 2,000 kg of flown capacity: 30 %
    assert (row[0], row[1], round(row[2], 1), row[3], row[4], row[5]) == (
        "KUL → HGH",
        2,
        66.7,
        60,
        600,
        30,
    )


def test_fx_volume_by_pair(db):
    upsert_rows(
        FxDay,
        [
            (
                (date(2026, 3, 2), "CNY", "MYR"),
                {"conversions": 3, "from_minor": 90_000, "to_minor": 57_600},
                {},
            )
        ],
    )
    tables, _ = dashboard("money", Filters(date(2026, 3, 1), date(2026, 3, 31)))
    assert tables["fx_pairs"] == [("CNY", "MYR", 3, 90_000, 57_600)]

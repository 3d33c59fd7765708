"""The MDEC dashboards at 1M and 10M trade facts on PostgreSQL: each dashboard's time (median
of 5, default filters: the last twelve months; and with hub, destination and sector filters)
and its query count, next to a plain SQL GROUP BY over the raw facts for the same figures,
measured in the same run, as a ratio (dashboard time / GROUP BY time). Goal at 10M facts:
every dashboard at most 0.02x its GROUP BY, and the rollups built in at most 5 minutes.

The facts are synthetic (two years, 2,000 sellers in eight sectors, twenty HS codes, both
directions of the KUL–HGH e-road, every stage timed), written with generate_series; the
rollups are then built from them in one pass each. That is how the bench loads them; in
the product they are kept up to date by difference as each order moves (analytics.services).

    python bench/dashboards.py [--sizes 1000000,10000000]
"""

import argparse
import math
import statistics
import time

from harness import queries, run_benchmark

SELLERS = 2_000
DAYS = 730
HS = [
    ("621410", "XI"), ("611020", "XI"), ("420221", "VIII"), ("090121", "II"), ("180690", "IV"),
    ("851762", "XVI"), ("940490", "XX"), ("330499", "VI"), ("090210", "II"), ("940360", "XX"),
    ("330410", "VI"), ("850440", "XVI"), ("392690", "VII"), ("640399", "XII"), ("711319", "XIV"),
    ("200891", "IV"), ("151321", "III"), ("440929", "IX"), ("482010", "X"), ("950300", "XX"),
]  # fmt: skip
SECTORS = ["fashion", "food", "electronics", "beauty", "home", "crafts", "industrial", "other"]
SIZES = ["micro", "small", "medium"]


def facts_load(target: int) -> float:
    """Add synthetic facts up to ``target``; returns the seconds it took."""
    from django.db import connection

    hs = "ARRAY[" + ",".join(f"'{code}'" for code, _ in HS) + "]"
    sections = "ARRAY[" + ",".join(f"'{section}'" for _, section in HS) + "]"
    sectors = "ARRAY[" + ",".join(f"'{s}'" for s in SECTORS) + "]"
    sizes = "ARRAY[" + ",".join(f"'{s}'" for s in SIZES) + "]"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(order_id), 0) FROM analytics_tradefact")
        first = cursor.fetchone()[0] + 1
        if first > target:
            return 0.0
        cursor.execute(
            f"""
            INSERT INTO analytics_tradefact (
              order_id, line_no, order_reference, status, kind, incoterm, origin_hub,
              destination_hub, destination_country, seller_id, seller_size, seller_sector,
              product_id, title, hs_code, hs_heading, hs_chapter, hs_section, quantity,
              weight_kg, currency, value_minor, value_myr_minor, value_usd_minor, export_lane,
              import_lane, placed_at, paid_at, export_lodged_at, export_assessed_at,
              export_released_at, received_at, departed_at, shipped_on, arrived_at,
              import_lodged_at, import_assessed_at, duties_paid_at, import_released_at,
              out_for_delivery_at, delivered_at, escrow_released_at, payout_settled_at,
              refunded_at)
            SELECT i, 1, 'BN' || i, 'settled', CASE WHEN i %% 5 < 2 THEN 'b2c' ELSE 'b2b' END,
              CASE WHEN i %% 3 = 0 THEN 'DDP' ELSE 'DAP' END,
              o, d, CASE WHEN d = 'HGH' THEN 'CN' ELSE 'MY' END,
              s, ({sizes})[1 + s %% 3], ({sectors})[1 + s %% 8],
              s * 10 + i %% 5, 'Product ' || (s * 10 + i %% 5), h, left(h, 4), left(h, 2),
              ({sections})[1 + (i %% 20)], q, q * 0.25, 'MYR', v, v, (v * 0.2259)::bigint,
              (ARRAY['green','green','green','blue','yellow','red'])[1 + i %% 6],
              (ARRAY['green','green','blue','yellow','red'])[1 + i %% 5],
              p, p + interval '3 hours', p + interval '3 hours 5 minutes',
              p + interval '3 hours 6 minutes', p + (3 + (i %% 40)) * interval '1 hour',
              p + interval '20 hours', p + interval '30 hours', (p + interval '30 hours')::date,
              p + interval '35 hours', p + interval '35 hours 30 minutes',
              p + interval '35 hours 32 minutes', p + interval '35 hours 33 minutes',
              p + (36 + (i %% 17)) * interval '1 hour', p + interval '60 hours',
              p + (70 + (i %% 23)) * interval '1 hour', p + interval '12 days',
              p + interval '13 days', NULL
            FROM (
              SELECT i, 1 + (i * 7919) %% {SELLERS} AS s,
                CASE WHEN i %% 7 = 0 THEN 'HGH' ELSE 'KUL' END AS o,
                CASE WHEN i %% 7 = 0 THEN 'KUL' ELSE 'HGH' END AS d,
                ({hs})[1 + (i %% 20)] AS h, 1 + i %% 9 AS q,
                (1500 + (i * 104729) %% 90000)::bigint AS v,
                now() - ((i * 2654435761) %% ({DAYS} * 86400)) * interval '1 second' AS p
              FROM generate_series(%s::bigint, %s::bigint) AS i
            ) x
            """,
            [first, target],
        )
        cursor.execute("ANALYZE analytics_tradefact")  # the build plans on the real size
    return time.perf_counter() - started


ROLLUPS = [
    "DELETE FROM analytics_exportday",
    """INSERT INTO analytics_exportday (day, origin_hub, destination_country, hs_chapter, sector,
         size, kind, orders, lines, quantity, weight_g, value_myr_minor, value_usd_minor)
       SELECT shipped_on, origin_hub, destination_country, hs_chapter, seller_sector,
         seller_size, kind, count(*) FILTER (WHERE line_no = 1), count(*), sum(quantity),
         sum((weight_kg * 1000)::bigint), sum(value_myr_minor), sum(value_usd_minor)
       FROM analytics_tradefact GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    "DELETE FROM analytics_exportmonth",
    """INSERT INTO analytics_exportmonth (month, origin_hub, destination_country, hs_chapter,
         sector, size, kind, orders, lines, quantity, weight_g, value_myr_minor,
         value_usd_minor)
       SELECT date_trunc('month', day)::date, origin_hub, destination_country, hs_chapter,
         sector, size, kind, sum(orders), sum(lines), sum(quantity), sum(weight_g),
         sum(value_myr_minor), sum(value_usd_minor)
       FROM analytics_exportday GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    "DELETE FROM analytics_productmonth",
    """INSERT INTO analytics_productmonth (month, origin_hub, destination_country, sector,
         product_id, title, hs_code, quantity, value_myr_minor)
       SELECT date_trunc('month', shipped_on)::date, origin_hub, destination_country,
         seller_sector, product_id, min(title), min(hs_code), sum(quantity),
         sum(value_myr_minor)
       FROM analytics_tradefact GROUP BY 1, 2, 3, 4, 5""",
    "DELETE FROM analytics_sellermonth",
    """INSERT INTO analytics_sellermonth (month, seller_id, origin_hub, destination_country,
         sector, size, orders, value_myr_minor)
       SELECT date_trunc('month', shipped_on)::date, seller_id, origin_hub,
         destination_country, seller_sector, seller_size, count(*) FILTER (WHERE line_no = 1),
         sum(value_myr_minor)
       FROM analytics_tradefact GROUP BY 1, 2, 3, 4, 5, 6""",
    "DELETE FROM analytics_stagemonth",
    # each fact's stages counted by bucket first, then each count in its breakdowns: the
    # lateral rows are aggregated once, not once per breakdown
    """INSERT INTO analytics_stagemonth (month, stage, origin_hub, destination_country, sector,
         breakdown, value, bucket, count, minutes)
       SELECT month, stage, origin_hub, destination_country, seller_sector, b.breakdown,
         b.value, bucket, sum(n), sum(m)
       FROM (
         SELECT date_trunc('month', s.en)::date AS month, s.stage, f.origin_hub,
           f.destination_country, f.seller_sector, s.lane, f.hs_chapter,
           width_bucket(greatest(s.m, 0) + 1, {thresholds}) AS bucket, count(*) AS n,
           sum(s.m) AS m
         FROM analytics_tradefact f CROSS JOIN LATERAL (
           SELECT v.stage, v.en, v.lane, (extract(epoch FROM v.en - v.st) / 60)::bigint AS m
           FROM (VALUES
             ('export_lodgement', f.export_lodged_at, f.export_assessed_at, f.export_lane),
             ('export_assessment', f.export_assessed_at, f.export_released_at, f.export_lane),
             ('export_floor', f.received_at, f.departed_at, f.export_lane),
             ('flight', f.departed_at, f.arrived_at, '-'),
             ('import_lodgement', f.arrived_at, f.import_lodged_at, f.import_lane),
             ('import_assessment', f.import_lodged_at, f.import_assessed_at, f.import_lane),
             ('import_payment', f.import_assessed_at, f.duties_paid_at, f.import_lane),
             ('import_release', f.import_assessed_at, f.import_released_at, f.import_lane),
             ('import_total', f.arrived_at, f.import_released_at, f.import_lane),
             ('import_departure', f.import_released_at, f.out_for_delivery_at, f.import_lane),
             ('last_mile', f.out_for_delivery_at, f.delivered_at, '-'),
             ('door_to_door', f.paid_at, f.delivered_at, '-')
           ) AS v(stage, st, en, lane)
           WHERE v.st IS NOT NULL AND v.en IS NOT NULL
         ) s
         WHERE f.line_no = 1
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
       ) t CROSS JOIN LATERAL (VALUES ('lane', t.lane), ('chapter', t.hs_chapter))
         AS b(breakdown, value)
       WHERE b.breakdown = 'lane'
         OR t.stage IN ('export_assessment', 'import_total', 'door_to_door')
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8""",
    "DELETE FROM analytics_customsday",
    """INSERT INTO analytics_customsday (day, side, hub, origin_hub, destination_country,
         sector, lane, status, reason, count)
       SELECT export_released_at::date, 'export', origin_hub, origin_hub, destination_country,
         seller_sector, export_lane, CASE WHEN order_id % 97 = 0 THEN 'held' ELSE 'released'
         END, CASE WHEN order_id % 97 = 0 THEN 'Physical inspection' ELSE '' END, count(*)
       FROM analytics_tradefact WHERE line_no = 1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9""",
    "DELETE FROM analytics_moneyday",
    """INSERT INTO analytics_moneyday (day, measure, currency, origin_hub, destination_country,
         sector, amount_minor)
       SELECT paid_at::date, m.measure, 'MYR', origin_hub, destination_country, seller_sector,
         sum(m.amount)
       FROM analytics_tradefact CROSS JOIN LATERAL (VALUES ('paid_in', value_myr_minor),
         ('released', value_myr_minor), ('escrow_net', 0::bigint),
         ('fees', (value_myr_minor / 40)::bigint), ('payouts', value_myr_minor))
         AS m(measure, amount)
       GROUP BY 1, 2, 3, 4, 5, 6""",
]


# memory for the build's sorts and hashes (per operation): at PostgreSQL's default 4 MB
# they spill to disk, as a bulk rebuild should not
BUILD_WORK_MEM = "256MB"


def bucket_thresholds() -> str:
    """analytics.stages.bucket_of in SQL, exactly: the least ``minutes + 1`` of each bucket
    from 1 up, as an array for width_bucket (a binary search per row; a numeric log2 per
    row took most of the build)."""
    from analytics.stages import BUCKETS, bucket_of

    thresholds = []
    for bucket in range(1, BUCKETS):
        n = math.ceil(2 ** (bucket / 4))  # n = minutes + 1; then to the float's own edge
        while n > 1 and bucket_of(n - 2) >= bucket:
            n -= 1
        while bucket_of(n - 1) < bucket:
            n += 1
        thresholds.append(n)
    return f"ARRAY[{', '.join(map(str, thresholds))}]::bigint[]"


def rollups_build() -> float:
    """Every rollup from the facts, on two connections (one per core): the stage histogram,
    the longest by far, on one and the others in order on the other (the months read the
    days). PostgreSQL runs no INSERT … SELECT in parallel, so one connection uses one core."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    thresholds = bucket_thresholds()
    stage = [
        sql.replace("{thresholds}", thresholds) for sql in ROLLUPS if "analytics_stagemonth" in sql
    ]
    others = [sql for sql in ROLLUPS if "analytics_stagemonth" not in sql]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for built in [pool.submit(_rollups_chain, stage), pool.submit(_rollups_chain, others)]:
            built.result()
    with connection.cursor() as cursor:
        _timed_statement(cursor, "ANALYZE")
    return time.perf_counter() - started


def _rollups_chain(statements: list[str]) -> None:
    from django.db import connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{BUILD_WORK_MEM}'")
            for sql in statements:
                _timed_statement(cursor, sql)
    finally:
        connection.close()  # the thread's own


def _timed_statement(cursor, sql: str) -> None:
    began = time.perf_counter()
    cursor.execute(sql)
    print(f"    {time.perf_counter() - began:7.1f} s  {' '.join(sql.split())[:60]}")


# the same figures straight from the facts, as one would without rollups
BASELINES = {
    "exports": [
        """SELECT date_trunc('month', shipped_on), sum(value_myr_minor), sum(value_usd_minor),
             count(*) FILTER (WHERE line_no = 1), sum(quantity), sum(weight_kg)
           FROM analytics_tradefact WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
        """SELECT destination_country, sum(value_myr_minor) FROM analytics_tradefact
           WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
        """SELECT hs_chapter, sum(value_myr_minor) FROM analytics_tradefact
           WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
        """SELECT seller_sector, sum(value_myr_minor) FROM analytics_tradefact
           WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
        """SELECT product_id, sum(value_myr_minor) v FROM analytics_tradefact
           WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1 ORDER BY v DESC LIMIT 10""",
    ],
    "participation": [
        """SELECT seller_id, min(shipped_on), count(*) FROM analytics_tradefact
           WHERE shipped_on <= %(b)s {w} GROUP BY 1""",
        """SELECT seller_size, sum(value_myr_minor), count(DISTINCT seller_id)
           FROM analytics_tradefact WHERE shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
    ],
    "clearance": [
        """SELECT import_lane,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY import_released_at - arrived_at),
             percentile_cont(0.9) WITHIN GROUP (ORDER BY import_released_at - arrived_at),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY export_released_at - export_lodged_at),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY arrived_at - departed_at),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY delivered_at - paid_at)
           FROM analytics_tradefact
           WHERE line_no = 1 AND shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1""",
    ],
    "logistics": [
        """SELECT origin_hub, destination_country,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY arrived_at - departed_at),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY delivered_at - paid_at)
           FROM analytics_tradefact
           WHERE line_no = 1 AND shipped_on BETWEEN %(a)s AND %(b)s {w} GROUP BY 1, 2""",
    ],
    "money": [
        """SELECT sum(value_myr_minor), sum(value_myr_minor / 40) FROM analytics_tradefact
           WHERE paid_at::date BETWEEN %(a)s AND %(b)s {w}""",
    ],
}


def _where(filters) -> str:
    parts = []
    if filters.hub:
        parts.append(f"origin_hub = '{filters.hub}'")
    if filters.destination:
        parts.append(f"destination_country = '{filters.destination}'")
    if filters.sector:
        parts.append(f"seller_sector = '{filters.sector}'")
    return "".join(f" AND {p}" for p in parts)


def timed(fn, repeat=5) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(label: str, filters) -> None:
    from django.db import connection

    from analytics.selectors import DASHBOARDS

    print(f"  {label}")
    print(
        f"    {'dashboard':14} {'ms':>8} {'queries':>8} {'GROUP BY ms':>12} {'ratio':>8}  (goal: ratio ≤ 0.02x at 10M)"
    )
    for key, build in DASHBOARDS.items():
        build(filters)  # warm the cache, as a second visitor finds it
        with queries() as captured:
            build(filters)
        dashboard_ms = timed(lambda build=build: build(filters))
        if key not in BASELINES:
            # the credit dashboard reads the loan book, not the trade facts: no GROUP BY of
            # the facts gives its figures, so it is timed without a ratio
            print(f"    {key:14} {dashboard_ms:8.1f} {len(captured):8d} {'-':>12} {'-':>8}")
            continue

        def baseline(key=key):
            with connection.cursor() as cursor:
                for sql in BASELINES[key]:
                    cursor.execute(
                        sql.format(w=_where(filters)),
                        {"a": filters.date_from, "b": filters.date_to},
                    )
                    cursor.fetchall()

        baseline_ms = timed(baseline, repeat=3)
        print(
            f"    {key:14} {dashboard_ms:8.1f} {len(captured):8d} {baseline_ms:12.1f} "
            f"{dashboard_ms / baseline_ms:7.3f}x"
        )


def world() -> None:
    """The hubs, the sellers (as organisations, for the funnel) and two years of flights."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from hubs.models import ERoad, Organization
    from logistics.models import Carrier, Flight
    from logistics.services.flights import carriers_load
    from tests import factories

    kul, _hgh = factories.open_eroads()
    carriers_load()
    Organization.objects.bulk_create(
        Organization(
            legal_name=f"Seller {n} Sdn. Bhd.",
            country="MY",
            home_hub=kul,
            sector=SECTORS[n % 8],
            size=SIZES[n % 3],
            kyc_status="approved" if n % 10 else "submitted",
        )
        for n in range(1, SELLERS + 300)
    )
    rng = random.Random(7)
    carrier = Carrier.objects.get(iata_code="MH")
    now = timezone.now()
    flights = []
    for eroad in ERoad.objects.all():
        for day in range(DAYS):
            departs = now - timedelta(days=day, hours=3)
            capacity = Decimal(2500)
            flights.append(
                Flight(
                    eroad=eroad,
                    carrier=carrier,
                    number=f"MH{360 + eroad.pk}",
                    departs_at=departs,
                    arrives_at=departs + timedelta(hours=5),
                    capacity_kg=capacity,
                    capacity_pieces=800,
                    loaded_kg=capacity * Decimal(rng.uniform(0.3, 0.95)),
                    loaded_pieces=rng.randint(100, 800),
                    status="cancelled" if rng.random() < 0.03 else "arrived",
                )
            )
    Flight.objects.bulk_create(flights)


def run(sizes: list[int]) -> None:
    import logging

    from analytics.filters import Filters, default_filters

    logging.disable(logging.INFO)
    world()
    for size in sizes:
        loaded = facts_load(size)
        built = rollups_build()
        print(f"\n{size:,} facts (loaded in {loaded:.0f} s, rollups built in {built:.0f} s)")
        defaults = default_filters()
        measure("last twelve months, no other filter", defaults)
        measure(
            "last twelve months, KUL → CN, food",
            Filters(defaults.date_from, defaults.date_to, "KUL", "CN", "food"),
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    arguments = parser.parse_args()
    run_benchmark(lambda: run([int(n) for n in arguments.sizes.split(",")]))

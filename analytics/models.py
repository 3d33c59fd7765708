"""Trade facts and their rollups: what the MDEC dashboards read.

A fact is one line of a shipped order, with everything a dashboard groups or filters by
copied onto it (hubs, destination, HS section/chapter/heading, the seller's size and
sector), its value in the seller's currency, MYR and USD, and the time of every stage of the
journey. Facts are rebuilt from the source records whenever the order moves (so a fact never
disagrees with the journey), and each rebuild moves the rollups by the difference it made:
the rollups are kept up to date incrementally, never recomputed from scratch.

Facts carry ids of other apps' rows, not foreign keys: they are read-only copies, written in
bulk, and outnumber everything else.
"""

from django.db import models

# the keys of the rollups: one row per distinct value of these
EXPORT_DIMENSIONS = ("origin_hub", "destination_country", "hs_chapter", "sector", "size", "kind")
EXPORT_DAY_KEY = ("day", *EXPORT_DIMENSIONS)
EXPORT_MONTH_KEY = ("month", *EXPORT_DIMENSIONS)
PRODUCT_MONTH_KEY = ("month", "origin_hub", "destination_country", "sector", "product_id")
SELLER_MONTH_KEY = ("month", "seller_id", "origin_hub", "destination_country", "sector", "size")
CUSTOMS_DAY_KEY = (
    "day",
    "side",
    "hub",
    "origin_hub",
    "destination_country",
    "sector",
    "lane",
    "status",
    "reason",
)
MONEY_DAY_KEY = ("day", "measure", "currency", "origin_hub", "destination_country", "sector")
FX_DAY_KEY = ("day", "from_currency", "to_currency")
STAGE_MONTH_KEY = (
    "month",
    "stage",
    "origin_hub",
    "destination_country",
    "sector",
    "breakdown",
    "value",
    "bucket",
)


class TradeFactOrder(models.Model):
    """One row per order with facts: what a rebuild locks, so two rebuilds of the same order
    (two events delivered at once) take turns."""

    order_id = models.BigIntegerField(primary_key=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return str(self.order_id)


class TradeFact(models.Model):
    class Kind(models.TextChoices):
        B2B = "b2b", "B2B"
        B2C = "b2c", "B2C (cross-border retail)"

    order_id = models.BigIntegerField()
    line_no = models.PositiveSmallIntegerField()
    order_reference = models.CharField(max_length=12)
    status = models.CharField(max_length=20)  # the order's, at the last rebuild
    kind = models.CharField(max_length=3, choices=Kind.choices)
    incoterm = models.CharField(max_length=3)
    origin_hub = models.CharField(max_length=3)
    destination_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    seller_id = models.BigIntegerField()
    seller_size = models.CharField(max_length=10)
    seller_sector = models.CharField(max_length=20)
    product_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    hs_code = models.CharField(max_length=10)
    hs_heading = models.CharField(max_length=4)
    hs_chapter = models.CharField(max_length=2)
    hs_section = models.CharField(max_length=5)
    quantity = models.PositiveIntegerField()
    weight_kg = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3)
    value_minor = models.BigIntegerField()  # in the seller's currency
    value_myr_minor = models.BigIntegerField()
    value_usd_minor = models.BigIntegerField()
    export_lane = models.CharField(max_length=6, blank=True)
    import_lane = models.CharField(max_length=6, blank=True)
    # the journey's stages (UTC); empty until the stage happens
    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True)
    export_lodged_at = models.DateTimeField(null=True)
    export_assessed_at = models.DateTimeField(null=True)
    export_released_at = models.DateTimeField(null=True)
    received_at = models.DateTimeField(null=True)  # at the origin hub's floor
    departed_at = models.DateTimeField(null=True)
    shipped_on = models.DateField()  # the day it left: the export's date on every dashboard
    arrived_at = models.DateTimeField(null=True)
    import_lodged_at = models.DateTimeField(null=True)
    import_assessed_at = models.DateTimeField(null=True)
    duties_paid_at = models.DateTimeField(null=True)
    import_released_at = models.DateTimeField(null=True)
    out_for_delivery_at = models.DateTimeField(null=True)
    delivered_at = models.DateTimeField(null=True)
    escrow_released_at = models.DateTimeField(null=True)
    payout_settled_at = models.DateTimeField(null=True)
    refunded_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            # On PostgreSQL the table is partitioned by month of shipped_on (the dashboards'
            # date), and a unique key there must hold it. An order's lines are one each
            # all the same: its rebuild replaces them under the lock of its TradeFactOrder.
            models.UniqueConstraint(
                fields=["order_id", "line_no", "shipped_on"], name="trade_fact_once"
            ),
        ]
        indexes = [
            # the rebuild reads an order's facts; the SME page reads a seller's
            models.Index(fields=["order_id"], name="trade_fact_order_idx"),
            models.Index(fields=["seller_id", "shipped_on"], name="trade_fact_seller_idx"),
        ]

    def __str__(self):
        return f"{self.order_reference}/{self.line_no}"


class Rollup(models.Model):
    """A rollup row: its KEY names the fields that make it one row, and what it shows."""

    KEY: tuple = ()

    class Meta:
        abstract = True


class Exports(Rollup):
    """The dimensions and measures of the export rollups, by day or by month. ``orders``
    counts each order once, on its first line's row."""

    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    hs_chapter = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    size = models.CharField(max_length=10)
    kind = models.CharField(max_length=3)
    orders = models.BigIntegerField(default=0)
    lines = models.BigIntegerField(default=0)
    quantity = models.BigIntegerField(default=0)
    weight_g = models.BigIntegerField(default=0)
    value_myr_minor = models.BigIntegerField(default=0)
    value_usd_minor = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ExportDay(Exports):
    """Exports per day (the day the goods left)."""

    day = models.DateField()

    KEY = EXPORT_DAY_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=EXPORT_DAY_KEY, name="export_day_key")]
        # a dashboard reads a date range, then groups: the key's leading day serves it


class ExportMonth(Exports):
    """ExportDay by month: a period made of whole months (and the current month to date)
    reads twelve rows where the days would be hundreds."""

    month = models.DateField()  # the first of the month

    KEY = EXPORT_MONTH_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=EXPORT_MONTH_KEY, name="export_month_key")]


class ProductMonth(Rollup):
    """Exports per month and product: the top products table."""

    month = models.DateField()  # the first of the month
    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    product_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    hs_code = models.CharField(max_length=10)
    quantity = models.BigIntegerField(default=0)
    value_myr_minor = models.BigIntegerField(default=0)

    KEY = PRODUCT_MONTH_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=PRODUCT_MONTH_KEY, name="product_month_key")]


class SellerMonth(Rollup):
    """Each seller's exports per month: participation (first, repeat, active, new sellers),
    the share of value by size, and the seller's own page."""

    month = models.DateField()
    seller_id = models.BigIntegerField()
    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    size = models.CharField(max_length=10)
    orders = models.BigIntegerField(default=0)
    value_myr_minor = models.BigIntegerField(default=0)

    KEY = SELLER_MONTH_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=SELLER_MONTH_KEY, name="seller_month_key")]
        indexes = [models.Index(fields=["seller_id", "month"], name="seller_month_seller_idx")]


class StageMonth(Rollup):
    """How long the stages of clearance and transport took: a histogram per month the stage
    ended, stage, the filter dimensions and one breakdown (the lane; or the HS chapter, for
    the headline stages), with bucket counts (a quarter-octave of minutes each) from which
    p50 and p90 are read, and the sum of minutes for the mean. The WCO Time Release Study,
    computed live from the facts' times, by whole months as such a study reports."""

    month = models.DateField()
    stage = models.CharField(max_length=30)
    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    breakdown = models.CharField(max_length=8)  # "lane", "chapter" or "filing"
    # the lane (green, …), the HS chapter, or when the import was lodged (pre/post arrival)
    value = models.CharField(max_length=6)
    bucket = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    KEY = STAGE_MONTH_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=STAGE_MONTH_KEY, name="stage_month_key")]
        indexes = [
            # a TRS page reads one breakdown over a range of months, every stage at once
            models.Index(fields=["breakdown", "month"], name="stage_month_read_idx"),
        ]


class CustomsDay(Rollup):
    """Customs decisions per day: releases, holds and rejections by hub, lane and the reason
    customs gave (as the declarant reads it), for the lane mix and the holds and rejections
    table. Counted once per decision: the outbox delivers each decision to it exactly once."""

    day = models.DateField()
    side = models.CharField(max_length=6)  # export or import
    hub = models.CharField(max_length=3)  # where customs decided
    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    lane = models.CharField(max_length=6)
    status = models.CharField(max_length=10)  # released, held, rejected
    reason = models.CharField(max_length=200)
    count = models.BigIntegerField(default=0)

    KEY = CUSTOMS_DAY_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=CUSTOMS_DAY_KEY, name="customs_day_key")]


class RollupWatermark(models.Model):
    """How far a rollup fed from an append-only table (ledger entries, conversions) has read:
    the last id counted. Locked while a catch-up runs, so two never count the same rows."""

    name = models.CharField(max_length=40, primary_key=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} {self.last_id}"


class MoneyDay(Rollup):
    """The ledger per day and measure (paid into escrow, released, refunded, duties paid,
    escrow's net movement, payouts sent and returned, fees), in each currency, with the hub,
    destination and sector the money belongs to where it has one."""

    day = models.DateField()
    measure = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    origin_hub = models.CharField(max_length=3)
    destination_country = models.CharField(max_length=2)
    sector = models.CharField(max_length=20)
    amount_minor = models.BigIntegerField(default=0)

    KEY = MONEY_DAY_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=MONEY_DAY_KEY, name="money_day_key")]


class FxDay(Rollup):
    """Currency conversions per day and pair: what was sold and bought."""

    day = models.DateField()
    from_currency = models.CharField(max_length=3)
    to_currency = models.CharField(max_length=3)
    conversions = models.BigIntegerField(default=0)
    from_minor = models.BigIntegerField(default=0)
    to_minor = models.BigIntegerField(default=0)

    KEY = FX_DAY_KEY

    class Meta:
        constraints = [models.UniqueConstraint(fields=FX_DAY_KEY, name="fx_day_key")]

"""Clearance as a continuous Time Release Study: p50, p90 and the mean of every stage from
arrival to delivery, overall and per hub, e-road, lane and HS chapter, read from the stage
histograms; imports lodged before arrival against those lodged after; the lane mix; holds
and rejections by reason."""

from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..filters import Filters
from ..models import CustomsDay, StageMonth
from ..names import (
    chapter_name,
    country_name,
    decision_name,
    filing_name,
    lane_name,
    side_name,
)
from ..stages import AFTER_ARRIVAL, BEFORE_ARRIVAL, STAGE_BY_NAME, STAGES, percentile
from ..tables import Column, Dashboard, Table, minutes_text

TIMES = [
    Column("p50", gettext_lazy("Median (p50)"), "minutes"),
    Column("p90", gettext_lazy("p90"), "minutes"),
    Column("mean", gettext_lazy("Mean"), "minutes"),
    Column("count", gettext_lazy("Consignments"), "int"),
]


def _summaries(rows, group) -> dict:
    """(group…, bucket, count, minutes) rows → group → (p50, p90, mean, count)."""
    histograms: dict = defaultdict(lambda: defaultdict(int))
    minutes: dict = defaultdict(int)
    for row in rows:
        key = tuple(row[name] for name in group)
        histograms[key][row["bucket"]] += row["count"]
        minutes[key] += row["minutes"]
    out = {}
    for key, histogram in histograms.items():
        count = sum(histogram.values())
        if count:
            out[key] = (
                percentile(histogram, 0.5),
                percentile(histogram, 0.9),
                minutes[key] / count,
                count,
            )
    return out


def _histogram_rows(filters: Filters, breakdown: str, *group, stages=None):
    """The histograms of every month the period touches (a Time Release Study reads whole
    months), summed per ``group`` and bucket."""
    rows = StageMonth.objects.filter(breakdown=breakdown, **filters.months())
    if stages:
        rows = rows.filter(stage__in=stages)
    return (
        rows.values(*group, "bucket")
        .annotate(count=Sum("count"), minutes=Sum("minutes"))
        .order_by()
    )


def clearance_dashboard(filters: Filters) -> Dashboard:
    lanes = list(
        _histogram_rows(filters, "lane", "stage", "value", "origin_hub", "destination_country")
    )
    overall = _summaries(lanes, ("stage",))
    by_lane = _summaries(lanes, ("stage", "value"))
    by_eroad = _summaries(lanes, ("stage", "origin_hub", "destination_country"))
    by_chapter = _summaries(
        _histogram_rows(filters, "chapter", "stage", "value"), ("stage", "value")
    )
    tables = [
        Table(
            "stages",
            _("Time release, stage by stage"),
            [Column("stage", _("Stage")), *TIMES],
            [(s.label, *overall[(s.name,)]) for s in STAGES if (s.name,) in overall],
            "bar",
            "stage",
            "p50",
            note=_(
                "By whole months, as a Time Release Study reports: a period that starts or "
                "ends mid-month counts that month."
            ),
        ),
        _breakdown(
            "by_lane",
            _("Customs stages by lane"),
            Column("value", _("Lane"), names=lane_name),
            by_lane,
            customs_only=True,
        ),
        Table(
            "by_eroad",
            _("By hub and e-road"),
            [Column("stage", _("Stage")), Column("eroad", _("E-road (hub → country)")), *TIMES],
            [
                (STAGE_BY_NAME[stage].label, f"{origin} → {country_name(destination)}", *times)
                for (stage, origin, destination), times in sorted(by_eroad.items())
            ],
            "none",
        ),
        _breakdown(
            "by_chapter",
            _("By HS chapter"),
            Column("value", _("HS chapter"), names=chapter_name),
            by_chapter,
        ),
        _filing_table(filters),
        *_customs_tables(filters),
    ]
    total = overall.get(("import_total",))
    return Dashboard(
        "clearance",
        _("Clearance (Time Release Study)"),
        tables,
        headline=[
            (_("Import: arrival → release, p50"), _text(total, 0)),
            (_("Import: arrival → release, p90"), _text(total, 1)),
            (_("Consignments timed"), f"{total[3]:,}" if total else "0"),
        ],
    )


def _filing_table(filters: Filters) -> Table:
    """Arrival → release of the imports lodged before the goods arrived (pre-arrival
    processing) against those lodged once they were there."""
    summaries = _summaries(
        _histogram_rows(filters, "filing", "stage", "value", stages=["import_total"]),
        ("value",),
    )
    return Table(
        "by_filing",
        _("Arrival to release of imports lodged before or after arrival"),
        [Column("value", _("Declaration lodged"), names=filing_name), *TIMES],
        [
            (filing, *summaries[(filing,)])
            for filing in (BEFORE_ARRIVAL, AFTER_ARRIVAL)
            if (filing,) in summaries
        ],
        "bar",
        "value",
        "p50",
        note=_(
            "Pre-arrival processing (WCO Revised Kyoto Convention, General Annex Standards "
            "3.25 and 3.26): a declaration lodged while the goods are in the air is assessed "
            "and routed before they land; a green or blue one is released at the landing scan."
        ),
    )


def _text(summary, index: int) -> str:
    return minutes_text(summary[index]) if summary else "—"


def _breakdown(key, title, breakdown: Column, summaries, customs_only=False) -> Table:
    rows = [
        (STAGE_BY_NAME[stage].label, value, *times)
        for (stage, value), times in sorted(summaries.items())
        if not customs_only or STAGE_BY_NAME[stage].lane
    ]
    return Table(key, title, [Column("stage", _("Stage")), breakdown, *TIMES], rows, "none")


def _customs_tables(filters: Filters) -> list[Table]:
    decided = CustomsDay.objects.filter(
        **filters.between("day", filters.date_from, filters.date_to)
    )
    mix = (
        decided.filter(status__in=["released", "rejected"])
        .values("side", "lane")
        .annotate(count=Sum("count"))
        .order_by("side", "lane")
    )
    totals: dict = defaultdict(int)
    for row in mix:
        totals[row["side"]] += row["count"]
    trouble = (
        decided.filter(status__in=["held", "rejected"])
        .values("hub", "status", "reason")
        .annotate(count=Sum("count"))
        .order_by("-count", "hub", "status", "reason")[:50]
    )
    return [
        Table(
            "lane_mix",
            _("Lane mix"),
            [
                Column("side", _("Export or import"), names=side_name),
                Column("lane", _("Lane"), names=lane_name),
                Column("count", _("Declarations"), "int"),
                Column("share", _("Share"), "percent"),
            ],
            [
                (
                    row["side"],
                    row["lane"],
                    row["count"],
                    row["count"] * 100 / (totals[row["side"]] or 1),
                )
                for row in mix
            ],
            "bar",
            "side,lane",
            "count",
        ),
        Table(
            "holds_rejections",
            _("Holds and rejections by reason"),
            [
                Column("hub", _("Hub")),
                Column("status", _("Decision"), names=decision_name),
                Column("reason", _("Reason")),
                Column("count", _("Declarations"), "int"),
            ],
            [(row["hub"], row["status"], row["reason"], row["count"]) for row in trouble],
            "none",
        ),
    ]

"""The stages of the journey a Time Release Study measures (WCO TRS Guide, 2018: arrival →
lodgement → assessment → payment → release → departure, here for both the export and the
import side, the flight between and the last mile), and the histogram they are kept in.

Pure: plain values in, plain values out (the labels are translated when shown)."""

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Stage:
    name: str
    label: str  # translated when shown
    start: str  # TradeFact fields
    end: str
    side: str  # export, transport or import: whose hub it happens at
    lane: str = ""  # the fact field naming the lane the stage ran in, for customs stages


STAGES = [
    Stage("export_lodgement", _("Export: lodgement → assessment"), "export_lodged_at",
          "export_assessed_at", "export", "export_lane"),
    Stage("export_assessment", _("Export: assessment → release"), "export_assessed_at",
          "export_released_at", "export", "export_lane"),
    Stage("export_floor", _("Export: at the hub → departure"), "received_at", "departed_at",
          "export", "export_lane"),
    Stage("flight", _("Flight: departure → arrival"), "departed_at", "arrived_at", "transport"),
    Stage("import_lodgement", _("Import: arrival → lodgement"), "arrived_at", "import_lodged_at",
          "import", "import_lane"),
    Stage("import_assessment", _("Import: lodgement → assessment"), "import_lodged_at",
          "import_assessed_at", "import", "import_lane"),
    Stage("import_payment", _("Import: assessment → payment (DDP)"), "import_assessed_at",
          "duties_paid_at", "import", "import_lane"),
    Stage("import_release", _("Import: assessment → release"), "import_assessed_at",
          "import_released_at", "import", "import_lane"),
    Stage("import_total", _("Import: arrival → release"), "arrived_at", "import_released_at",
          "import", "import_lane"),
    Stage("import_departure", _("Import: release → out for delivery"), "import_released_at",
          "out_for_delivery_at", "import", "import_lane"),
    Stage("last_mile", _("Delivery: out for delivery → delivered"), "out_for_delivery_at",
          "delivered_at", "transport"),
    Stage("door_to_door", _("Paid → delivered"), "paid_at", "delivered_at", "transport"),
]  # fmt: skip
STAGE_BY_NAME = {stage.name: stage for stage in STAGES}
# the stages also broken down by HS chapter: the headline of each side and the whole
CHAPTER_STAGES = ("export_assessment", "import_total", "door_to_door")
# The import's headline also broken down by when the declaration was lodged: before the goods
# arrived (pre-arrival processing, WCO Revised Kyoto Convention, General Annex Standards 3.25
# and 3.26) or after. The TRS Guide measures the gain of pre-arrival processing this way.
FILING_STAGES = ("import_total",)
BEFORE_ARRIVAL, AFTER_ARRIVAL = "pre", "post"


def filing_of(lodged_at, arrived_at) -> str:
    """BEFORE_ARRIVAL when the import was lodged before the goods arrived, AFTER_ARRIVAL
    otherwise (also when either time is unknown: nothing says it was lodged in advance)."""
    if lodged_at is not None and arrived_at is not None and lodged_at < arrived_at:
        return BEFORE_ARRIVAL
    return AFTER_ARRIVAL


# Quarter-octave buckets of minutes: bucket b holds [2^(b/4) - 1, 2^((b+1)/4) - 1), so an
# estimate read from a bucket is within 19 % of the true value; 88 buckets reach 4 years.
BUCKETS = 88


def bucket_of(minutes: int) -> int:
    return min(int(4 * math.log2(max(minutes, 0) + 1)), BUCKETS - 1)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    return 2 ** (bucket / 4) - 1, 2 ** ((bucket + 1) / 4) - 1


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The ``share`` (0.5 for p50) quantile of the minutes counted in ``histogram`` (bucket →
    count), interpolated within its bucket; None when nothing was counted."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = share * total
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if count and seen + count >= rank:
            low, high = bucket_bounds(bucket)
            return low + (high - low) * (rank - seen) / count
        seen += count
    return bucket_bounds(max(histogram))[1]

"""System checks of the customs settings: a wrong lane configuration is caught at start-up,
not by the first declaration routed with it."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def lane_settings_check(app_configs, **kwargs):
    errors = []
    thresholds = list(settings.CUSTOMS_LANE_THRESHOLDS)
    if len(thresholds) != 3 or thresholds != sorted(thresholds) or thresholds[0] <= 0:
        errors.append(
            Error(
                "CUSTOMS_LANE_THRESHOLDS is three rising scores (blue, yellow, red): 10,30,60.",
                id="customs.E001",
            )
        )
    targets = list(settings.CUSTOMS_LANE_TARGET_SHARES)
    if len(targets) != 4 or sum(targets) != 100 or min(targets) < 0:
        errors.append(
            Error(
                "CUSTOMS_LANE_TARGET_SHARES is four percentages (green, blue, yellow, red) "
                "that add up to 100, e.g. 70,15,10,5.",
                id="customs.E002",
            )
        )
    percent = settings.CUSTOMS_PCA_SAMPLE_PERCENT
    if not (percent.is_finite() and 0 <= percent <= 100):
        errors.append(
            Error(
                "CUSTOMS_PCA_SAMPLE_PERCENT is the share of green-lane releases audited after "
                "clearance, a percentage from 0 to 100, e.g. 2.",
                id="customs.E003",
            )
        )
    return errors

from enum import StrEnum


class AnalyticsErrorCode(StrEnum):
    # the dashboards' filters (analytics/filters.py)
    DESTINATION_UNKNOWN = "invalid_choice"  # not an ISO 3166 country code
    PERIOD_OUT_OF_RANGE = "period_out_of_range"  # a date before 2000 or after 2100
    PERIOD_REVERSED = "period_reversed"  # the period starts after it ends
    PERIOD_TOO_LONG = "period_too_long"  # longer than five years (MAX_DAYS)

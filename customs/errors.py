from enum import StrEnum


class CustomsErrorCode(StrEnum):
    # tariff schedules (customs/services/tariff_schedules.py)
    TARIFF_INVALID = "tariff_invalid"  # the request or a bundled file is wrong
    # customs officers load their own country's schedules; administrators any
    TARIFF_NOT_ALLOWED = "tariff_not_allowed"
    TARIFF_BUSY = "tariff_busy"  # another version of the edition was loaded at the same time
    # classification by the destination's officers (customs/services/classification.py)
    CLASSIFICATION_INVALID = "classification_invalid"
    CLASSIFICATION_CLOSED = "classification_closed"  # decided already, or no longer waiting
    NOT_YOUR_HUB = "not_your_hub"
    # a duty quote for goods the tariff has no line for (customs/services/quotes.py)
    QUOTE_UNAVAILABLE = "quote_unavailable"

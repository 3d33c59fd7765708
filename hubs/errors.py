from enum import StrEnum


class HubsErrorCode(StrEnum):
    AIRPORT_UNKNOWN = "airport_unknown"
    HUB_EXISTS = "hub_exists"
    EROAD_EXISTS = "eroad_exists"
    EROAD_CIRCULAR = "eroad_circular"
    TRANSIT_DAYS_INVALID = "transit_days_invalid"
    MEMBER_EXISTS = "member_exists"
    LANGUAGE_UNSUPPORTED = "language_unsupported"

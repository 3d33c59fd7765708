from enum import StrEnum


class LogisticsErrorCode(StrEnum):
    PARCEL_INVALID = "parcel_invalid"
    PARCEL_UNKNOWN = "parcel_unknown"
    PARCEL_STATE = "parcel_state"
    NOT_YOUR_HUB = "not_your_hub"
    FLIGHT_INVALID = "flight_invalid"
    FLIGHT_STATE = "flight_state"
    CARRIER_UNKNOWN = "carrier_unknown"

"""The codes of the logistics app's refusals (ewtp/common/errors.py): API clients and tests
read the values, so a value never changes once published."""

from enum import StrEnum


class LogisticsErrorCode(StrEnum):
    PARCEL_INVALID = "parcel_invalid"
    PARCEL_UNKNOWN = "parcel_unknown"
    # a parcel's move outside Parcel.TRANSITIONS, or a step it is not ready for (weighing
    # before it was received)
    PARCEL_STATE = "parcel_state"
    NOT_YOUR_HUB = "not_your_hub"  # an operator or officer of another hub
    NOT_SELLER = "not_seller"  # packing or booking for an order of another seller
    FLIGHT_INVALID = "flight_invalid"
    FLIGHT_STATE = "flight_state"  # a flight's move outside Flight.TRANSITIONS
    CARRIER_UNKNOWN = "carrier_unknown"
    # a numbering series has run out: a carrier's master waybills, a hub's house waybills
    MAWB_EXHAUSTED = "mawb_exhausted"
    HAWB_EXHAUSTED = "hawb_exhausted"
    # a portal page's own form refused before any service ran (a scale reading, an unknown
    # floor action, a schedule file that is missing, too large or not UTF-8)
    FORM_INVALID = "invalid"

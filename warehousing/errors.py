"""The codes of the warehousing app's refusals (ewtp/common/errors.py): API clients and tests
read the values, so a value never changes once published."""

from enum import StrEnum


class WarehousingErrorCode(StrEnum):
    WAREHOUSE_UNKNOWN = "warehouse_unknown"
    # bonded stock is sold as retail imports: to a consumer, duty paid (warehousing/law.py)
    CONSUMERS_ONLY = "consumers_only"
    DUTY_PAID_ONLY = "duty_paid_only"
    NOT_YOUR_HUB = "not_your_hub"  # an operator or officer of another hub
    NOT_SELLER = "not_seller"  # a shipment or stock of another seller
    INBOUND_INVALID = "inbound_invalid"
    # a move outside a model's TRANSITIONS (receiving a shipment twice, approving twice)
    INBOUND_STATE = "inbound_state"
    ADJUSTMENT_STATE = "adjustment_state"
    FULFILMENT_STATE = "fulfilment_state"
    ADJUSTMENT_INVALID = "adjustment_invalid"
    ADJUSTMENT_WAITING = "adjustment_waiting"  # another adjustment of the lot waits for an officer
    COUNT_OUTDATED = "count_outdated"  # the lot changed since it was counted
    # stock that is not there: more reserved than on hand, a lot that is empty
    OUT_OF_STOCK = "out_of_stock"
    RETURN_INVALID = "return_invalid"
    # a return window of a bonded retail import has passed (GACC Announcement 2018 No. 194),
    # or the order is paid out and a return can no longer be refunded
    RETURN_TOO_LATE = "return_too_late"
    FORM_INVALID = "invalid"

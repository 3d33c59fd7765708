"""The pipeline's error codes, and the other apps' refusals its steps react to."""

from enum import StrEnum

from customs.errors import CustomsErrorCode
from ewtp.common.errors import CommonErrorCode


class PipelineErrorCode(StrEnum):
    # the credit page was sent a reference that names none of the organisation's applications
    CREDIT_APPLICATION_UNKNOWN = "unknown"


# Refusals of customs that are about the hub's data, not the goods (a customs rate or a
# regime parameter not loaded yet, a reference rate too old): the step raises again and the
# outbox delivers its event later; nobody is e-mailed.
RETRY_LATER = {
    CustomsErrorCode.CUSTOMS_RATE_MISSING,
    CustomsErrorCode.REGIME_PARAMETER_MISSING,
    CommonErrorCode.FX_RATE_STALE,
}

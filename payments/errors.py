from enum import StrEnum

from ewtp.common.errors import ConflictError


class PaymentsErrorCode(StrEnum):
    UNBALANCED = "ledger_unbalanced"
    CURRENCY_MISMATCH = "ledger_currency_mismatch"
    PRECISION = "ledger_precision"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    ALREADY_REVERSED = "already_reversed"
    IDEMPOTENCY_CONFLICT = "ledger_idempotency_conflict"
    NO_PAYMENT_EXPECTED = "no_payment_expected"
    BANK_REFERENCE_REUSED = "bank_reference_reused"


class InsufficientFunds(ConflictError):
    """The account would go below zero (409: retrying will not help until funds arrive)."""

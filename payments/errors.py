from enum import StrEnum

from ewtp.common.errors import ApplicationError, ConflictError


class PaymentsErrorCode(StrEnum):
    UNBALANCED = "ledger_unbalanced"
    CURRENCY_MISMATCH = "ledger_currency_mismatch"
    PRECISION = "ledger_precision"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    ALREADY_REVERSED = "already_reversed"
    IDEMPOTENCY_CONFLICT = "ledger_idempotency_conflict"
    NO_PAYMENT_EXPECTED = "no_payment_expected"
    NO_PAYMENT_REQUESTED = "no_payment_requested"  # an order's payment asked for too early
    BANK_REFERENCE_REUSED = "bank_reference_reused"
    # treasury: FX settlement with the banks, and their statements (camt.053)
    TREASURY_BUSY = "treasury_busy"
    STATEMENT_TOO_LARGE = "statement_too_large"
    STATEMENT_NOT_XML = "statement_not_xml"
    STATEMENT_XML_FORBIDDEN = "statement_xml_forbidden"
    STATEMENT_MESSAGE = "statement_message"
    STATEMENT_SCHEMA = "statement_schema"
    STATEMENT_CONTENT = "statement_content"
    STATEMENT_ACCOUNT = "statement_account"
    STATEMENT_CONFLICT = "statement_conflict"
    # the reference-rate feed (payments/services/fx_feeds.py): a document refused
    FX_FEED_TOO_LARGE = "fx_feed_too_large"
    FX_FEED_NOT_XML = "fx_feed_not_xml"
    FX_FEED_XML_FORBIDDEN = "fx_feed_xml_forbidden"
    FX_FEED_CONTENT = "fx_feed_content"
    # the hub's collection accounts (payments/models/collection.py): one refused
    COLLECTION_ACCOUNT_CURRENCY = "collection_account_currency"
    COLLECTION_ACCOUNT_BANK = "collection_account_bank"
    COLLECTION_ACCOUNT_IN_USE = "collection_account_in_use"
    # duty and tax found short paid by a customs audit (payments/services/audit_duties.py)
    AUDIT_DUTIES_INVALID = "audit_duties_invalid"


class InsufficientFunds(ConflictError):
    """The account would go below zero (409: retrying will not help until funds arrive)."""


class StatementTooLarge(ApplicationError):
    """A statement file over STATEMENT_MAX_BYTES (413, as the middleware answers a body
    whose Content-Length says so)."""

    status = 413

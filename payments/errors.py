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
    # a DDP order's assessed duties given in another currency, or negative
    DUTIES_INVALID = "duties_invalid"
    FX_RATE_MISSING = "fx_rate_missing"

    # a move its model's TRANSITIONS do not allow (409)
    PAYMENT_INTENT_TRANSITION = "payment_intent_transition"
    PAYOUT_TRANSITION = "payout_transition"
    LOAN_TRANSITION = "loan_transition"
    INSTALMENT_TRANSITION = "instalment_transition"
    TREASURY_SETTLEMENT_TRANSITION = "treasury_settlement_transition"

    # the caller acts for no one who may do this (403)
    NOT_OWNER = "not_owner"  # not an owner of the organisation
    NOT_BUYER = "not_buyer"
    NOT_OFFICER = "not_officer"
    NOT_YOUR_APPLICATION = "not_your_application"  # a bank deciding another bank's case

    # escrow and disputes (payments/services/escrow.py)
    ESCROW_NOT_RELEASABLE = "escrow_not_releasable"
    ESCROW_EMPTY = "escrow_empty"
    ESCROW_NOT_REFUNDABLE = "escrow_not_refundable"
    CLAIM_SHARE = "claim_share"  # a claim's share of the goods is not within 0 to 1
    CLAIM_NOT_REFUNDABLE = "claim_not_refundable"
    DISPUTE_REASON = "dispute_reason"
    DISPUTE_DECISION = "dispute_decision"
    NOT_DISPUTED = "not_disputed"

    # payouts (payments/services/payouts.py)
    NO_PAYOUT_BANK = "no_payout_bank"  # no partner bank is granted payouts:write
    PAYOUT_ACCOUNT_MISSING = "payout_account_missing"
    # an MDEC officer is checking the account is in the organisation's legal name
    PAYOUT_ACCOUNT_IN_REVIEW = "payout_account_in_review"
    # the officer refused the account, or a bank rejected the last payout to it
    PAYOUT_ACCOUNT_REJECTED = "payout_account_rejected"
    PAYOUT_AMOUNT = "payout_amount"
    PAYOUT_UNKNOWN = "payout_unknown"
    PAYOUT_REASON = "payout_reason"  # a rejection without an ISO 20022 reason code

    # credit (payments/services/credit.py, loans.py)
    CREDIT_INVALID = "credit_invalid"
    SCORE_STALE = "stale"  # the score an application names is over a day old
    NO_OFFER = "no_offer"
    LOAN_ACTIVE = "loan_active"
    APPLICATION_OPEN = "application_open"
    APPLICATION_DECIDED = "application_decided"
    # drawn or decided against: it can no longer be withdrawn
    APPLICATION_CLOSED = "closed"
    NOT_APPROVED = "not_approved"  # drawn before the approval
    LOAN_REPAID = "loan_repaid"
    BALANCE_SHORT = "balance_short"  # an early repayment the balance cannot cover

    # a bank's statement of the hub's account, asked over the API (statements.py)
    NO_ACCOUNT = "no_account"
    STATEMENT_PERIOD = "statement_period"
    STATEMENT_PAGE = "statement_page"


class InsufficientFunds(ConflictError):
    """The account would go below zero (409: retrying will not help until funds arrive)."""


class StatementTooLarge(ApplicationError):
    """A statement file over STATEMENT_MAX_BYTES (413, as the middleware answers a body
    whose Content-Length says so)."""

    status = 413

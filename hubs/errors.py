from enum import StrEnum


class HubsErrorCode(StrEnum):
    AIRPORT_UNKNOWN = "airport_unknown"
    HUB_EXISTS = "hub_exists"
    EROAD_EXISTS = "eroad_exists"
    EROAD_CIRCULAR = "eroad_circular"
    TRANSIT_DAYS_INVALID = "transit_days_invalid"
    MEMBER_EXISTS = "member_exists"
    LANGUAGE_UNSUPPORTED = "language_unsupported"
    EMAIL_TAKEN = "email_taken"
    ORGANIZATION_EXISTS = "organization_exists"
    INVITATION_INVALID = "invitation_invalid"
    KYC_TRANSITION = "kyc_transition"
    KYC_DOCUMENT_INVALID = "kyc_document_invalid"
    KYC_INCOMPLETE = "kyc_incomplete"
    NOT_APPROVED = "not_approved"
    PAYOUT_ACCOUNT_NOT_HELD = "payout_account_not_held"
    PAYOUT_ACCOUNT_REVIEW = "payout_account_review"
    API_CLIENT_UNKNOWN = "api_client_unknown"
    API_CLIENT_REVOKED = "api_client_revoked"
    PRODUCT_INVALID = "product_invalid"
    # a listing file refused whole, before any row is imported (hubs/import_files.py)
    IMPORT_FILE_UNREADABLE = "import_file_unreadable"
    IMPORT_COLUMNS = "import_columns"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_TOO_LARGE = "import_too_large"
    ORDER_INVALID = "order_invalid"
    ORDER_TRANSITION = "order_transition"
    OUT_OF_STOCK = "out_of_stock"
    NO_EROAD = "no_eroad"
    # a shipping or cargo insurance rate the hub cannot publish (hubs.services.carriage)
    RATE_INVALID = "rate_invalid"

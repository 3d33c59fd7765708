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
    PRODUCT_INVALID = "product_invalid"
    ORDER_INVALID = "order_invalid"
    ORDER_TRANSITION = "order_transition"
    OUT_OF_STOCK = "out_of_stock"
    NO_EROAD = "no_eroad"

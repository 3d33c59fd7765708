"""The codes of the hubs app's refusals (ewtp/common/errors.py): API clients and tests read
the values, so a value never changes once published."""

from enum import StrEnum


class HubsErrorCode(StrEnum):
    # the actor holds no seat or role for this act
    NOT_MEMBER = "not_member"  # not a member of the organisation it acts for
    NOT_OWNER = "not_owner"  # not an owner of the organisation, or not the listing's seller
    NOT_REVIEWER = "not_reviewer"  # not an MDEC officer
    NOT_PARTY = "not_party"  # neither the buyer nor the seller of the order
    # what an API request names does not exist for its caller
    SELLER_UNKNOWN = "seller_unknown"
    HUB_UNKNOWN = "hub_unknown"
    PRODUCT_UNKNOWN = "product_unknown"
    AIRPORT_UNKNOWN = "airport_unknown"
    HUB_EXISTS = "hub_exists"
    EROAD_EXISTS = "eroad_exists"
    EROAD_CIRCULAR = "eroad_circular"
    TRANSIT_DAYS_INVALID = "transit_days_invalid"
    MEMBER_EXISTS = "member_exists"
    LANGUAGE_UNSUPPORTED = "language_unsupported"
    EMAIL_TAKEN = "email_taken"
    ORGANIZATION_EXISTS = "organization_exists"
    # an official's posting: customs officers and hub operators work at one hub, no one else
    OFFICIAL_HUB_REQUIRED = "official_hub_required"
    OFFICIAL_HUB_NOT_POSTED = "official_hub_not_posted"
    # registration numbers, bank details and identity numbers (hubs.validators)
    REGISTRATION_NUMBER_REQUIRED = "required"
    REGISTRATION_NUMBER_TOO_LONG = "max_length"
    SSM_FORMAT = "ssm_format"
    SSM_YEAR = "ssm_year"
    SSM_ENTITY_TYPE = "ssm_entity_type"
    USCC_FORMAT = "uscc_format"  # China's unified social credit code
    USCC_CHECK = "uscc_check"
    BIC_FORMAT = "bic_format"
    BIC_COUNTRY = "bic_country"
    ACCOUNT_NUMBER = "account_number"
    CN_ID_FORMAT = "cn_id_format"  # China's resident identity card number (GB 11643)
    CN_ID_CHECK = "cn_id_check"
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
    SKU_TAKEN = "sku_taken"
    # the listing form's field rules (hubs.forms.catalogue, hubs.hs)
    SKU_FORMAT = "sku_format"
    COUNTRY_UNKNOWN = "invalid_choice"  # Django's own code for a value outside the choices
    PRICE_PRECISION = "price_precision"  # more decimals than the currency's minor unit
    WEIGHT_RANGE = "weight_range"
    DIMENSION_RANGE = "dimension_range"
    STOCK_RANGE = "stock_range"
    HS_FORMAT = "hs_format"
    HS_UNKNOWN = "hs_unknown"  # not a subheading of the HS 2022 nomenclature
    # a listing file refused whole, before any row is imported (hubs/import_files/)
    IMPORT_FILE_UNREADABLE = "import_file_unreadable"
    IMPORT_COLUMNS = "import_columns"
    IMPORT_TOO_MANY_ROWS = "import_too_many_rows"
    IMPORT_TOO_LARGE = "import_too_large"
    # an import moved out of turn (a finished one picked up again)
    PRODUCT_IMPORT_TRANSITION = "product_import_transition"
    ORDER_INVALID = "order_invalid"
    # a sales channel's API client may order for a consumer; an organisation's may not
    CONSUMER_NOT_ALLOWED = "consumer_not_allowed"
    # the portal's cart holds one seller's goods (one order, one seller)
    CART_OTHER_SELLER = "cart_other_seller"
    DUTIES_INVALID = "duties_invalid"
    ORDER_TRANSITION = "order_transition"
    OUT_OF_STOCK = "out_of_stock"
    NO_EROAD = "no_eroad"
    # a shipping or cargo insurance rate the hub cannot publish (hubs.services.carriage)
    RATE_INVALID = "rate_invalid"

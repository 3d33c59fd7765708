from enum import StrEnum


class CustomsErrorCode(StrEnum):
    # goods declarations: filing, the officers' work, the API (customs/services/filing.py,
    # decisions.py, inspection.py, customs/api/)
    DECLARATION_INVALID = "declaration_invalid"  # a field is wrong: extra["field"] says which
    # the order has a live (not cancelled or rejected) declaration under the regime already
    DECLARATION_EXISTS = "declaration_exists"
    # the declaration's status does not allow it (an illegal move, or work on a closed one)
    DECLARATION_TRANSITION = "declaration_transition"
    DECLARATION_UNKNOWN = "declaration_unknown"  # not a declaration of the caller's
    # the order, payment and waybill records disagree (three-record match): no release
    RECORDS_DIFFER = "records_differ"
    DECLARATION_NOTE_INVALID = "declaration_note_invalid"  # an officer's request or finding
    DECLARATION_DOCUMENT_INVALID = "declaration_document_invalid"  # a declarant's upload
    NOT_DECLARANT = "not_declarant"  # only the declarant's members supply its documents
    HUB_UNKNOWN = "hub_unknown"
    ORDER_UNKNOWN = "order_unknown"  # not one of the declaring organisation's sales
    QUOTE_INVALID = "quote_invalid"  # a field of a duty quote is wrong
    # refusals of the tariff shared by filing and the duty engine
    HS_UNKNOWN = "hs_unknown"  # not an HS 2022 code, or no tariff line for it
    GOODS_PROHIBITED = "goods_prohibited"  # the tariff line prohibits the goods
    CERTIFICATE_MISSING = "certificate_missing"  # a preferential claim names no certificate
    # a regime's dated parameter (or the CBEC positive list) is not in force on the date
    REGIME_PARAMETER_MISSING = "regime_parameter_missing"
    # customs has no exchange rate of its own for the currency on or before the date
    CUSTOMS_RATE_MISSING = "customs_rate_missing"
    # tariff schedules (customs/services/tariff_schedules.py)
    TARIFF_INVALID = "tariff_invalid"  # the request or a bundled file is wrong
    # customs officers load their own country's schedules; administrators any
    TARIFF_NOT_ALLOWED = "tariff_not_allowed"
    TARIFF_BUSY = "tariff_busy"  # another version of the edition was loaded at the same time
    # classification by the destination's officers (customs/services/classification.py)
    CLASSIFICATION_INVALID = "classification_invalid"
    CLASSIFICATION_CLOSED = "classification_closed"  # decided already, or no longer waiting
    NOT_YOUR_HUB = "not_your_hub"
    # a duty quote for goods the tariff has no line for (customs/services/quotes.py)
    QUOTE_UNAVAILABLE = "quote_unavailable"
    # post-clearance audit (customs/services/audits.py)
    AUDIT_INVALID = "audit_invalid"  # the corrected values or the reason are wrong
    AUDIT_DONE = "audit_done"  # audited already
    # permits of other agencies (customs/services/permits.py)
    PERMIT_INVALID = "permit_invalid"  # the permit's details are wrong, or its number is taken
    PERMIT_NOT_ALLOWED = "permit_not_allowed"  # only a hub's customs officers register permits
    PERMIT_MISSING = "permit_missing"  # released only against a permit that covers the goods
    # LVG registration and its return (customs/services/lvg.py)
    LVG_INVALID = "lvg_invalid"  # a number, date or reason is wrong
    LVG_NOT_OWNER = "lvg_not_owner"  # the organisation's owners enter its registration
    # a registration of the seller is in force already, or the number is another seller's
    LVG_IN_FORCE = "lvg_in_force"
    LVG_CANCELLED = "lvg_cancelled"  # cancelled: it is history and cannot be changed
    # a declaration says the goods were sold by a registered seller without a registration of
    # the seller in force on its date
    LVG_NOT_REGISTERED = "lvg_not_registered"
    # preferential origin and certificates of origin (customs/services/origin.py, certificates.py)
    ORIGIN_INVALID = "origin_invalid"  # a field of the origin declaration is wrong
    # the exporter's members file its origin declarations (catalogue or trade permission)
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    ORIGIN_NOT_PARTY = "origin_not_party"  # the origin is not a party to the agreement
    IMPORTING_NOT_PARTY = "importing_not_party"  # nor the importing country
    # both are parties, but the agreement gives no preference between them (two ASEAN
    # members trade under ATIGA, not ACFTA)
    ORIGIN_NOT_PARTNER = "origin_not_partner"
    ORIGIN_FAILED = "origin_failed"  # a certificate is issued only from a passed declaration
    CERTIFICATE_ISSUED = "certificate_issued"  # the declaration has its certificate already
    CERTIFICATE_INVALID = "certificate_invalid"  # what the issue or revocation names is wrong
    # a preferential claim whose certificate is unknown, revoked, expired or does not cover
    # the goods (the duty engine refuses it)
    CERTIFICATE_NOT_VALID = "certificate_not_valid"
    # accepted before arrival: the landing scan releases it, not an officer's release
    AWAITING_ARRIVAL = "awaiting_arrival"
    # the duty engine (customs/services/duty.py) and the tariff in force
    # an HS code split into national lines with different rates: declare the national line
    HS_AMBIGUOUS = "hs_ambiguous"
    REGIME_UNKNOWN = "regime_unknown"
    ITEMS_MISSING = "items_missing"  # a consignment without items

from enum import StrEnum


class CustomsErrorCode(StrEnum):
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

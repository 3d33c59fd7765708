"""The trade rules a deployment may tune: upload limits, payment windows, logistics,
customs selectivity, money and FX, payouts, webhooks, credit, the journey's stuck times."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ewtp.common import currencies

from .environment import BASE_DIR, env

INVITATION_TTL = timedelta(days=env.int("INVITATION_TTL_DAYS", default=7))
KYC_MAX_UPLOAD_BYTES = env.int("KYC_MAX_UPLOAD_MB", default=10) * 1024 * 1024
PRODUCT_IMPORT_MAX_BYTES = env.int("PRODUCT_IMPORT_MAX_MB", default=20) * 1024 * 1024
CUSTOMS_DOCUMENT_MAX_BYTES = env.int("CUSTOMS_DOCUMENT_MAX_MB", default=10) * 1024 * 1024
# A partner bank's camt.053 statement sent for reconciliation (portal upload or API).
STATEMENT_MAX_BYTES = env.int("STATEMENT_MAX_MB", default=10) * 1024 * 1024
PRODUCT_IMPORT_MAX_ROWS = env.int("PRODUCT_IMPORT_MAX_ROWS", default=50_000)
# An order not paid within this time expires and its stock is released.
ORDER_PAYMENT_WINDOW = timedelta(hours=env.int("ORDER_PAYMENT_WINDOW_HOURS", default=48))
# Logistics: a measured weight further than this from the declared one flags the parcel and
# tells customs; parcels board flights departing at least this long after the run.
PARCEL_WEIGHT_TOLERANCE_PERCENT = Decimal(env("PARCEL_WEIGHT_TOLERANCE_PERCENT", default="10"))
CONSOLIDATION_CUTOFF_MINUTES = env.int("CONSOLIDATION_CUTOFF_MINUTES", default=120)
# Customs selectivity: scores from these thresholds go blue, yellow, red (below: green); the
# seed makes random selection reproducible (change it to draw a new sample).
CUSTOMS_LANE_THRESHOLDS = tuple(env.list("CUSTOMS_LANE_THRESHOLDS", cast=int, default=[10, 30, 60]))
CUSTOMS_RISK_SEED = env("CUSTOMS_RISK_SEED", default="ewtp-2026")
# The share of declarations each lane should take (percent; green, blue, yellow, red): the
# workbench shows the actual mix next to it, so thresholds and weights can be tuned.
CUSTOMS_LANE_TARGET_SHARES = tuple(
    env.list("CUSTOMS_LANE_TARGET_SHARES", cast=int, default=[70, 15, 10, 5])
)
# Three-record match: amounts agree within this percentage (rounding, card fees).
CUSTOMS_MATCH_TOLERANCE_PERCENT = env.float("CUSTOMS_MATCH_TOLERANCE_PERCENT", default=1)
# The stuck sweeper: a declaration in an automatic state (submitted, assessed) longer than
# this is re-driven and reported; one waiting for an officer (lane, held) longer than the
# second is reported to the hub's officers.
CUSTOMS_STUCK_AUTOMATIC_MINUTES = env.int("CUSTOMS_STUCK_AUTOMATIC_MINUTES", default=10)
CUSTOMS_STUCK_QUEUED_HOURS = env.int("CUSTOMS_STUCK_QUEUED_HOURS", default=24)
# Post-clearance audit: every declaration released from the blue lane enters the hub's audit
# worklist, and this share (percent, 0 to 100) of green-lane releases too, drawn from a hash
# of the declaration's reference, so a repeated release event never changes the draw.
CUSTOMS_PCA_SAMPLE_PERCENT = Decimal(env("CUSTOMS_PCA_SAMPLE_PERCENT", default="2"))
# Buyers pay in one of these (each needs a reference rate); sellers are settled in their own.
# django-money: money fields take any ISO 4217 code; the list is fixed in the repository so
# that the schema does not follow CLDR's currency names (see ewtp/common/currencies.py)
CURRENCY_CHOICES = currencies.CURRENCY_CHOICES
# What the layers above the catalogue say of a listing when it is saved (hubs.listing_checks)
LISTING_CHECKS = ["customs.listing.listing_tariff_warnings"]
# Today's reference rate for a hub's shipping rate published in another currency than the
# seller's (hubs.services.carriage): the payments layer's rates, asked without depending on it
CHARGES_FX_RATE = "payments.services.fx.fx_reference_rate"
# Where each app tells what waits for a person (hubs.todo): home pages and order pages.
TODO_SOURCES = [
    "hubs.todo.trade_todos",
    "logistics.todo.parcel_todos",
    "customs.todo.declaration_todos",
]
PAYMENT_CURRENCIES = env.list(
    "PAYMENT_CURRENCIES", default=["MYR", "CNY", "USD", "SGD", "THB", "EUR"]
)
# Whom a buyer writes to when the hub has published no collection account for the currency
# it pays in (the payment page says so instead of an account to pay into).
PAYMENTS_DESK_EMAIL = env("PAYMENTS_DESK_EMAIL", default="payments@ewtp-hub.example")
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
# Upload pages (by URL name) and the setting that holds the largest file each takes: a larger
# request is refused on its Content-Length, unread (ewtp.common.middleware). Any other
# request body may be up to DATA_UPLOAD_MAX_MEMORY_SIZE.
UPLOAD_LIMITS = {
    "hubs:verification": "KYC_MAX_UPLOAD_BYTES",
    "hubs:import_list": "PRODUCT_IMPORT_MAX_BYTES",
    "customs:my_declaration": "CUSTOMS_DOCUMENT_MAX_BYTES",
    "payments:reconciliations": "STATEMENT_MAX_BYTES",
    "api-reconciliations": "STATEMENT_MAX_BYTES",
}
# After the delivered scan the buyer has this long to confirm or dispute; then escrow is released.
ESCROW_CONFIRMATION_WINDOW = timedelta(days=env.int("ESCROW_CONFIRMATION_DAYS", default=10))
# FX: where reference rates come from (a class with fetch() and name/base; the beat task
# also keeps each document it fetches), and the hub's margin on conversions, taken from what
# the receiver gets. Here the recorded copy of the ECB's daily feed (payments/data), which
# needs no network; production reads the live feed (payments.services.fx_feeds.EcbDailyFeed).
FX_RATE_SOURCE = env("FX_RATE_SOURCE", default="payments.services.fx_feeds.EcbRecordedFeed")
FX_SPREAD_PERCENT = Decimal(env("FX_SPREAD_PERCENT", default="0.50"))
# The live feed (one https GET: a timeout on each network step, twice it for the whole answer,
# at most this many bytes: the daily document is under 2 KB), and the file the recorded
# source reads.
FX_FEED_URL = env(
    "FX_FEED_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
)
FX_FEED_TIMEOUT_SECONDS = env.int("FX_FEED_TIMEOUT_SECONDS", default=10)
FX_FEED_MAX_BYTES = env.int("FX_FEED_MAX_BYTES", default=256 * 1024)
FX_FEED_FILE = Path(
    env("FX_FEED_FILE", default=str(BASE_DIR / "payments/data/ecb-eurofxref-daily-recorded.xml"))
)
# Today's conversions (payment quotes, settlements, customs valuations) refuse a reference
# rate more than this many TARGET business days old (ewtp.common.rate_age); past dates
# still use the rate in force then. Four days ride out a long weekend and a failed day.
FX_MAX_RATE_AGE_DAYS = env.int("FX_MAX_RATE_AGE_DAYS", default=4)
if FX_MAX_RATE_AGE_DAYS < 1:
    raise ImproperlyConfigured("FX_MAX_RATE_AGE_DAYS is at least 1 (business day)")
# Show beside every page that the rates are indicative, with their date (the demo).
FX_RATES_INDICATIVE = env.bool("FX_RATES_INDICATIVE", default=False)
# How the hub names itself as the debtor of payout transfers (pain.001).
PAYOUT_DEBTOR_NAME = env("PAYOUT_DEBTOR_NAME", default="eWTP Hub")
PAYOUT_DEBTOR_BIC = env("PAYOUT_DEBTOR_BIC", default="MBBEMYKL")
# Reconciliation: a bank's statement entry and a ledger entry booked this many days apart
# still match (a transfer booked before midnight at one end and after it at the other).
RECONCILIATION_DATE_TOLERANCE_DAYS = env.int("RECONCILIATION_DATE_TOLERANCE_DAYS", default=1)
# Webhooks to partners: attempts before giving up, the receiver's time to answer, and whether
# plain-http URLs are accepted (only for local receivers in development).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_MAX_ENDPOINTS = env.int("WEBHOOK_MAX_ENDPOINTS", default=10)
# Webhooks reach only public addresses (ewtp.common.outbound). These networks are exempt:
# none in production; a developer's loopback receiver locally and in the tests.
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
# Resolve every outbound host name to this address instead of asking DNS (tests only).
OUTBOUND_RESOLVE_TO = env("OUTBOUND_RESOLVE_TO", default="")
# The demo's "test bank transfer" button pays an order without a bank (never in production).
TEST_BANK_TRANSFERS = env.bool("TEST_BANK_TRANSFERS", default=False)
# The demo's tools for officers showing the hub: the fast-forward of an order on its page
# (demo/fast_forward.py) does now, through the same services, what would take
# days, the carriers or the bank. Never in production; off, its page does not exist.
DEMO_TOOLS = env.bool("DEMO_TOOLS", default=False)

# Credit lines: the largest line, the largest one decided automatically (standard cases), and
# the share of every settlement that goes to the loan until the started instalments are met.
CREDIT_MAX_LIMIT = Decimal(env.str("CREDIT_MAX_LIMIT_MYR", default="200000"))
CREDIT_AUTO_APPROVE_LIMIT = Decimal(env.str("CREDIT_AUTO_APPROVE_MYR", default="50000"))
CREDIT_REPAYMENT_SHARE_PERCENT = Decimal(env.str("CREDIT_REPAYMENT_SHARE_PERCENT", default="20"))

# The journey's sweeper drives an order's step again (placed, paid, completed), then reports
# it to the MDEC officers, when it has stayed in one of these statuses this many hours.
PIPELINE_STUCK_HOURS = {
    "placed": env.int("PIPELINE_STUCK_PLACED_HOURS", default=1),
    "paid": env.int("PIPELINE_STUCK_PAID_HOURS", default=12),
    "in_customs": env.int("PIPELINE_STUCK_IN_CUSTOMS_HOURS", default=72),
    "shipped": env.int("PIPELINE_STUCK_SHIPPED_HOURS", default=24 * 14),
    "completed": env.int("PIPELINE_STUCK_COMPLETED_HOURS", default=48),  # no payout yet
}

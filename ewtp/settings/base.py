"""Settings shared by every environment.

Configuration comes only from environment variables, read through one strict reader
(django-environ). Defaults here are the embedded ones: SQLite and a filesystem Celery broker
under var/, so a fresh clone runs with nothing but Python. ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL and Redis.
"""

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ewtp.common import currencies
from ewtp.common.http import proxy_networks

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Embedded state of a machine without services (SQLite, broker files, uploads, static).
for _folder in ("celery/broker", "celery/control", "media", "static"):
    os.makedirs(VAR_DIR / _folder, exist_ok=True)

# --- Core -----------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # third party
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "djmoney",
    "django_htmx",
    "csp",
    "axes",
    # the hub
    "ewtp.common",
    "pipeline",
    # the demo world and its tools: development and demos (production leaves it out)
    "demo",
    "hubs",
    "payments",
    "customs",
    "logistics",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: it sees every response, the error pages of the others included.
    "ewtp.common.middleware.NoStoreForCallersMiddleware",
    "ewtp.common.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-csp's, with a fixed strict policy for the API's answers to a bearer token
    "ewtp.common.middleware.ContentSecurityPolicyMiddleware",
    # "Portal…": Django's own, which a call to the API with a bearer token passes by (it
    # never reads the session; ewtp.common.middleware.PortalOnly)
    "ewtp.common.middleware.PortalSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "ewtp.common.middleware.PortalAuthenticationMiddleware",
    "hubs.middleware.ViewerTimeZoneMiddleware",
    # Before anything reads the body (the CSRF check of a form, DRF's authentication, views),
    # and after the user and the language are known, for the portal's refusal page.
    "ewtp.common.middleware.RequestBodyGuardMiddleware",
    "ewtp.common.middleware.PortalMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of authentication on the login form.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ewtp.urls"
CSRF_FAILURE_VIEW = "ewtp.urls.csrf_failure"
WSGI_APPLICATION = "ewtp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hubs.context_processors.portal",
                "payments.context_processors.fx_rates_notice",
                "demo.context_processors.demo_tools",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ewtp.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat against one SQLite file: wait for the write lock
    # instead of failing, and take it at BEGIN so that two writers never deadlock upgrading.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # the cache (and the throttles' counts in it) on its own database if REDIS_CACHE_URL says so
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_CACHE_URL", default=REDIS_URL),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Users, login, lockout ------------------------------------------------------------------
AUTH_USER_MODEL = "hubs.User"
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Portal sessions expire this many seconds after sign-in (12 h: one working day).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
LOGIN_REDIRECT_URL = "hubs:home"
LOGOUT_REDIRECT_URL = "hubs:landing"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Lock the pair (account, address): an attacker cannot lock a user out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ... and the account from every address once the failures from all addresses within the
# cool-off reach this, each address counting at most AXES_FAILURE_LIMIT (hubs.lockout).
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=30)
AXES_HANDLER = "hubs.lockout.AccountLockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "hubs.authentication.axes_username"
AXES_CLIENT_IP_CALLABLE = "ewtp.common.http.client_network"
# The proxies in front of the hub, as addresses or networks (comma-separated): only a peer in
# them is believed about the client's address (X-Forwarded-For). None here: clients connect
# directly. Production names the proxy's networks (settings/production.py).
TRUSTED_PROXIES = proxy_networks(env.list("TRUSTED_PROXIES", default=[]))
if "TRUSTED_PROXY_COUNT" in os.environ:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is replaced by TRUSTED_PROXIES: the networks of the proxies"
    )
AXES_VERBOSE = False


# --- Throttles (ewtp.common.throttles; README "Throttles") ----------------------------------
def throttle_rate(name: str, default: str) -> str:
    """A rate from the environment ("30/min": a number per s, min, hour or day), checked here
    so that a mistyped one stops the process at start-up instead of failing a request."""
    rate = env.str(name, default=default)
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name}={rate!r}: expected a rate such as 30/min")
    return rate


THROTTLE_RATES = {
    # OAuth token and revoke: every request from one address; refused secrets per client id
    "oauth_token_address": throttle_rate("THROTTLE_OAUTH_TOKEN_ADDRESS", "30/min"),
    "oauth_token_client": throttle_rate("THROTTLE_OAUTH_TOKEN_CLIENT", "10/min"),
    # password reset: links asked for from one address, and for one e-mail address
    "password_reset_address": throttle_rate("THROTTLE_PASSWORD_RESET_ADDRESS", "10/hour"),
    "password_reset_email": throttle_rate("THROTTLE_PASSWORD_RESET_EMAIL", "3/hour"),
    # public tracking: lookups from one address; postcode guesses per parcel
    "tracking_address": throttle_rate("THROTTLE_TRACKING_ADDRESS", "30/min"),
    "tracking_proof": throttle_rate("THROTTLE_TRACKING_PROOF", "10/hour"),
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# a hung mail server must not outlast the sender's claim on an e-mail (notifications.CLAIM)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="eWTP Hub <no-reply@ewtp-hub.example>")

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ms", _("Bahasa Malaysia")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# English dates day first and a 24-hour clock (ewtp/formats/en)
FORMAT_MODULE_PATH = ["ewtp.formats"]
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security headers (every environment, so tests see what production sends) --------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # OAuth2 first: its Bearer challenge decides that an anonymous call gets 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # django-oauth-toolkit's, with one oauthlib server per process
        "ewtp.common.oauth.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ewtp.common.api.permissions.HasValidToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "ewtp.common.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "ewtp.common.api.schema.HubAutoSchema",
    "EXCEPTION_HANDLER": "ewtp.common.api.problems.problem_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}

# Scopes a partner may be granted. An API client is granted a subset (ewtp.common.ApiClient).
API_SCOPES = {
    "hubs:read": "Read hubs and e-roads",
    "organization:read": "Read the calling organisation's profile",
    "organization:write": "Update the calling organisation's profile and payout account",
    "products:read": "Read the organisation's products and the catalogue of listings",
    "products:write": "Create, update and deactivate the organisation's products",
    "orders:read": "Read the caller's orders (a channel's own; an organisation's sales and buys)",
    "orders:write": "Place and cancel orders",
    "statements:read": "Read the statements of the hub's accounts held at the bank",
    "statements:write": "Send the bank's statements (camt.053) of the hub's accounts, for "
    "reconciliation",
    "treasury:read": "List and download the hub's FX deal instructions (pain.001) to the bank",
    "payments:write": "Confirm incoming payments and report payout results",
    "payouts:read": "List and download payout batches routed through the bank",
    "payouts:write": "Report the status of each payout",
    "credit:read": "Read consented credit applications",
    "credit:write": "Record credit decisions",
    "tracking:read": "Read parcel tracking",
    "customs:read": "Read customs declarations (an organisation's own; a channel's orders')",
    "customs:write": "File, submit, amend and cancel the organisation's declarations",
    "customs:quote": "Quote the duties and taxes of an import (landed cost at checkout)",
    "analytics:read": "Read the zone's trade dashboards as data (an authority's client)",
    "webhooks:manage": "Register, change, disable and delete the client's webhook endpoints, "
    "rotate their secrets, send a test event and read their delivery log",
}
OAUTH2_PROVIDER = {
    "SCOPES": API_SCOPES,
    "SCOPES_BACKEND_CLASS": "ewtp.common.oauth.ApiClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "ewtp.common.oauth.ApiClientValidator",
    # Short-lived: a leaked token is worth ten minutes; clients ask for a new one as they go.
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_TOKEN_SECONDS", default=600),
    # Resource calls are verified from the Authorization header alone (ewtp.common.oauth).
    "OAUTH2_BACKEND_CLASS": "ewtp.common.oauth.HeaderOnlyOAuthLibCore",
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): no implicit or password grants, hashed tokens,
    # tokens only in the Authorization header, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# Named explicitly so that migrations referring to them resolve (django-oauth-toolkit models).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"

SPECTACULAR_SETTINGS = {
    "TITLE": "eWTP Hub API",
    "DESCRIPTION": (
        "REST API for partner banks and sales channels. Authenticate with OAuth2 client "
        "credentials (POST /api/v1/oauth/token/ with your client id and secret and the scopes "
        "you need); send the access token as `Authorization: Bearer <token>`. Every error is "
        "`application/problem+json` (RFC 9457) with `title`, `status`, `detail`, `code` and, "
        "for invalid input, `errors` naming each field. Money is "
        '`{"amount": "123.45", "currency": "MYR"}` with the amount as a string. POSTs that '
        "create or move something take an `Idempotency-Key` header: the same key with the "
        "same body replays the first response; with another body it is refused (422). "
        "Values have exactly the JSON type the schema gives (`0` is not `false`, `123` not "
        '`"123"`); text never contains U+0000. A request that follows the schema but names '
        "something that does not exist for you (an order, a product, a hub) is a 404 naming "
        "the field; one the current state does not allow (out of stock, already cancelled) a "
        "409; list operations answer one page `{next, previous, results}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/api/v1/oauth/token/",
    "OAUTH2_SCOPES": API_SCOPES,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ewtp.common.api.schema.add_problem_responses",
    ],
    # one name for the country codes the API takes in several places
    "ENUM_NAME_OVERRIDES": {"CountryEnum": "hubs.forms.catalogue.COUNTRY_CHOICES"},
}

# Idempotency keys are kept this long; a replay after that is treated as a new request.
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48))

# --- Trade rules (configurable per deployment) -----------------------------------------
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

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport under var/, so web, worker and
# beat of the demo talk through plain files and need no server.
CELERY_BROKER_DIR = VAR_DIR / "celery" / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message not acknowledged within this window is delivered again (acks_late). Time-
    # based steps never use ETAs/countdowns longer than this: they are beat sweeps instead.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Hubs that share one broker (staging beside production, a benchmark beside the demo) keep
# apart by queue: every task this process sends, and the worker's own follow-ups, go here.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# acks_late alone loses the task of a worker killed mid-run (the message is acked as
# "failed"); reject_on_worker_lost puts it back on the queue instead.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TIME_LIMIT", default=90)
CELERY_TASK_TRACK_STARTED = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Without it Celery's Django fixup closes the database connection after every task, and a
# one-query task spends most of its time reconnecting (~200 tasks/s against ~660/s reused).
# A connection is still closed when unusable, and recycled after this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# The one beat schedule of the hub: every time-based step is a sweep over the database.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "ewtp.common.tasks.outbox_sweep_task",
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=30)),
    },
    "webhooks-sweep": {
        "task": "ewtp.common.tasks.webhooks_sweep_task",
        "schedule": timedelta(seconds=30),
    },
    "credit-scores-nightly": {
        "task": "pipeline.tasks.credit_scores_nightly_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "instalments-overdue": {
        "task": "payments.tasks.instalments_overdue_task",
        "schedule": crontab(hour=1, minute=0),
    },
    "money-rollup": {
        "task": "analytics.tasks.money_rollup_task",
        "schedule": timedelta(minutes=1),
    },
    "emails-sweep": {
        "task": "ewtp.common.tasks.emails_sweep_task",
        "schedule": timedelta(minutes=2),
    },
    "orders-expire": {
        "task": "hubs.tasks.orders_expire_task",
        "schedule": timedelta(seconds=env.int("ORDER_EXPIRY_SWEEP_SECONDS", default=60)),
    },
    "payouts-batch": {
        "task": "payments.tasks.payouts_batch_task",
        "schedule": timedelta(hours=24),
    },
    # the day's conversions settled with each bank (FX deals), once the day is over
    "treasury-settle": {
        "task": "payments.tasks.treasury_settle_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # The ECB publishes its reference rates on TARGET business days around 16:00 CET (15:00
    # UTC; 14:00 in summer time): fetched after it, then twice later in the day in case the
    # feed was late or down (a run that finds the day's rates stored fetches nothing). On a
    # TARGET holiday the feed repeats the last day, which changes nothing.
    "fx-rates-refresh": {
        "task": "payments.tasks.fx_rates_refresh_task",
        "schedule": crontab(minute=30, hour="15,17,20", day_of_week="mon-fri"),
    },
    "escrow-release-due": {
        "task": "payments.tasks.escrow_release_due_task",
        "schedule": timedelta(minutes=env.int("ESCROW_SWEEP_MINUTES", default=15)),
    },
    "flights-advance": {
        "task": "logistics.tasks.flights_advance_task",
        "schedule": timedelta(minutes=env.int("FLIGHTS_ADVANCE_MINUTES", default=5)),
    },
    "consolidate": {
        "task": "logistics.tasks.consolidate_task",
        "schedule": timedelta(minutes=env.int("CONSOLIDATION_MINUTES", default=15)),
    },
    "orders-stuck-sweep": {
        "task": "pipeline.tasks.orders_stuck_sweep_task",
        "schedule": timedelta(minutes=30),
    },
    "declarations-stuck-sweep": {
        "task": "customs.tasks.declarations_stuck_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    # unregistered sellers whose LVG sales into Malaysia near or pass the registration
    # threshold are told by e-mail, each mark once (customs/services/lvg.py)
    "lvg-threshold-sweep": {
        "task": "customs.tasks.lvg_threshold_sweep_task",
        "schedule": crontab(hour=19, minute=15),  # 03:15 in Kuala Lumpur
    },
    "idempotency-keys-expire": {
        "task": "ewtp.common.tasks.idempotency_keys_expire_task",
        "schedule": timedelta(hours=1),
    },
}

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

# An outbox event still undelivered this long after it was recorded is re-driven by the sweep.
OUTBOX_REDRIVE_AFTER = timedelta(seconds=env.int("OUTBOX_REDRIVE_AFTER_SECONDS", default=60))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # the filesystem broker has no host name and says so on every connection
        "kombu.connection": {"level": "ERROR"},
    },
}

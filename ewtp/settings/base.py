"""Settings shared by every environment.

Configuration comes only from environment variables, read through one strict reader
(django-environ). Defaults here are the embedded ones: SQLite and a filesystem Celery broker
under var/, so a fresh clone runs with nothing but Python. ``DATABASE_URL`` and ``REDIS_URL``
switch to PostgreSQL and Redis.

Here the core, the data, e-mail, languages, static files and logging; each other concern has
its module, read in here: ``security`` (users, login, lockout, throttles, security headers),
``api`` (DRF, OAuth2, the OpenAPI document), ``trade_rules`` (what a deployment tunes of the
trade), ``celery_schedule`` (the broker, the workers and the beat), ``celery_routes`` (which queue
each kind of work and each hub's work goes to), ``storage`` (uploads), ``observability``
(logs and metrics), ``retention`` (how long append-only rows are kept), all reading the
environment through ``environment``.
"""

from django.utils.translation import gettext_lazy as _

from .api import *  # noqa: F403
from .celery_routes import *  # noqa: F403
from .celery_schedule import *  # noqa: F403
from .environment import BASE_DIR, REDIS_URL, VAR_DIR, env
from .observability import *  # noqa: F403
from .observability import database_counted
from .peering import *  # noqa: F403
from .peering import PEERING_BEAT_SCHEDULE
from .retention import *  # noqa: F403
from .retention import RETENTION_BEAT_SCHEDULE
from .security import *  # noqa: F403
from .storage import *  # noqa: F403
from .storage import STORAGE_SIGNED_URL_ORIGIN
from .trade_rules import *  # noqa: F403

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
    # /metrics: Django's request and database series (the hub's own: ewtp/common/metrics.py)
    "django_prometheus",
    # the hub
    "ewtp.common",
    "pipeline",
    # the demo world and its tools: development and demos (production leaves it out)
    "demo",
    "hubs",
    "payments",
    "customs",
    "logistics",
    "warehousing",
    "analytics",
    # the e-road to other hub deployments
    "peering",
]

MIDDLEWARE = [
    # first and last: what they time is the whole of the request's handling
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # before anything logs: every line of the request carries its id
    "ewtp.common.middleware.RequestIdMiddleware",
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
    "ewtp.common.middleware.RequestMetricsMiddleware",
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
# counted for /metrics (queries, errors, connections): ewtp/common/db_backends
DATABASES["default"] = database_counted(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- E-mail ---------------------------------------------------------------------------------
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
# uploads: ewtp/settings/storage.py; logging and metrics: ewtp/settings/observability.py

# the retention jobs run on the one beat schedule
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,  # noqa: F405
    **RETENTION_BEAT_SCHEDULE,
    **PEERING_BEAT_SCHEDULE,
}

# listing pictures redirect to the object store's signed URLs (ewtp.common.private_files)
if STORAGE_SIGNED_URL_ORIGIN:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(STORAGE_SIGNED_URL_ORIGIN)  # noqa: F405

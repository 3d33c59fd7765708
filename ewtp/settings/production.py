"""Production: PostgreSQL, Redis, gunicorn behind a TLS-terminating proxy.

Secrets have no defaults: a missing DJANGO_SECRET_KEY, DATABASE_URL or REDIS_URL stops the
process at start-up instead of running with a guess.
"""

from ewtp.common.http import proxy_networks

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, STORAGES, TEMPLATES, env
from .observability import database_counted, logging_config

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"] = database_counted(DATABASES["default"])
# one JSON object per line, with request and task ids, for the log collector
LOGGING = logging_config(env("LOG_FORMAT", default="json"))
REDIS_URL = env("REDIS_URL")
# shared by every worker: the throttles count there (ewtp.common.throttles)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("REDIS_CACHE_URL", default=REDIS_URL),
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# TLS ends at the proxy, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The container health checks call /healthz, /livez and /readyz over plain HTTP from inside.
# Prometheus scrapes /metrics inside the network (token-guarded), also over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)

# Uploads: object storage when STORAGE_S3_BUCKET is set, which web, worker and beat on
# separate machines or containers need (ewtp/settings/storage.py); the filesystem otherwise,
# for a hub whose processes share one MEDIA_ROOT. Static files: whitenoise, from the image.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Behind a TLS proxy that appends the client's address to X-Forwarded-For. Only a peer in
# these networks is believed about the client (ewtp.common.http.client_ip). The default is
# loopback and the private ranges, where a proxy on the same host or network (docker-compose:
# the host's proxy through the bridge network) connects from, and where no client on the
# internet can connect from; name the proxy's own addresses to narrow it.
TRUSTED_PROXIES = proxy_networks(
    env.list(
        "TRUSTED_PROXIES",
        default=[
            "127.0.0.0/8",
            "::1/128",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "fc00::/7",
        ],
    )
)

TEST_BANK_TRANSFERS = False  # money arrives only through partner banks
DEMO_TOOLS = False  # real orders move by their schedules and their people only
# the demo world and its tools are not part of a production hub
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]
TEMPLATES[0]["OPTIONS"]["context_processors"].remove("demo.context_processors.demo_tools")
# the ECB's live daily feed: today's conversions refuse rates older than FX_MAX_RATE_AGE_DAYS
FX_RATE_SOURCE = env("FX_RATE_SOURCE", default="payments.services.fx_feeds.EcbDailyFeed")
WEBHOOK_ALLOW_HTTP = False  # partners receive webhooks over TLS only
# no exemption from the outbound guard and no resolver shortcut: public addresses only
WEBHOOK_ALLOWED_NETWORKS: list[str] = []
OUTBOUND_RESOLVE_TO = ""

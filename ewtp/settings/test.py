"""Test settings: SQLite by default, PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]

# Tasks run in-process unless a test starts a real worker (tests/common/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if not env("REDIS_URL", default=""):
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}

# Lockout is exercised by its own tests (override_settings); elsewhere client.login is used.
AXES_ENABLED = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TEST_BANK_TRANSFERS = True
WEBHOOK_ALLOW_HTTP = True
# Every host name resolves to loopback and only loopback receivers are exempt from the
# outbound guard: nothing a test registers can send traffic off this machine.
OUTBOUND_RESOLVE_TO = "127.0.0.1"
WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]

# Much of the suite converts money "today": it gets ECB-shaped rates dated the latest TARGET
# business day (the recorded feed's ECB values, under the source name ECB-TEST: test data,
# tests/fx_rates.py), so no test passes on a stale rate nor presents test rates as the ECB's.
# A test of the recorded feed or the bundled history names its source itself. The live feed
# URL points at a closed loopback port: nothing in the suite reaches the ECB.
FX_RATE_SOURCE = "tests.fx_rates.EcbShapedTestRates"
FX_FEED_URL = "https://127.0.0.1:9/stats/eurofxref/eurofxref-daily.xml"

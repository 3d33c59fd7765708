"""The demo and development hub: embedded defaults, debug on, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key only; production settings refuse to start without DJANGO_SECRET_KEY.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="local-development-key-not-for-production-use-0123456789"
)

TEST_BANK_TRANSFERS = True
WEBHOOK_ALLOW_HTTP = True
# a developer's receiver on this machine may get the demo's webhooks
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])

"""The demo and development hub: embedded defaults, debug on, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key only; production settings refuse to start without DJANGO_SECRET_KEY.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="local-development-key-not-for-production-use-0123456789"
)

TEST_BANK_TRANSFERS = True
DEMO_TOOLS = env.bool("DEMO_TOOLS", default=True)  # officers fast-forward an order on its page
WEBHOOK_ALLOW_HTTP = True
# a developer's receiver on this machine may get the demo's webhooks
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])

# The demo's exchange rates are the recorded copy of the ECB's daily feed (FX_RATE_SOURCE,
# payments/data/ecb-eurofxref-daily-recorded.xml: the reference rates of 2026-04-13), since
# it runs without the internet on whatever day it is started. Today's conversions therefore
# accept rates up to about four years old here, not 4 business days as elsewhere, and every
# page says that the rates are indicative and of which day. FX_MAX_RATE_AGE_DAYS=4 shows the
# refusal production gives; FX_RATE_SOURCE=payments.services.fx_feeds.EcbDailyFeed reads
# the live feed instead.
FX_MAX_RATE_AGE_DAYS = env.int("FX_MAX_RATE_AGE_DAYS", default=1000)
FX_RATES_INDICATIVE = env.bool("FX_RATES_INDICATIVE", default=True)

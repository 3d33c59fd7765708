"""The demo and development hub: embedded defaults, debug on, e-mail to the console."""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# A development key only; production settings refuse to start without DJANGO_SECRET_KEY.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY", default="local-development-key-not-for-production-use-0123456789"
)

for folder in ("celery/broker", "celery/control", "media", "static"):
    os.makedirs(VAR_DIR / folder, exist_ok=True)

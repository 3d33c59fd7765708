"""The one reader of the environment (django-environ, strict), the hub's folders and the
Redis it may share: what every settings module builds on."""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# Embedded state of a machine without services (SQLite, broker files, uploads, static).
for _folder in ("celery/broker", "celery/control", "media", "static"):
    os.makedirs(VAR_DIR / _folder, exist_ok=True)

# Redis, when there is one: the cache and the Celery broker (embedded stand-ins without it).
REDIS_URL = env("REDIS_URL", default="")

"""The Celery application. Its settings are the CELERY_* names in ewtp/settings/base.py."""

import os

from celery import Celery

# Workers are production unless told otherwise (the demo and tests set their settings).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.production")

app = Celery("ewtp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

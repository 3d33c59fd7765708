"""The Celery application. Its settings are the CELERY_* names in ewtp/settings/base.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewtp.settings.local")

app = Celery("ewtp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

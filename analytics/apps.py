from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from . import subscribers  # noqa: F401 - registers the outbox subscribers

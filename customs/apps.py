from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "customs"

    def ready(self):
        # registers the settings checks, and the outbox subscribers
        from . import checks, subscribers  # noqa: F401

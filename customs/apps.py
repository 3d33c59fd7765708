from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "customs"

    def ready(self):
        # registers the settings checks, and the outbox subscribers
        from ewtp.common.metrics import collector_register

        from . import checks, subscribers  # noqa: F401
        from .metrics import DeclarationsCollector

        # the declarations' series on /metrics
        collector_register("customs", DeclarationsCollector())

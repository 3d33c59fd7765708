from django.apps import AppConfig


class WarehousingConfig(AppConfig):
    name = "warehousing"

    def ready(self):
        from . import subscribers  # noqa: F401  (registers the outbox subscribers)

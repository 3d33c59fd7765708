from django.apps import AppConfig


class PeeringConfig(AppConfig):
    name = "peering"

    def ready(self):
        from . import handlers  # noqa: F401  (registers the message types this hub answers)

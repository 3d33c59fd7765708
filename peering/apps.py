from django.apps import AppConfig


class PeeringConfig(AppConfig):
    name = "peering"

    def ready(self):
        # register the message types this hub answers, and what it reacts to
        from . import handlers, messages, subscribers  # noqa: F401

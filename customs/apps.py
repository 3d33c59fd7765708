from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "customs"

    def ready(self):
        from . import checks  # noqa: F401 - registers the settings checks

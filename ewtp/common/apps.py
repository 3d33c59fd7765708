from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ewtp.common"
    label = "common"
    verbose_name = "Shared kernel"

    def ready(self):
        from . import token_cache  # noqa: F401  (its signal receivers)

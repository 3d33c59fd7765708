from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ewtp.common"
    label = "common"
    verbose_name = "Shared kernel"

import importlib
import pkgutil

from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "pipeline"
    label = "pipeline"

    def ready(self):
        # Importing each step module registers its outbox subscribers.
        package = importlib.import_module(self.name)
        for module in pkgutil.iter_modules(package.__path__):
            if module.name.startswith("step_"):
                importlib.import_module(f"{self.name}.{module.name}")

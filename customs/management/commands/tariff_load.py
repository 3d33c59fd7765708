"""Load tariff data from CSV: ``manage.py tariff_load --tariff F --preferential F
--parameters F``, or ``--bundled`` for the regime parameters and demo tariff in customs/data."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from customs.services.tariff import (
    preferential_load,
    regime_parameters_load,
    tariff_load,
    tariff_load_bundled,
)
from ewtp.common.errors import ApplicationError


class Command(BaseCommand):
    help = "Load tariff lines, preferential rates and regime parameters from CSV files."

    def add_arguments(self, parser):
        parser.add_argument("--tariff", type=Path)
        parser.add_argument("--preferential", type=Path)
        parser.add_argument("--parameters", type=Path)
        parser.add_argument("--bundled", action="store_true")

    def handle(self, *args, **options):
        loaders = [
            (options["parameters"], regime_parameters_load),
            (options["tariff"], tariff_load),
            (options["preferential"], preferential_load),
        ]
        try:
            if options["bundled"]:
                self.stdout.write(f"{tariff_load_bundled()} rows loaded from customs/data.")
            for path, load in loaders:
                if path is not None:
                    count = load(text=path.read_text(encoding="utf-8-sig"))
                    self.stdout.write(f"{path}: {count} rows loaded.")
        except (ApplicationError, DatabaseError, OSError, UnicodeDecodeError) as error:
            raise CommandError(getattr(error, "message", str(error))) from None

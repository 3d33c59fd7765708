from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from payments.services.fx import fx_rates_load


class Command(BaseCommand):
    help = (
        "Load FX reference rates from the configured source (FX_RATE_SOURCE), or from "
        "--source: e.g. payments.services.fx.BundledEcbSource, the ECB history since 2024 "
        "shipped in payments/data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="a rate source class (dotted path)")

    def handle(self, *args, source=None, **options):
        chosen = import_string(source)() if source else None
        self.stdout.write(f"{fx_rates_load(source=chosen)} new rates stored.")

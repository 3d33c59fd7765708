from django.core.management.base import BaseCommand

from payments.services.fx import fx_rates_load


class Command(BaseCommand):
    help = "Load FX reference rates from the configured source (FX_RATE_SOURCE)."

    def handle(self, *args, **options):
        self.stdout.write(f"{fx_rates_load()} new rates stored.")

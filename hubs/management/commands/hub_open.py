from django.core.management.base import BaseCommand, CommandError

from ewtp.common.errors import ApplicationError
from hubs.services.network import hub_open


class Command(BaseCommand):
    help = "Open a hub at an airport, by IATA code (country, time zone, currency are looked up)."

    def add_arguments(self, parser):
        parser.add_argument("iata_code")
        parser.add_argument("--name", default="")

    def handle(self, *args, iata_code, name, **options):
        try:
            hub = hub_open(iata_code=iata_code, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Opened {hub} ({hub.country}, {hub.currency}, {hub.timezone})")

from django.core.management.base import BaseCommand, CommandError

from ewtp.common.api_clients import api_client_create
from ewtp.common.errors import ApplicationError
from ewtp.common.models import ApiClient


class Command(BaseCommand):
    help = "Issue OAuth2 client credentials to a partner bank, sales channel or authority."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=ApiClient.Kind.values)
        parser.add_argument("--scopes", required=True, help='Space-separated, e.g. "hubs:read"')

    def handle(self, *args, name, kind, scopes, **options):
        try:
            issued = api_client_create(name=name, kind=kind, scopes=scopes.split())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"client_id:     {issued.client_id}")
        self.stdout.write(f"client_secret: {issued.client_secret}   (shown once)")

"""Publish a hub's shipping rate for an e-road, or its cargo insurance premium.

``manage.py carriage_rate_publish shipping KUL HGH --currency MYR --per-kg 12 --minimum 20
--from 2027-01-01 --source "KUL hub tariff 2027" --legal-source "…"``

``manage.py carriage_rate_publish insurance KUL --percent 0.5 --from 2027-01-01 --source "…"
--legal-source "…"``

A new tariff is a new effective date; publishing the same date again changes nothing."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from ewtp.common.errors import ApplicationError
from hubs.models import ERoad, Hub
from hubs.services.carriage import cargo_insurance_rate_publish, shipping_rate_publish


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CommandError(f"{text!r} is not a number.") from None
    if not value.is_finite():
        raise CommandError(f"{text!r} is not a number.")
    return value


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = "Publish a hub's shipping rate for an e-road, or its cargo insurance premium."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["shipping", "insurance"])
        parser.add_argument("hub", help="the origin hub's IATA code")
        parser.add_argument("destination", nargs="?", help="shipping: the destination hub")
        parser.add_argument("--currency", default="")
        parser.add_argument("--per-kg", default="0")
        parser.add_argument("--minimum", default="0")
        parser.add_argument("--percent", default="0")
        parser.add_argument("--from", dest="effective_from", required=True)
        parser.add_argument("--to", dest="effective_to", default="")
        parser.add_argument("--source", required=True, help="who publishes it, and where")
        parser.add_argument("--legal-source", required=True, help="the instrument it rests on")

    def handle(self, *args, **options):
        hub = Hub.objects.filter(code=options["hub"].upper()).first()
        if hub is None:
            raise CommandError(f"No hub {options['hub']!r}.")
        since = _date(options["effective_from"])
        if since is None:
            raise CommandError("--from is the first day the rate applies (YYYY-MM-DD).")
        dates = {
            "effective_from": since,
            "effective_to": _date(options["effective_to"]),
            "source": options["source"],
            "legal_source": options["legal_source"],
        }
        try:
            if options["kind"] == "insurance":
                rate = cargo_insurance_rate_publish(
                    hub=hub, percent=_decimal(options["percent"]), **dates
                )
            else:
                eroad = ERoad.objects.filter(
                    origin=hub, destination__code=(options["destination"] or "").upper()
                ).first()
                if eroad is None:
                    raise CommandError(f"No e-road from {hub.code} to {options['destination']!r}.")
                rate = shipping_rate_publish(
                    eroad=eroad,
                    currency=options["currency"],
                    per_kg=_decimal(options["per_kg"]),
                    minimum=_decimal(options["minimum"]),
                    **dates,
                )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Published: {rate}")

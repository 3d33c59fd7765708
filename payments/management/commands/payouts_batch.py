"""Batch the requested payouts for every partner bank now (beat does it daily)."""

from django.core.management.base import BaseCommand

from payments.services.payouts import payouts_batch_all


class Command(BaseCommand):
    help = "Put every bank's requested payouts into a new pain.001 batch now."

    def handle(self, *args, **options):
        self.stdout.write(f"{payouts_batch_all()} batch(es) ready for download.")

"""Seed the demo world: the hubs, their people, SMEs in several sectors with real HS codes,
a partner bank and a sales channel (demo/world.py), then ``--orders`` orders
driven through the real journey over the last ``--days`` days, failure paths included
(demo/simulation.py).

Safe to run again: the world is kept and its orders are not simulated twice; every demo
password and API secret is renewed and printed, so the person starting the demo always has
working credentials.
"""

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from celery import current_app as app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from analytics.services.facts import trade_facts_deferred
from ewtp.common.partitions import partitions_ensure
from hubs.models import Order, User
from hubs.roles import ROLE_LABELS, roles_of
from payments.selectors import fx_rates_latest_day

from ...progress import SeedProgress
from ...simulation import Simulation, simulation_window
from ...world import world_build

FLIGHTS_AHEAD_DAYS = 30


class Command(BaseCommand):
    help = "Seed the demo world and drive N orders through the journey over past months."
    # `make demo` runs migrate first, which runs the system checks; a second round here
    # would only add most of a second to the wait before the hub is up
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=150, help="orders to simulate (150)")
        parser.add_argument("--days", type=int, default=180, help="days of trade to simulate (180)")
        parser.add_argument("--seed", type=int, default=2017, help="the simulation's dice")

    def handle(self, *args, orders, days, seed, **options):
        if not 0 <= orders <= 100_000 or not 1 <= days <= 730:
            raise CommandError("--orders is 0 to 100000 and --days 1 to 730.")
        start, end = simulation_window(days=days, now=timezone.now())
        # the pipeline's steps run inline, as a worker would run them, while the clock moves;
        # the e-mails of the past months are kept in memory rather than printed; the queries
        # are not kept for a debug page that will never show them (under DEBUG, SQLite's
        # backend also runs a second query for each, to quote its parameters)
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        logging.disable(logging.INFO)  # months of routine steps: only trouble is worth a line
        try:
            with (
                override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DEBUG=False
                ),
                sqlite_unsynced(),
            ):
                self._seed(start, end, days, orders, seed)
        finally:
            app.conf.task_always_eager = eager
            logging.disable(logging.NOTSET)

    def _seed(self, start, end, days, orders, seed) -> None:
        counts = None
        with SeedProgress(self.stdout) as progress:
            with progress.phase("Building the demo world"), transaction.atomic():
                world = world_build(first_day=start.date(), days=days + FLIGHTS_AHEAD_DAYS)
            simulated = Order.objects.filter(seller__in=world.organizations.values()).exists()
            if orders and not simulated:
                simulation = Simulation(world, start=start, end=end, seed=seed)
                title = f"Simulating {orders} orders over {days} days"
                # the dashboards' facts of each order rebuilt once, when the months are
                # done, rather than at each of its steps (a fifth of the simulation's time)
                with progress.phase(title, total=days) as advance, trade_facts_deferred():
                    counts = simulation.run(
                        orders, progress=lambda now: advance((now - start) / timedelta(days=1))
                    )
            with progress.phase("Setting the new passwords"):
                world.passwords_save()
            # the simulated past months' rows wait in the default partitions (PostgreSQL;
            # nothing on SQLite) until their months are made
            with progress.phase("Making the months of the partitioned tables"):
                partitions_ensure()
        if counts is not None:
            self._summary(counts)
        elif simulated:
            self.stdout.write("The demo world has its orders already: kept as they are.")
        self.stdout.write(f"Seeded in {progress.elapsed():.0f} s.")
        self._print(world)

    def _summary(self, counts: dict) -> None:
        statuses = Counter(Order.objects.values_list("status", flat=True))
        self.stdout.write(
            "Orders by status: " + ", ".join(f"{s} {n}" for s, n in statuses.most_common())
        )
        happened = ", ".join(f"{path} {n}" for path, n in counts.items() if n)
        self.stdout.write(f"Failure paths by chance: {happened or 'none'} (plus one of each)")

    def _print(self, world) -> None:
        out = self.stdout
        out.write(
            self.style.SUCCESS("\nDemo data loaded. Sign in with (passwords are new on every run):")
        )
        users = {u.email: u for u in User.objects.filter(email__in=world.passwords)}
        for email, password in world.passwords.items():
            roles = ", ".join(str(ROLE_LABELS[r]) for r in sorted(roles_of(users[email])))
            out.write(f"  {roles:<28} {email:<44} {password}")
        for credentials in world.issued:
            out.write(
                self.style.SUCCESS(
                    f"\n{credentials.client.application.name} "
                    f"({credentials.client.get_kind_display()}, OAuth2 client credentials):"
                )
            )
            out.write(f"  client_id     {credentials.client_id}")
            out.write(f"  client_secret {credentials.client_secret}")
            out.write(f"  scopes        {credentials.client.allowed_scopes}")
        self._print_rates()
        out.write("")

    def _print_rates(self) -> None:
        """Which exchange rates the demo converts at, and that they are not today's."""
        day = fx_rates_latest_day()
        self.stdout.write(
            self.style.WARNING(
                f"\nExchange rates: the ECB reference rates of {day} ({settings.FX_RATE_SOURCE})."
                f"\n  Indicative, not today's: the demo accepts rates up to "
                f"{settings.FX_MAX_RATE_AGE_DAYS} TARGET business days old (elsewhere 4)."
            )
        )


@contextmanager
def sqlite_unsynced() -> Iterator[None]:
    """On SQLite, the seed's thousands of small transactions commit without waiting for the
    disk: write-ahead log, and no sync on each commit (PRAGMA synchronous=OFF, on the seed's
    connection only). A crash of the machine meanwhile may cost the demo database, which is
    seeded again from scratch (delete var/ewtp.sqlite3); a crash of the seed alone costs
    nothing. The database's journal mode is put back afterwards: the pragmas are the seed's,
    not the hub's."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # PostgreSQL's commits are another matter; a transaction cannot switch journal
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal,) = cursor.fetchone()
        cursor.execute("PRAGMA synchronous")
        (synchronous,) = cursor.fetchone()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            # another process with the file open keeps it in WAL: harmless, and it is left so
            with suppress(OperationalError):
                cursor.execute(f"PRAGMA journal_mode={journal}")  # sqlite's own word for it

"""The demo world that stands still: two hubs on the KUL–HGH e-road with their eFulfilment
centres and daily flights, one user per role, SMEs in several sectors at several stages of
verification with catalogues under real HS codes, the permits of other agencies their goods
need, fee schedules, a watch-listed buyer, and a partner bank and a sales channel on the API,
and the hub's collection accounts at that bank (one per payment currency, fictitious and
named so). ``world_build`` is idempotent: a second run keeps every row and renews each demo
password and API secret (``passwords``, set by ``passwords_save``, and ``issued``).

Who is in it is data (``world_people.py``); the hubs and what joins them, the traders and
their permits, and the partners on the API are made by ``world_network.py``,
``world_traders.py`` and ``world_partners.py``. The orders that move through it are the
simulation's (``simulation.py``)."""

import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password

from customs.models import WatchListEntry
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import ApiClient
from hubs.models import Hub, Organization, User
from payments.services.fx import fx_rates_load

from .world_network import fee_schedules_set, hubs_open, logistics_network_build
from .world_partners import API_CLIENTS, api_client_issue, collection_accounts_open
from .world_people import OFFICIALS, ORGANIZATIONS, WATCH_LISTED
from .world_traders import organization_build, permits_on_file
from .world_warehouse import bonded_warehouse_build


@dataclass
class World:
    hubs: dict[str, Hub]
    organizations: dict[str, Organization]
    channel: ApiClient
    bank: ApiClient
    renewal: "PasswordRenewal"
    issued: list = field(default_factory=list)  # API credentials, secrets renewed

    @property
    def passwords(self) -> dict[str, str]:
        """Each demo user's new password by e-mail address (set by ``passwords_save``)."""
        return self.renewal.passwords

    def passwords_save(self) -> None:
        self.renewal.save()


class PasswordRenewal:
    """New passwords for the demo users, hashed on a thread of their own while the seed goes
    on.

    Django hashes a password with PBKDF2 at 1,000,000 rounds, about half a second each: the
    demo's 18 would keep the seed waiting that long. hashlib releases the interpreter while
    it hashes, so they are hashed on another core while the world is built and its months
    are simulated (one thread: the seed itself keeps a core busy), and ``save`` sets them
    once they are all done (until then a new user has no usable password)."""

    def __init__(self):
        self.passwords: dict[str, str] = {}
        self._hashes: dict[str, tuple[User, Future]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-passwords")

    def renew(self, user: User) -> None:
        password = f"demo-{secrets.token_urlsafe(9)}"
        self.passwords[user.email] = password
        self._hashes[user.email] = (user, self._pool.submit(make_password, password))

    def user(self, email: str, full_name: str) -> User:
        """The demo user of that address (made if new), with a new password."""
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        self.renew(user)
        return user

    def save(self) -> None:
        for user, hashed in self._hashes.values():
            user.password = hashed.result()
            user.save(update_fields=["password"])
        self._pool.shutdown()


def world_build(*, first_day: date, days: int) -> World:
    """Everything but the orders; flights from ``first_day`` for ``days`` days."""
    renewal = PasswordRenewal()
    hubs = hubs_open()
    fx_rates_load()  # customs derives its rates of the day from them (pipeline step 0)
    tariff_load_bundled()  # regime thresholds and the demo catalogue's tariff
    logistics_network_build(hubs, first_day, days)
    fee_schedules_set(hubs)
    for email, name, role, hub_code, superuser in OFFICIALS:
        user = renewal.user(email, name)
        user.official_role = role
        user.official_hub = hubs[hub_code] if hub_code else None
        user.is_staff = user.is_superuser = superuser
        user.save()
    organizations = {row[0]: organization_build(renewal, hubs, row) for row in ORGANIZATIONS}
    permits_on_file(hubs, organizations, first_day, days)
    bonded_warehouse_build(hubs, organizations, first_day)
    WatchListEntry.objects.get_or_create(
        name=WATCH_LISTED,
        defaults={"reason": "Earlier consignment of tea held for mislabelled origin."},
    )
    issued = [api_client_issue(*row) for row in API_CLIENTS]
    clients = {credentials.client.kind: credentials.client for credentials in issued}
    collection_accounts_open(clients[ApiClient.Kind.BANK])
    return World(
        hubs=hubs,
        organizations=organizations,
        channel=clients[ApiClient.Kind.CHANNEL],
        bank=clients[ApiClient.Kind.BANK],
        renewal=renewal,
        issued=issued,
    )

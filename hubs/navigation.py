"""The portal's menu, gathered from the installed apps.

Each app declares the entries of its own pages in ``<app>/navigation.py`` as ``MENU``, a list
of ``MenuEntry``: its route, its label, who sees it and its place in the menu. hubs gathers
them (``navigation_for``) in the order of their ``position``, so the entries of different
apps interleave as the menu reads (a trader's pages first, then an officer's, then the
hub's own), while hubs imports no app above it and names none of their routes.

The places, by tens: 10-50 and 100 hubs' trading pages, 60 customs' declarations, 70 the
statement, 80 insights, 90 credit, 110 the dashboards, 120-130 the credit portfolio and the
treasury, 140-150 customs' workbench and tariff, 160-170 the hub floor and flights, 180-190
the network and the administration.
"""

import functools
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Perm, can_act_for, current_organization, has_permission, memberships_of

Shown = Callable[[object], bool]  # the signed-in user → whether the entry is in their menu


@dataclass(frozen=True)
class MenuEntry:
    position: int
    label: str
    route: str
    shown: Shown
    args: tuple = ()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def everyone(user) -> bool:
    return True


def holds(*perms: Perm) -> Shown:
    """Shown to a user who holds any of ``perms``."""
    return lambda user: any(has_permission(user, perm) for perm in perms)


def holds_as_member(perm: Perm) -> Shown:
    """Shown to a user who holds ``perm`` and has a seat in an organisation."""
    return lambda user: has_permission(user, perm) and bool(memberships_of(user))


def holds_for_organization(perm: Perm) -> Shown:
    """Shown to a user who holds ``perm`` through their seat in the organisation they work
    for (an owner's pages about its money)."""
    return lambda user: can_act_for(user, current_organization(user), perm)


def holds_at_hub(perm: Perm) -> Shown:
    """Shown to an official who holds ``perm`` and is posted to a hub (pages of one hub)."""
    return lambda user: has_permission(user, perm) and bool(user.official_hub_id)


MENU = [
    MenuEntry(10, _("Home"), "hubs:home", everyone),
    MenuEntry(
        20, _("My organisation"), "hubs:my_organization", holds_as_member(Perm.ORGANIZATION_VIEW)
    ),
    MenuEntry(30, _("My products"), "hubs:product_list", holds(Perm.CATALOGUE_MANAGE)),
    MenuEntry(40, _("Catalogue"), "hubs:catalogue", holds(Perm.ORDERS_TRADE)),
    MenuEntry(
        50, _("Orders"), "hubs:order_list", holds(Perm.ORDERS_TRADE, Perm.ORGANIZATIONS_OVERSEE)
    ),
    MenuEntry(100, _("Organisations"), "hubs:organization_list", holds(Perm.ORGANIZATIONS_OVERSEE)),
    MenuEntry(180, _("Hubs and e-roads"), "hubs:hub_list", everyone),
    MenuEntry(190, _("Administration"), "admin:index", holds(Perm.ADMIN_SITE)),
]


@functools.cache
def menu_entries() -> tuple[MenuEntry, ...]:
    """Every installed app's entries in menu order (apps in INSTALLED_APPS order on a tie)."""
    entries = []
    for config in apps.get_app_configs():
        name = f"{config.name}.navigation"
        if importlib.util.find_spec(name) is not None:
            entries += importlib.import_module(name).MENU
    return tuple(sorted(entries, key=lambda entry: entry.position))


def navigation_for(user) -> list[NavItem]:
    """The portal's menu for this user, in the order it is shown."""
    return [
        NavItem(str(entry.label), reverse(entry.route, args=entry.args))
        for entry in menu_entries()
        if entry.shown(user)
    ]

"""The e-road page in the portal's menu (hubs.navigation gathers it, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds
from hubs.roles import Perm

MENU = [
    MenuEntry(185, _("E-road"), "peering:eroad", holds(Perm.PEERING_MANAGE)),
]

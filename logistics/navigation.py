"""The logistics pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds, holds_at_hub
from hubs.roles import Perm

MENU = [
    MenuEntry(160, _("Hub floor"), "logistics:floor", holds_at_hub(Perm.HUB_FLOOR)),
    MenuEntry(
        170,
        _("Flights"),
        "logistics:flights",
        holds(Perm.HUB_FLOOR, Perm.ORGANIZATIONS_OVERSEE),
    ),
]

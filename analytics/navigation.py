"""The analytics pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds, holds_for_organization
from hubs.roles import Perm

MENU = [
    MenuEntry(80, _("Insights"), "analytics:insights", holds_for_organization(Perm.FINANCES_READ)),
    MenuEntry(
        110,
        _("Dashboards"),
        "analytics:dashboard",
        holds(Perm.DASHBOARDS_READ),
        args=("exports",),
    ),
]

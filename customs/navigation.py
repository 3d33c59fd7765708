"""The customs pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds, holds_as_member, holds_at_hub
from hubs.roles import Perm

MENU = [
    MenuEntry(60, _("Declarations"), "customs:my_declarations", holds_as_member(Perm.ORDERS_TRADE)),
    MenuEntry(
        140, _("Customs workbench"), "customs:workbench", holds_at_hub(Perm.CUSTOMS_WORKBENCH)
    ),
    MenuEntry(150, _("Tariff"), "customs:tariff_coverage", holds(Perm.CUSTOMS_WORKBENCH)),
]

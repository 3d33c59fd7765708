"""The warehousing pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds_at_hub, holds_for_organization
from hubs.roles import Perm

MENU = [
    MenuEntry(45, _("Stock"), "warehousing:stock", holds_for_organization(Perm.CATALOGUE_MANAGE)),
    MenuEntry(145, _("Bonded ledger"), "warehousing:ledger", holds_at_hub(Perm.CUSTOMS_WORKBENCH)),
    MenuEntry(165, _("Warehouse floor"), "warehousing:floor", holds_at_hub(Perm.HUB_FLOOR)),
]

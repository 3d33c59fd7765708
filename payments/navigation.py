"""The payments pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds, holds_for_organization
from hubs.roles import Perm

MENU = [
    MenuEntry(70, _("Statement"), "payments:statement", holds_for_organization(Perm.FINANCES_READ)),
    MenuEntry(
        120,
        _("Credit portfolio"),
        "payments:credit_portfolio",
        holds(Perm.ORGANIZATIONS_OVERSEE),
    ),
    MenuEntry(130, _("Treasury"), "payments:treasury", holds(Perm.TREASURY_READ)),
]

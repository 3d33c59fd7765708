"""The pipeline pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds_for_organization
from hubs.roles import Perm

MENU = [
    MenuEntry(90, _("Credit"), "pipeline:credit", holds_for_organization(Perm.FINANCES_READ)),
]

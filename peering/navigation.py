"""The e-road pages in the portal's menu (hubs.navigation gathers them, in order of place)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hubs.navigation import MenuEntry, holds, holds_at_hub
from hubs.roles import Perm


def _floor_of_a_deployment_with_peers(user) -> bool:
    """A hub's operators, where this deployment runs only some hubs: goods come by e-road
    from deployments that run the others (with every hub here, nothing does)."""
    return bool(settings.EWTP_HUBS_HERE) and holds_at_hub(Perm.HUB_FLOOR)(user)


MENU = [
    MenuEntry(185, _("E-road"), "peering:eroad", holds(Perm.PEERING_MANAGE)),
    MenuEntry(186, _("Incoming by e-road"), "peering:incoming", _floor_of_a_deployment_with_peers),
]

"""The dashboards' reads: each builds its tables from the rollups in a fixed number of
queries, whatever the number of facts behind them."""

from django.utils.translation import gettext_lazy as _

from .clearance import clearance_dashboard
from .credit import credit_dashboard
from .exports import exports_dashboard
from .logistics import logistics_dashboard
from .money import money_dashboard
from .participation import participation_dashboard
from .seller import seller_insights

DASHBOARDS = {
    "exports": exports_dashboard,
    "participation": participation_dashboard,
    "clearance": clearance_dashboard,
    "logistics": logistics_dashboard,
    "money": money_dashboard,
    "credit": credit_dashboard,
}

# each dashboard's name in the row of links between them
DASHBOARD_NAMES = {
    "exports": _("Exports"),
    "participation": _("SME participation"),
    "clearance": _("Clearance"),
    "logistics": _("Logistics"),
    "money": _("Money"),
    "credit": _("Credit"),
}
INSIGHTS_NAME = _("Your exports")

__all__ = ["DASHBOARDS", "DASHBOARD_NAMES", "INSIGHTS_NAME", "seller_insights"]

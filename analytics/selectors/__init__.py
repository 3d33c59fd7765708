"""The dashboards' reads: each builds its tables from the rollups in a fixed number of
queries, whatever the number of facts behind them."""

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

__all__ = ["DASHBOARDS", "seller_insights"]

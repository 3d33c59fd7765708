"""What every portal page says about the payments side of the hub."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import selectors


def fx_rates_notice(request):
    """Where the exchange rates are indicative (the demo, FX_RATES_INDICATIVE), the footer
    says so with the day of the newest rates, read only when a page shows it."""
    if not settings.FX_RATES_INDICATIVE:
        return {}
    return {"fx_rates_indicative_of": SimpleLazyObject(selectors.fx_rates_latest_day)}

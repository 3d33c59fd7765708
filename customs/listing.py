"""What customs says of a listing when it is saved: for each destination the seller's hub
ships to by e-road, whether the destination's import tariff has a line in force for the
listing's HS code. A gap is a warning, not a refusal: orders there wait for the destination's
officers to classify the goods, and a DDP order's duties cannot be quoted in advance."""

from django.utils import timezone
from django.utils.translation import gettext as _

from hubs.selectors import eroads_out_of

from .services.duty import CUSTOMS_CURRENCY
from .services.tariff_in_force import tariff_line_or_none


def listing_tariff_warnings(product) -> list[str]:
    """Registered in settings.LISTING_CHECKS (the catalogue lies below customs)."""
    today = timezone.localdate()
    warnings = []
    for eroad in eroads_out_of(hub_id=product.seller.home_hub_id):
        country = eroad.destination.country.code
        if country not in CUSTOMS_CURRENCY:
            continue  # a country whose regime the hub does not assess
        if tariff_line_or_none(country, product.hs_code, today) is None:
            warnings.append(
                _(
                    "%(country)s has no import tariff line in force for HS %(code)s: orders "
                    "to %(hub)s will wait for customs there to classify the goods, and the "
                    "duties of a DDP order cannot be quoted in advance."
                )
                % {
                    "country": eroad.destination.country.name,
                    "code": product.hs_code,
                    "hub": eroad.destination.code,
                }
            )
    return warnings

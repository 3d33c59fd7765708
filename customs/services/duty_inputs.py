"""What the duty engine reads, loaded before it runs: the one place its inputs come from the
database. Each item's tariff line, the regime's parameters, the claimed agreement's parties
and rates with the register's answer for the certificate, and the positive list's answer
for a cross-border retail import.

The dated reference data goes through ``reference_cache``: the clearance steps load a whole
batch inside one unit of work, so each line, rate, parameter set and list entry is read once
per batch whatever its size. The certificate is verified for each item the agreement gives
a rate, as the engine would ask for it.
"""

from ewtp.common.errors import ApplicationError

from ..errors import CustomsErrorCode
from ..models import PreferentialRate
from .agreements import agreement_parties
from .certificates import CertificateCheck, certificate_verify
from .duty import (
    EXPORT_REGIMES,
    REGIMES,
    Consignment,
    DutyInputs,
    preferential_codes,
    preferential_rate,
)
from .positive_list import ListCheck, positive_list_check
from .reference_cache import cached
from .tariff_in_force import assessed_line, regime_parameters


def duty_inputs(consignment: Consignment) -> DutyInputs:
    """The engine's inputs for ``consignment``. Raises the tariff's refusal (TariffError)
    for an item without a line it can be assessed under, as the engine's first step would;
    for an unknown regime or no items it loads nothing (the engine refuses them)."""
    country = REGIMES.get(consignment.regime)
    if country is None or not consignment.items:
        return DutyInputs(lines=[])
    on = consignment.on
    lines = [
        item.line or assessed_line(consignment.regime, country, item.hs_code, on)
        for item in consignment.items
    ]
    rates, certificates = _preferences(consignment, country)
    retail = consignment.regime == "CN_CBEC_IMPORT"
    return DutyInputs(
        lines=lines,
        parameters=regime_parameters(country, on),
        parties=agreement_parties(consignment.fta_agreement),
        preferential_rates=rates,
        certificates=certificates,
        positive_list=_positive_list(consignment) if retail else {},
    )


def _preferences(consignment: Consignment, country: str) -> tuple[dict, dict]:
    """The claimed agreement's rates for each item and, where one is for the item's origin,
    the register's answer for the certificate (none without a claim and its number: the
    engine refuses or ignores the claim first)."""
    rates: dict[int, list[PreferentialRate]] = {}
    certificates: dict[int, CertificateCheck] = {}
    claim = consignment.fta_agreement
    if not claim or not consignment.fta_certificate.strip():
        return rates, certificates
    if consignment.regime in EXPORT_REGIMES:
        return rates, certificates
    for index, item in enumerate(consignment.items):
        rates[index] = cached(
            ("preferential", country, claim, item.hs_code, consignment.on),
            lambda item=item: list(
                PreferentialRate.objects.in_force(consignment.on)
                .filter(
                    country=country, agreement=claim, hs_code__in=preferential_codes(item.hs_code)
                )
                .order_by("-effective_from", "-schedule_id")
            ),
        )
        if preferential_rate(item, rates[index]) is not None:
            certificates[index] = certificate_verify(
                consignment.fta_certificate,
                agreement=claim,
                importing_country=country,
                origin=item.origin,
                hs_code=item.hs_code,
                on=consignment.on,
            )
    return rates, certificates


def _positive_list(consignment: Consignment) -> dict[int, ListCheck | None]:
    """Each item's answer from the positive list in force (None: no list is in force, which
    the engine refuses when it comes to the list)."""
    found: dict[int, ListCheck | None] = {}
    for index, item in enumerate(consignment.items):
        try:
            found[index] = positive_list_check(item.hs_code, consignment.on)
        except ApplicationError as error:
            if error.code != CustomsErrorCode.REGIME_PARAMETER_MISSING:
                raise
            found[index] = None
    return found

"""Reads of preferential origin (customs/models/origin.py names the instruments): an
exporter's origin declarations with their certificates, the issuing hub's queue and
register, who may read a certificate, and the claimed certificate of an import declaration
verified item by item (customs/services/certificates.py verifies)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from hubs.roles import Perm, can_act_for, has_permission

from .models import CertificateOfOrigin, Declaration, OriginDeclaration
from .services.certificates import certificate_verify
from .services.duty import EXPORT_REGIMES, REGIMES


def origin_declarations_of(*, organization) -> QuerySet[OriginDeclaration]:
    """The exporter's origin declarations, newest first, with their certificates."""
    return OriginDeclaration.objects.filter(organization=organization).select_related(
        "hub", "certificate_line__certificate"
    )


def origin_declaration_of(*, organization, public_id) -> OriginDeclaration | None:
    return origin_declarations_of(organization=organization).filter(public_id=public_id).first()


def origin_queue_of_hub(*, hub) -> QuerySet[OriginDeclaration]:
    """Passed origin declarations waiting for the hub's officers to issue their
    certificate, oldest first."""
    return (
        OriginDeclaration.objects.filter(
            hub=hub, result=OriginDeclaration.Result.PASSED, certificate_line__isnull=True
        )
        .select_related("organization")
        .order_by("created_at", "id")
    )


def origin_queue_count(*, hub) -> int:
    return origin_queue_of_hub(hub=hub).count()


def certificates_of_hub(*, hub) -> QuerySet[CertificateOfOrigin]:
    """The certificates the hub issued, newest first."""
    return CertificateOfOrigin.objects.filter(hub=hub).select_related("exporter")


def certificate_by_number(*, number: str) -> CertificateOfOrigin | None:
    return (
        CertificateOfOrigin.objects.filter(number=(number or "").strip().upper()[:20])
        .select_related("hub", "exporter", "issued_by")
        .prefetch_related("lines")
        .first()
    )


def certificate_visible_to(user, certificate: CertificateOfOrigin) -> bool:
    """The exporter's members; the customs officers of the issuing hub, and of the hubs of
    the importing country (they verify claims under it)."""
    if not user.is_authenticated:
        return False
    if can_act_for(user, certificate.exporter, Perm.CATALOGUE_MANAGE) or can_act_for(
        user, certificate.exporter, Perm.ORDERS_TRADE
    ):
        return True
    if not (has_permission(user, Perm.CUSTOMS_WORKBENCH) and user.official_hub_id):
        return False
    hub = user.official_hub
    return hub.pk == certificate.hub_id or hub.country.code == certificate.importing_country.code


def is_issuing_officer(user, certificate: CertificateOfOrigin) -> bool:
    return (
        has_permission(user, Perm.CUSTOMS_WORKBENCH)
        and user.official_hub_id is not None
        and user.official_hub_id == certificate.hub_id
    )


@dataclass(frozen=True)
class ItemCertificateCheck:
    line_no: int
    valid: bool
    reason: str


def declaration_certificate_checks(declaration: Declaration) -> list[ItemCertificateCheck]:
    """For an import declaration with a preferential claim: whether the claimed certificate
    verifies for each item on the declaration date ([] otherwise)."""
    if not declaration.fta_agreement or declaration.regime in EXPORT_REGIMES:
        return []
    return [
        ItemCertificateCheck(item.line_no, check.valid, check.reason)
        for item in declaration.items.all()
        for check in [
            certificate_verify(
                declaration.fta_certificate,
                agreement=declaration.fta_agreement,
                importing_country=REGIMES[declaration.regime],
                origin=item.origin.code,
                hs_code=item.hs_code,
                on=declaration.declared_on,
            )
        ]
    ]

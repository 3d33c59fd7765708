"""Certificates of origin under ACFTA (customs/models/origin.py names the instruments): the
Form E issued from passed origin declarations (customs/services/origin.py checks them
against the rules of origin), numbered, revoked, and verified at import against the
register.

The issuing authority: in Malaysia MITI issues Form E, in China the GACC; on this platform
the customs officers of the hub in the country of origin act as the issuing authority, and
the importing hub verifies against the same register. The duty engine
(customs/services/duty.py) grants the agreement's rate only against a certificate that
verifies here, so this module imports nothing of the engine nor of the rules of origin.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.states import state_change
from hubs.roles import Perm, has_permission

from ..errors import CustomsErrorCode
from ..models import CertificateLine, CertificateOfOrigin, OriginDeclaration
from ..models.origin import CERTIFICATION_PROCEDURES

# Form E is valid for 12 months from the date of issue: through the day before the date of
# issue a year later (issued 1 March 2025, accepted until 28 February 2026)
VALIDITY = relativedelta(months=12)
VALIDITY_SOURCE = f"{CERTIFICATION_PROCEDURES}: valid for 12 months from the date of issue"
MAX_LINES = 20  # lines of goods on one certificate


def _invalid(message: str, field: str):
    raise ApplicationError(message, CustomsErrorCode.CERTIFICATE_INVALID, extra={"field": field})


# --- issue and revoke ----------------------------------------------------------------------


def _officer_of(officer, hub) -> None:
    if not (has_permission(officer, Perm.CUSTOMS_WORKBENCH) and officer.official_hub_id == hub.pk):
        raise NotAllowedError(
            _("Only the customs officers of %(hub)s issue and revoke its certificates of origin.")
            % {"hub": hub.code},
            CustomsErrorCode.NOT_YOUR_HUB,
        )


def certificate_issue(*, declarations: list[OriginDeclaration], officer) -> CertificateOfOrigin:
    """An officer of the origin hub (the issuing authority) issues a Form E for the goods of
    passed origin declarations of one exporter to one consignee: one line each, numbered
    E + year + country + sequence, valid 12 months from today. A declaration is certified
    once (a unique constraint: two officers issuing at once cannot both succeed). Audited."""
    if not 1 <= len(declarations) <= MAX_LINES:
        _invalid(
            _("A certificate covers 1 to %(count)d lines of goods.") % {"count": MAX_LINES},
            "origin_declaration",
        )
    first = declarations[0]
    _officer_of(officer, first.hub)
    with transaction.atomic():
        locked = list(
            OriginDeclaration.objects.select_for_update()
            .filter(pk__in=[d.pk for d in declarations])
            .select_related("organization", "hub")
            .order_by("pk")
        )
        _issuable(locked)
        today = timezone.localdate()
        try:
            with transaction.atomic():
                certificate = _create(locked, officer, today)
        except IntegrityError:
            # another officer certified one of these declarations meanwhile, or took every
            # number _create tried
            raise ConflictError(
                _("Another certificate was being issued at the same moment: try again."),
                CustomsErrorCode.CERTIFICATE_ISSUED,
            ) from None
        audit_record(
            actor=officer,
            action="customs.certificate_of_origin.issued",
            target=certificate,
            data={
                "number": certificate.number,
                "origin_declarations": [str(d.public_id) for d in locked],
                "valid_until": certificate.valid_until.isoformat(),
            },
        )
    return certificate


def _issuable(declarations: list[OriginDeclaration]) -> None:
    first = declarations[0]
    together = ("organization_id", "hub_id", "agreement", "origin_country", "importing_country")
    for declaration in declarations:
        if not declaration.passed:
            raise ConflictError(
                _(
                    "The origin declaration of HS %(code)s does not meet the rule of origin "
                    "(%(reason)s): no certificate of origin can be issued for it."
                )
                % {"code": declaration.hs_code, "reason": declaration.reason},
                CustomsErrorCode.ORIGIN_FAILED,
                extra={"field": "origin_declaration"},
            )
        if CertificateLine.objects.filter(origin_declaration=declaration).exists():
            raise ConflictError(
                _("The goods of HS %(code)s have their certificate of origin already.")
                % {"code": declaration.hs_code},
                CustomsErrorCode.CERTIFICATE_ISSUED,
                extra={"field": "origin_declaration"},
            )
        same = all(getattr(declaration, name) == getattr(first, name) for name in together)
        if not same or declaration.importer_name != first.importer_name:
            _invalid(
                _(
                    "One certificate is for one exporter's goods of one origin, to one "
                    "consignee in one importing country."
                ),
                "origin_declaration",
            )


NUMBER_ATTEMPTS = 5


def _create(declarations, officer, today: date) -> CertificateOfOrigin:
    """The certificate with the next number of its country and year; two issued at once may
    take the same number: the unique number refuses the second, which takes the next."""
    first = declarations[0]
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                certificate = CertificateOfOrigin.objects.create(
                    number=certificate_number_next(first.hub.country.code, today),
                    agreement=first.agreement,
                    hub=first.hub,
                    issued_by=officer,
                    issued_at=timezone.now(),
                    issued_on=today,
                    valid_until=today + VALIDITY - timedelta(days=1),
                    exporter=first.organization,
                    exporter_name=first.organization.legal_name[:200],
                    importer_name=first.importer_name,
                    importing_country=first.importing_country,
                    origin_country=first.origin_country,
                    legal_source=VALIDITY_SOURCE,
                )
            break
        except IntegrityError:  # the number only: the certificate has no other unique
            if attempt == NUMBER_ATTEMPTS - 1:
                raise
    CertificateLine.objects.bulk_create(
        [
            CertificateLine(
                certificate=certificate,
                line_no=number,
                origin_declaration=declaration,
                hs_code=declaration.hs_code,
                description=declaration.description,
                origin_criterion=declaration.form_e_criterion,
                fob_value=declaration.fob_value,
                currency=declaration.currency,
            )
            for number, declaration in enumerate(declarations, start=1)
        ]
    )
    return certificate


def certificate_number_next(country: str, on: date) -> str:
    """E, the year (2 digits), the country, then one more than the last sequence of that
    country and year: E25MY000001, E25MY000002…"""
    prefix = f"E{on:%y}{country}"
    last = (
        CertificateOfOrigin.objects.filter(number__regex=rf"^{prefix}[0-9]{{6}}$")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"


def certificate_revoke(*, certificate: CertificateOfOrigin, reason: str, officer):
    """An officer of the issuing hub revokes a certificate (issued in error, origin
    disproved on verification): from then on no claim under it is accepted. Revoking a
    revoked certificate changes nothing. Audited."""
    _officer_of(officer, certificate.hub)
    if not reason.strip():
        raise ApplicationError(
            _("Give the reason for the revocation."),
            CustomsErrorCode.ORIGIN_INVALID,
            extra={"field": "reason"},
        )
    return certificate_of_origin_transition(
        certificate=certificate, to=CertificateOfOrigin.Status.REVOKED, actor=officer, reason=reason
    )


def _refusal(certificate: CertificateOfOrigin, to: str) -> ConflictError:
    return ConflictError(
        _("Certificate %(number)s is %(status)s: it cannot become %(to)s.")
        % {
            "number": certificate.number,
            "status": certificate.get_status_display(),
            "to": CertificateOfOrigin.Status(to).label,
        },
        CustomsErrorCode.CERTIFICATE_INVALID,
    )


def certificate_of_origin_transition(
    *,
    certificate: CertificateOfOrigin,
    to: str,
    actor=None,
    actor_label: str = "",
    reason: str = "",
) -> CertificateOfOrigin:
    """Move a certificate along CertificateOfOrigin.TRANSITIONS, audited as
    ``customs.certificate_of_origin.<to>`` with its number; a revocation keeps when and why.
    Returns the locked row; unchanged when it is there already."""
    reason = reason.strip()[:500]

    def revoke(locked: CertificateOfOrigin, _before: str) -> list[str]:
        locked.revoked_at, locked.revoke_reason = timezone.now(), reason
        return ["revoked_at", "revoke_reason"]

    locked, _moved = state_change(
        certificate,
        to,
        refusal=_refusal,
        action=f"customs.certificate_of_origin.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data={"number": certificate.number},
        apply=revoke if to == CertificateOfOrigin.Status.REVOKED else None,
    )
    return locked


# --- verification at import ----------------------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    valid: bool
    reason: str
    certificate: CertificateOfOrigin | None = None
    line: CertificateLine | None = None


def certificate_verify(
    number: str, *, agreement: str, importing_country: str, origin: str, hs_code: str, on: date
) -> CertificateCheck:
    """Whether the certificate ``number`` in the register supports a claim under
    ``agreement`` for goods of ``origin`` and ``hs_code`` imported into
    ``importing_country`` on ``on``: it exists, is not revoked, is of the agreement, is in
    force on that date (12 months from issue), certifies that origin for that importing
    country and has a line of the same 6-digit subheading. The reason says which failed, or
    what the certificate is."""
    number = (number or "").strip().upper()
    certificate = (
        CertificateOfOrigin.objects.filter(number=number)
        .select_related("hub")
        .prefetch_related("lines")
        .first()
    )
    figures = {"number": number}
    if certificate is None:
        reason = _("No certificate of origin numbered %(number)s is in the register.")
        return CertificateCheck(False, reason % figures)
    figures |= {
        "issued": certificate.issued_on.isoformat(),
        "until": certificate.valid_until.isoformat(),
        "origin": certificate.origin_country.code,
        "country": certificate.importing_country.code,
        "code": hs_code[:6],
        "agreement": certificate.agreement,
    }
    failure = _certificate_failure(certificate, agreement, importing_country, origin, on)
    if failure:
        return CertificateCheck(False, failure % figures, certificate)
    line = next((li for li in certificate.lines.all() if li.hs_code[:6] == hs_code[:6]), None)
    if line is None:
        reason = _("Certificate %(number)s does not cover goods of HS %(code)s.")
        return CertificateCheck(False, reason % figures, certificate)
    figures |= {"hub": certificate.hub.code, "criterion": line.origin_criterion}
    reason = _(
        "Certificate %(number)s, issued by customs %(hub)s on %(issued)s and valid until "
        "%(until)s, covers HS %(code)s of %(origin)s origin (%(criterion)s)."
    )
    return CertificateCheck(True, reason % figures, certificate, line)


def _certificate_failure(certificate, agreement, importing_country, origin, on) -> str:
    """The reason (a format string) the certificate supports no claim on ``on``, or ""."""
    if certificate.status == CertificateOfOrigin.Status.REVOKED:
        return _("Certificate %(number)s was revoked by the issuing authority.")
    if certificate.agreement != agreement:
        return _("Certificate %(number)s is a certificate under %(agreement)s.")
    if on < certificate.issued_on:
        return _("Certificate %(number)s was issued on %(issued)s, after the declaration date.")
    if on > certificate.valid_until:
        return _(
            "Certificate %(number)s expired on %(until)s (a Form E is valid 12 months from issue)."
        )
    if certificate.origin_country.code != origin.upper():
        return _("Certificate %(number)s certifies goods originating in %(origin)s.")
    if certificate.importing_country.code != importing_country.upper():
        return _("Certificate %(number)s is for goods imported into %(country)s.")
    return ""

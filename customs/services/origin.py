"""Preferential origin under ACFTA (customs/models/origin.py names the instruments): the
exporter's origin declaration checked against the rules of origin. The certificate of origin
(Form E) issued from a passed one, revoked and verified at import is
customs/services/certificates.py.

The rules, as the ACFTA Rules of Origin (Annex 3 to the ACFTA Agreement on Trade in Goods,
as amended) state them:
- Rule 2(a) with Rule 3: goods wholly obtained or produced in the exporting party originate
  there (WO); they contain no non-originating material.
- Rule 2(b) with Rule 4: other goods originate where their regional value content is not
  less than 40 % of the FOB value, RVC = (FOB − VNM) ÷ FOB × 100 %, VNM being the value of
  the non-originating materials.
- Product-specific rules (Attachment B, and those of the 2015 Upgrading Protocol): a change
  in tariff heading (CTH) as the alternative criterion, every non-originating material being
  of a 4-digit heading other than the goods'. The platform offers CTH for every heading
  without the product-specific list (indicative): the issuing officer confirms that the
  product's rule allows it.
Goods originate in a party, for import into another party that grants them the agreement's
rates (PreferentialRate.PARTNERS): China's goods into an ASEAN member, an ASEAN member's into
China.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, NotAllowedError
from hubs.hs import hs_subheadings
from hubs.roles import Perm, can_act_for

from ..errors import CustomsErrorCode
from ..models import OriginDeclaration, PreferentialRate
from ..models.origin import ORIGIN_RULES
from .agreements import agreement_parties
from .duty import AGREEMENT_INSTRUMENTS

Criterion = OriginDeclaration.Criterion

RVC_MINIMUM = Decimal(40)  # per cent of FOB: Rule 4
LEGAL_SOURCES = {
    Criterion.WO: f"{ORIGIN_RULES}, Rule 2(a) and Rule 3: goods wholly obtained or produced",
    Criterion.RVC: f"{ORIGIN_RULES}, Rule 2(b) and Rule 4: regional value content not less "
    "than 40 % (RVC = (FOB − VNM) ÷ FOB × 100 %)",
    Criterion.CTH: f"{ORIGIN_RULES}, product-specific rules (Attachment B; 2015 Upgrading "
    "Protocol): change in tariff heading, offered for every heading (indicative: the "
    "product-specific list is not loaded)",
}
MAX_VALUE = Decimal("100000000")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class OriginDeclarationRequest:
    hub: object  # hubs.Hub in the country of origin, whose officers issue the certificate
    hs_code: str
    description: str
    origin_country: str
    importing_country: str
    importer_name: str
    criterion: str
    agreement: str = PreferentialRate.Agreement.ACFTA
    product: object | None = None  # hubs.Product of the exporter
    currency: str = ""
    fob_value: Decimal | None = None
    non_originating_value: Decimal | None = None
    # the HS codes (4 digits or more) of the non-originating materials, spaces or commas
    # between them
    non_originating_headings: str = ""


@dataclass(frozen=True)
class RuleCheck:
    passed: bool
    reason: str
    legal_source: str
    rvc_percent: Decimal | None = None


def _invalid(message: str, field: str):
    raise ApplicationError(message, CustomsErrorCode.ORIGIN_INVALID, extra={"field": field})


# --- the rules -----------------------------------------------------------------------------


def rvc_percent(fob_value: Decimal, non_originating_value: Decimal) -> Decimal:
    """RVC = (FOB − VNM) ÷ FOB × 100, exact (Decimal): Rule 4's indirect formula."""
    return (fob_value - non_originating_value) / fob_value * 100


def origin_rule_check(
    *,
    criterion: str,
    hs_code: str,
    fob_value: Decimal | None = None,
    non_originating_value: Decimal | None = None,
    headings: list[str] | tuple[str, ...] = (),
) -> RuleCheck:
    """Whether goods of ``hs_code`` meet ``criterion`` with these figures (already valid as
    figures: origin_declaration_file checks them). Plain data in, plain data out."""
    if criterion == Criterion.WO:
        return _wholly_obtained(non_originating_value, headings)
    if criterion == Criterion.RVC:
        return _regional_value_content(fob_value, non_originating_value)
    return _change_in_tariff_heading(hs_code, headings)


def _wholly_obtained(non_originating_value, headings) -> RuleCheck:
    source = LEGAL_SOURCES[Criterion.WO]
    if non_originating_value or headings:
        reason = _(
            "Goods that contain non-originating materials are not wholly obtained (Rule 3): "
            "declare their regional value content or change in tariff heading instead."
        )
        return RuleCheck(False, reason, source)
    return RuleCheck(True, _("Wholly obtained or produced in the exporting party."), source)


def _regional_value_content(fob_value: Decimal, non_originating_value: Decimal) -> RuleCheck:
    exact = rvc_percent(fob_value, non_originating_value)
    # cut, not rounded: 39.999 % is shown as 39.99 % and fails, as it should
    shown = exact.quantize(CENT, rounding=ROUND_DOWN)
    figures = {"fob": fob_value, "vnm": non_originating_value, "rvc": shown}
    if exact >= RVC_MINIMUM:
        reason = _(
            "RVC = (%(fob)s − %(vnm)s) ÷ %(fob)s × 100 %% = %(rvc)s %%: not less than 40 %%."
        )
    else:
        reason = _(
            "RVC = (%(fob)s − %(vnm)s) ÷ %(fob)s × 100 %% = %(rvc)s %%: less than the 40 %% "
            "the rule requires."
        )
    return RuleCheck(exact >= RVC_MINIMUM, reason % figures, LEGAL_SOURCES[Criterion.RVC], shown)


def _change_in_tariff_heading(hs_code: str, headings) -> RuleCheck:
    source, heading = LEGAL_SOURCES[Criterion.CTH], hs_code[:4]
    if heading in headings:
        reason = _(
            "Non-originating materials of heading %(heading)s, the goods' own heading, do not "
            "change tariff heading."
        )
        return RuleCheck(False, reason % {"heading": heading}, source)
    reason = _(
        "Every non-originating material (%(headings)s) is of a heading other than %(heading)s."
    )
    return RuleCheck(True, reason % {"headings": ", ".join(headings), "heading": heading}, source)


def origin_parties_check(*, agreement: str, origin: str, importing_country: str) -> None:
    """The goods originate in a party to the agreement, for import into a party that grants
    that party's goods the agreement's rates (ApplicationError otherwise, on the field)."""
    parties = agreement_parties(agreement)
    if parties is None:
        _invalid(_("Choose the agreement under which origin is declared."), "agreement")
    instrument = AGREEMENT_INSTRUMENTS.get(agreement, agreement)
    if origin not in parties:
        raise ApplicationError(
            _(
                "%(origin)s is not a party to %(agreement)s (%(instrument)s): goods originating "
                "there cannot have its certificate of origin."
            )
            % {"origin": origin, "agreement": agreement, "instrument": instrument},
            CustomsErrorCode.ORIGIN_NOT_PARTY,
            extra={"field": "origin_country"},
        )
    if importing_country not in parties:
        raise ApplicationError(
            _(
                "%(country)s is not a party to %(agreement)s: it grants no rate under the "
                "agreement's certificate of origin."
            )
            % {"country": importing_country, "agreement": agreement},
            CustomsErrorCode.IMPORTING_NOT_PARTY,
            extra={"field": "importing_country"},
        )
    if origin not in PreferentialRate.partners_of(agreement, importing_country).split():
        raise ApplicationError(
            _(
                "%(agreement)s gives goods of %(origin)s no preference in %(country)s: between "
                "ASEAN members the ASEAN Trade in Goods Agreement applies (Form D)."
            )
            % {"agreement": agreement, "origin": origin, "country": importing_country},
            CustomsErrorCode.ORIGIN_NOT_PARTNER,
            extra={"field": "importing_country"},
        )


# --- the exporter's declaration ------------------------------------------------------------


def origin_declaration_file(
    *, organization, request: OriginDeclarationRequest, actor
) -> OriginDeclaration:
    """An exporter's member (catalogue or trade permission) declares the origin of one
    product line: the figures are checked as figures (refused with the field), then against
    the rule, and the result is stored, passed or failed with the reason. Audited."""
    if not (
        can_act_for(actor, organization, Perm.CATALOGUE_MANAGE)
        or can_act_for(actor, organization, Perm.ORDERS_TRADE)
    ):
        raise NotAllowedError(
            _("Only the exporter's members declare the origin of its goods."),
            CustomsErrorCode.ORIGIN_NOT_ALLOWED,
        )
    hs_code, description = _goods(organization, request)
    origin = request.origin_country.upper()
    importing = request.importing_country.upper()
    origin_parties_check(agreement=request.agreement, origin=origin, importing_country=importing)
    if request.hub.country.code != origin:
        _invalid(
            _("The certificate is issued in the country of origin: choose a hub in %(origin)s.")
            % {"origin": origin},
            "hub",
        )
    if not request.importer_name.strip():
        _invalid(_("Name the consignee in the importing country."), "importer_name")
    headings = _figures(request)
    check = origin_rule_check(
        criterion=request.criterion,
        hs_code=hs_code,
        fob_value=request.fob_value,
        non_originating_value=request.non_originating_value,
        headings=headings,
    )
    rvc = request.criterion == Criterion.RVC
    with transaction.atomic():
        declaration = OriginDeclaration.objects.create(
            organization=organization,
            hub=request.hub,
            product=request.product,
            hs_code=hs_code,
            description=description,
            agreement=request.agreement,
            origin_country=origin,
            importing_country=importing,
            importer_name=request.importer_name.strip()[:200],
            criterion=request.criterion,
            currency=request.currency.upper() if rvc else "",
            fob_value=request.fob_value if rvc else None,
            non_originating_value=request.non_originating_value if rvc else None,
            non_originating_headings=" ".join(headings),
            rvc_percent=check.rvc_percent,
            result=OriginDeclaration.Result.PASSED
            if check.passed
            else OriginDeclaration.Result.FAILED,
            reason=check.reason[:500],
            legal_source=check.legal_source[:300],
            declared_by=actor,
        )
        audit_record(
            actor=actor,
            action="customs.origin_declaration.filed",
            target=declaration,
            reason=declaration.reason,
            data={
                "hs_code": hs_code,
                "criterion": request.criterion,
                "result": declaration.result,
                "rvc_percent": str(check.rvc_percent) if rvc else None,
            },
        )
    return declaration


def _goods(organization, request: OriginDeclarationRequest) -> tuple[str, str]:
    """The HS code and description: as entered, or the exporter's product's."""
    product = request.product
    if product is not None and product.seller_id != organization.pk:
        _invalid(_("Choose one of your own products."), "product")
    hs_code = re.sub(r"[\s.]", "", request.hs_code or (product.hs_code if product else ""))
    description = (request.description or (product.title_en if product else "")).strip()
    if not (hs_code.isascii() and hs_code.isdigit() and 6 <= len(hs_code) <= 10):
        _invalid(_("The HS code is 6 to 10 digits."), "hs_code")
    if hs_code[:6] not in hs_subheadings():
        _invalid(
            _("HS %(code)s is not a subheading of the HS 2022 nomenclature.")
            % {"code": hs_code[:6]},
            "hs_code",
        )
    if not description:
        _invalid(_("Describe the goods."), "description")
    return hs_code, description[:200]


def _figures(request: OriginDeclarationRequest) -> list[str]:
    """Refuse figures the criterion cannot be checked on; the materials' headings, cleaned."""
    if request.criterion not in Criterion.values:
        _invalid(_("Choose the origin criterion: WO, RVC or CTH."), "criterion")
    headings = _headings(request.non_originating_headings)
    if request.criterion == Criterion.RVC:
        if not re.fullmatch(r"[A-Za-z]{3}", request.currency or ""):
            _invalid(_("The currency is an ISO 4217 code such as MYR or CNY."), "currency")
        fob, vnm = request.fob_value, request.non_originating_value
        if fob is None or not fob.is_finite() or not Decimal(0) < fob <= MAX_VALUE:
            _invalid(_("Give the goods' FOB value, more than 0."), "fob_value")
        if vnm is None or not vnm.is_finite() or not Decimal(0) <= vnm <= fob:
            _invalid(
                _(
                    "Give the value of the non-originating materials: 0 or more, and not more "
                    "than the FOB value."
                ),
                "non_originating_value",
            )
    if request.criterion == Criterion.CTH and not headings:
        _invalid(
            _(
                "List the HS headings of the non-originating materials. Goods made only of "
                "originating materials: declare RVC with 0 non-originating materials."
            ),
            "non_originating_headings",
        )
    return headings


def _headings(raw: str) -> list[str]:
    """'0902, 1701.99' → ['0902', '1701']: each a heading of the HS 2022 nomenclature."""
    known = {code[:4] for code in hs_subheadings()}
    headings = []
    for code in re.split(r"[\s,;]+", (raw or "").replace(".", "").strip()):
        if not code:
            continue
        if not (code.isascii() and code.isdigit() and 4 <= len(code) <= 10):
            _invalid(
                _("Each material's HS heading is 4 digits (or a longer HS code)."),
                "non_originating_headings",
            )
        if code[:4] not in known:
            _invalid(
                _("%(heading)s is not a heading of the HS 2022 nomenclature.")
                % {"heading": code[:4]},
                "non_originating_headings",
            )
        if code[:4] not in headings:
            headings.append(code[:4])
    return headings[:50]

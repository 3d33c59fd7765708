"""Permits of other agencies (customs/models/permits.py): a hub's customs officers register
the permits an agency issued to an organisation; goods whose tariff line requires a permit
are released only when a valid permit of the declarant covers each such item, and the
release draws each permit down by what the item declares; a cancelled or rejected
declaration gives back what it drew.

The rule (Customs Act 1967, s. 31, and the Customs (Prohibition of Imports) / (Prohibition
of Exports) Orders 2023 in Malaysia; the Regulations on the Administration of the Import and
Export of Goods (2001) in China): a permit covers an item when it is the declarant's, of the
agency the tariff line names, for the customs of the declaration's country and its direction
(import or export), for an HS prefix of the item's code, valid on the declaration date, and
with enough left of the item's quantity, net weight or value."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, NotAllowedError
from ewtp.common.notifications import email_after_commit
from ewtp.common.validators import BIDI_CONTROLS_MESSAGE, has_bidi_controls
from hubs.models import Membership
from hubs.roles import Perm, has_permission

from ..errors import CustomsErrorCode
from ..models import Agency, Declaration, DeclarationItem, Permit, PermitDrawdown
from ..models.permits import permit_agency
from ..models.tariff import HS_CODE_PATTERN
from ..selectors import tariff_nomenclature
from .duty import EXPORT_REGIMES, REGIMES

# who holds a declaration back for want of a permit, in the officers' record
PERMIT_CHECK = "permit check"
MAX_AMOUNT = Decimal("1000000000")
CENT = Decimal("0.01")
GRAM = Decimal("0.001")


# --- registering a permit ------------------------------------------------------------------


@dataclass(frozen=True)
class PermitRequest:
    agency: str
    number: str
    holder: object  # hubs.Organization
    direction: str
    hs_prefix: str
    goods: str
    measure: str
    amount: Decimal
    valid_from: date
    valid_until: date
    currency: str = ""  # a value's


def _invalid(message: str, field: str):
    raise ApplicationError(message, CustomsErrorCode.PERMIT_INVALID, extra={"field": field})


def permit_register(*, request: PermitRequest, actor) -> Permit:
    """A customs officer registers a permit an agency issued to ``request.holder``, for the
    customs of his hub's country. Every detail is checked, each refusal naming its field
    (400): the agency, the number (one per agency), an HS prefix of the HS 2022
    nomenclature, a positive amount in the measure's unit, the dates in order. Audited."""
    if not (has_permission(actor, Perm.CUSTOMS_WORKBENCH) and actor.official_hub_id):
        raise NotAllowedError(
            _("Only a hub's customs officers register permits."),
            CustomsErrorCode.PERMIT_NOT_ALLOWED,
        )
    number, hs_prefix = _checked(request)
    country = actor.official_hub.country.code
    if Permit.objects.filter(agency=request.agency, number=number).exists():
        _number_taken(request.agency, number)
    try:
        with transaction.atomic():
            permit = Permit.objects.create(
                agency=request.agency,
                number=number,
                holder=request.holder,
                country=country,
                direction=request.direction,
                hs_prefix=hs_prefix,
                goods=request.goods.strip(),
                measure=request.measure,
                currency=request.currency.upper() if request.measure == "value" else "",
                amount=request.amount,
                balance=request.amount,
                valid_from=request.valid_from,
                valid_until=request.valid_until,
                registered_by=actor,
                registered_by_label=actor.email,
            )
            audit_record(
                actor=actor,
                action="customs.permit.registered",
                target=permit,
                data={
                    "agency": permit.agency,
                    "number": permit.number,
                    "holder": str(request.holder.public_id),
                    "hs_prefix": permit.hs_prefix,
                    "amount": str(permit.amount),
                    "unit": permit.unit,
                    "valid": [permit.valid_from.isoformat(), permit.valid_until.isoformat()],
                },
            )
    except IntegrityError:  # the same number registered by another officer at the same time
        _number_taken(request.agency, number)
    return permit


def _number_taken(agency: str, number: str):
    _invalid(
        _("%(agency)s permit %(number)s is registered already.")
        % {"agency": agency, "number": number},
        "number",
    )


def _checked(request: PermitRequest) -> tuple[str, str]:
    """The number and HS prefix as stored; every other field checked as it is."""
    if request.agency not in Agency.values:
        _invalid(_("Choose the agency that issued the permit."), "agency")
    number = " ".join(request.number.split()).upper()
    if not number or len(number) > 40:
        _invalid(
            _("Give the permit's number as the agency issued it (up to 40 characters)."), "number"
        )
    for field, text in (("number", number), ("goods", request.goods)):
        if has_bidi_controls(text):  # officers and the holder read them
            _invalid(str(BIDI_CONTROLS_MESSAGE), field)
    if request.holder is None:
        _invalid(_("Choose the organisation the permit was issued to."), "holder")
    if request.direction not in Permit.Direction.values:
        _invalid(_("Say whether the permit is for import or for export."), "direction")
    hs_prefix = _checked_prefix(request.hs_prefix)
    if not request.goods.strip() or len(request.goods.strip()) > 200:
        _invalid(_("Describe the goods the permit covers (up to 200 characters)."), "goods")
    _check_amount(request)
    if request.valid_from is None or request.valid_until is None:
        _invalid(_("Give the first and the last day the permit is valid."), "valid_from")
    if request.valid_until < request.valid_from:
        _invalid(_("The permit's last valid day cannot come before its first."), "valid_until")
    return number, hs_prefix


def _checked_prefix(raw: str) -> str:
    """An HS prefix a permit covers: a chapter, heading, subheading or national line of the
    HS 2022 nomenclature (dots and spaces removed)."""
    hs_prefix = raw.replace(".", "").replace(" ", "")
    if not re.fullmatch(HS_CODE_PATTERN, hs_prefix):
        _invalid(
            _(
                "The HS prefix is a chapter (2 digits), a heading (4), or a subheading or "
                "national line (6 to 10)."
            ),
            "hs_prefix",
        )
    if not tariff_nomenclature().knows(hs_prefix):
        _invalid(
            _("HS %(code)s is not in the HS 2022 nomenclature.") % {"code": hs_prefix[:6]},
            "hs_prefix",
        )
    return hs_prefix


def _check_amount(request: PermitRequest) -> None:
    if request.measure not in Permit.Measure.values:
        _invalid(_("Say whether the permit counts units, kilograms or a value."), "measure")
    amount = request.amount
    if amount is None or not amount.is_finite() or not Decimal(0) < amount <= MAX_AMOUNT:
        _invalid(
            _("The amount the permit covers is more than 0 and at most %(most)s.")
            % {"most": f"{MAX_AMOUNT:,}"},
            "amount",
        )
    places = {"units": Decimal(1), "kg": GRAM, "value": CENT}[request.measure]
    if amount != amount.quantize(places, rounding=ROUND_HALF_UP):
        _invalid(
            {
                "units": _("A number of units is a whole number."),
                "kg": _("Kilograms take at most three decimals."),
                "value": _("A value takes at most two decimals."),
            }[request.measure],
            "amount",
        )
    currency = request.currency.strip()
    if request.measure == "value" and not (
        len(currency) == 3 and currency.isascii() and currency.isalpha()
    ):
        _invalid(_("A permit for a value names its currency (ISO 4217, e.g. MYR)."), "currency")


# --- which permit covers which item --------------------------------------------------------


@dataclass(frozen=True)
class PermitCover:
    """A declared item whose tariff line requires a permit, and the permit that covers it
    (or drew for it at release); ``problem`` says why none does: "none" (the declarant has
    no such permit), "not_valid" (not on the declaration date) or "balance" (too little
    left)."""

    item: DeclarationItem
    agency: str
    required: str  # the tariff's words
    permit: Permit | None = None
    amount: Decimal | None = None  # what the item draws of it
    drawn: bool = False
    problem: str = ""
    on: date | None = None

    @property
    def agency_name(self) -> str:
        if self.agency == Agency.OTHER:
            return _("the authority the tariff names (%(words)s)") % {"words": self.required}
        return self.agency

    @property
    def reason(self) -> str:
        """Why the item cannot be released yet, in the reader's language ("" when covered)."""
        words = {"no": self.item.line_no, "agency": self.agency_name}
        if self.problem == "not_valid":
            words["date"] = self.on.isoformat() if self.on else ""
            return (
                _(
                    "Item %(no)s needs a permit from %(agency)s: yours for these goods is not "
                    "valid on %(date)s."
                )
                % words
            )
        if self.problem == "balance":
            return (
                _(
                    "Item %(no)s needs a permit from %(agency)s: yours for these goods have too "
                    "little left for it."
                )
                % words
            )
        if self.problem:
            return _("Item %(no)s needs a permit from %(agency)s: none of yours covers it.") % words
        return ""

    @property
    def finding(self) -> str:
        """Why no permit covers the item, in the officers' words ("" when one does)."""
        if self.problem == "not_valid":
            return _("the declarant's is not valid on %(date)s") % {
                "date": self.on.isoformat() if self.on else ""
            }
        if self.problem == "balance":
            return _("the declarant's have too little left")
        return _("the declarant holds none that covers it") if self.problem else ""


def direction_of(regime: str) -> str:
    return Permit.Direction.EXPORT if regime in EXPORT_REGIMES else Permit.Direction.IMPORT


def permit_coverage(declaration: Declaration, *, lock: bool = False) -> list[PermitCover]:
    """Each item of an assessed declaration whose tariff line requires a permit, with the
    permit that covers it: the one drawn at its release, else the declarant's permit that
    ends soonest among those that cover it with enough left (items in line order, sharing
    one permit's balance). ``lock``: the candidate permits are locked, by id (the release
    draws from them); the caller holds the declaration locked in its transaction."""
    needs = _needs(declaration.items.select_related("tariff_line").order_by("line_no"))
    if not needs:
        return []
    drawn = {
        row.item_id: row
        for row in PermitDrawdown.objects.filter(
            declaration=declaration, kind=PermitDrawdown.Kind.DRAWN
        )
        .exclude(Exists(_given_back()))
        .select_related("permit")
    }
    candidates = _candidates(declaration, {agency for _item, agency, _words in needs})
    permits = list(candidates.select_for_update() if lock else candidates)
    return _allocate(declaration, needs, drawn, permits)


def permits_covering(*, declaration: Declaration, item: DeclarationItem) -> list[Permit]:
    """The declarant's permits valid on the declaration date that each cover the item with
    enough left, the one ending soonest first ([] where its line requires none)."""
    needs = _needs([item])
    if not needs:
        return []
    _item, agency, _words = needs[0]
    on = declaration.declared_on
    return [
        permit
        for permit, needed in _fitting(
            declaration, item, agency, _candidates(declaration, {agency})
        )
        if permit.valid_from <= on <= permit.valid_until and needed <= permit.balance
    ]


def _needs(items) -> list[tuple[DeclarationItem, str, str]]:
    """The items whose tariff line (as assessed) requires a permit, each with the agency."""
    return [
        (item, permit_agency(item.tariff_line.permit_required), item.tariff_line.permit_required)
        for item in items
        if item.tariff_line is not None and item.tariff_line.permit_required
    ]


def _candidates(declaration: Declaration, agencies: set[str]):
    """The declarant's permits of these agencies for its customs and direction, by id."""
    if declaration.organization_id is None:
        return Permit.objects.none()
    return Permit.objects.filter(
        holder_id=declaration.organization_id,
        country=REGIMES[declaration.regime],
        direction=direction_of(declaration.regime),
        agency__in=agencies,
    ).order_by("pk")


def _fitting(declaration, item, agency, permits) -> list[tuple[Permit, Decimal]]:
    """The permits that cover the item's goods (whatever their dates and balance), with what
    the item would draw of each, the one ending soonest first."""
    return [
        (permit, needed)
        for permit in sorted(permits, key=lambda permit: (permit.valid_until, permit.pk))
        if permit.agency == agency
        and item.hs_code.startswith(permit.hs_prefix)
        and (needed := _needed(permit, item, declaration)) is not None
    ]


def _given_back():
    return PermitDrawdown.objects.filter(
        item_id=OuterRef("item_id"), kind=PermitDrawdown.Kind.GIVEN_BACK
    )


def _allocate(declaration, needs, drawn, permits) -> list[PermitCover]:
    left = {permit.pk: permit.balance for permit in permits}
    on = declaration.declared_on
    covers = []
    for item, agency, required in needs:
        if item.pk in drawn:
            row = drawn[item.pk]
            covers.append(PermitCover(item, agency, required, row.permit, row.amount, True))
            continue
        fitting = _fitting(declaration, item, agency, permits)
        valid = [(p, needed) for p, needed in fitting if p.valid_from <= on <= p.valid_until]
        chosen = next(((p, needed) for p, needed in valid if needed <= left[p.pk]), None)
        if chosen is not None:
            left[chosen[0].pk] -= chosen[1]
            covers.append(PermitCover(item, agency, required, *chosen))
            continue
        problem = "balance" if valid else "not_valid" if fitting else "none"
        covers.append(PermitCover(item, agency, required, problem=problem, on=on))
    return covers


def _needed(permit: Permit, item: DeclarationItem, declaration: Declaration) -> Decimal | None:
    """What the item draws of the permit, in its unit; None when they cannot be compared (a
    value permit in a currency that is neither the declaration's nor customs')."""
    if permit.measure == Permit.Measure.UNITS:
        return Decimal(item.quantity)
    if permit.measure == Permit.Measure.KG:
        return item.net_weight_kg
    if permit.currency == declaration.currency:
        return item.value
    if permit.currency == declaration.customs_currency:
        return (item.value * declaration.exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


# --- release, and giving back --------------------------------------------------------------


def permits_draw_at_release(declaration: Declaration, *, actor_label: str, actor=None) -> str:
    """Called at each point a declaration would be released, with the declaration locked in
    the caller's transaction. When every permit-required item is covered, each permit is
    drawn down by its item (under the permit's row lock; an item drawn already is not drawn
    again, so a retried or repeated release draws once) and "" is returned: release it.
    Otherwise nothing is drawn, the declarant's members are e-mailed (after commit) and the
    reason to hold it with is returned, one sentence per item, in the hub's language."""
    covers = permit_coverage(declaration, lock=True)
    missing = [cover for cover in covers if cover.permit is None]
    if missing:
        with translation.override(settings.LANGUAGE_CODE):
            reason = " ".join(cover.reason for cover in missing)
            _tell_declarant(declaration, reason)
        return reason
    for cover in covers:
        if not cover.drawn:
            _draw(declaration, cover, actor_label, actor)
    return ""


def _draw(declaration, cover: PermitCover, actor_label: str, actor) -> None:
    _balance_move(
        cover.permit,
        declaration,
        cover.item,
        -cover.amount,
        actor_label,
        actor,
        reason=f"Released: declaration {declaration.reference}, item {cover.item.line_no}",
    )


def _balance_move(permit, declaration, item, change, actor_label, actor, *, reason) -> None:
    """Move a (locked) permit's balance by ``change`` for one declaration item: drawn when
    negative, given back when positive; the drawdown row and the audit record say so."""
    drawn = change < 0
    permit.balance += change
    permit.save(update_fields=["balance", "updated_at"])
    PermitDrawdown.objects.create(
        permit=permit,
        declaration=declaration,
        item=item,
        kind=PermitDrawdown.Kind.DRAWN if drawn else PermitDrawdown.Kind.GIVEN_BACK,
        amount=abs(change),
        balance_after=permit.balance,
        actor_label=actor_label[:254],
    )
    audit_record(
        actor=actor,
        actor_label=actor_label,
        action="customs.permit.drawn" if drawn else "customs.permit.given_back",
        target=permit,
        reason=reason,
        data={
            "declaration": declaration.reference,
            "item": item.line_no,
            "amount": str(abs(change)),
            "balance": str(permit.balance),
        },
    )


def permits_give_back(declaration: Declaration, *, actor_label: str, actor=None) -> int:
    """A cancelled or rejected declaration gives back what its release drew of each permit
    (the caller holds it locked). Returns how many items gave back: 0 the second time."""
    rows = list(
        PermitDrawdown.objects.filter(declaration=declaration, kind=PermitDrawdown.Kind.DRAWN)
        .exclude(Exists(_given_back()))
        .select_related("item")
        .order_by("pk")
    )
    if not rows:
        return 0
    permits = Permit.objects.select_for_update().filter(pk__in={row.permit_id for row in rows})
    locked = {permit.pk: permit for permit in permits.order_by("pk")}
    for row in rows:
        _balance_move(
            locked[row.permit_id],
            declaration,
            row.item,
            row.amount,
            actor_label,
            actor,
            reason=f"Declaration {declaration.reference} {declaration.status}",
        )
    return len(rows)


def _tell_declarant(declaration: Declaration, reason: str) -> None:
    if declaration.organization_id is None:
        return
    emails = Membership.objects.filter(
        organization_id=declaration.organization_id, user__is_active=True
    ).values_list("user__email", flat=True)
    words = {"reference": declaration.reference, "hub": declaration.hub.code}
    email_after_commit(
        to=list(emails),
        subject=_("eWTP Hub: declaration %(reference)s is held: a permit is needed") % words,
        body=reason
        + "\n\n"
        + _(
            "Customs at %(hub)s releases declaration %(reference)s once a valid permit that "
            "covers the goods is registered for your organisation. Send the permit to the "
            "customs officers: supply it on the declaration's page in the portal "
            "(Declarations). Your permits are listed under Declarations."
        )
        % words,
    )

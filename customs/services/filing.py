"""Goods declarations as the declarant files them: created from plain data (by the pipeline
from an order, or by hand), validated with a reason per field, submitted (one, or a
platform's batch) for the automatic steps (customs/services/clearance.py), amended (and
assessed again) or cancelled. Every change of state is recorded with who, when and why
(customs/services/moves.py).

The officers' decisions build on the assessed declaration (customs/services/decisions.py).
"""

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from ewtp.common.after_commit import on_commit_batched
from ewtp.common.audit import audit_record
from ewtp.common.bulk import rows_update
from ewtp.common.errors import ApplicationError, ConflictError
from hubs.hs import hs_subheadings

from ..errors import CustomsErrorCode
from ..models import Declaration, DeclarationItem
from .agreements import origin_party_check
from .clearance import declaration_steps_now
from .duty import CUSTOMS_CURRENCY, REGIMES
from .lvg import lvg_number_in_force, lvg_registration_check
from .moves import MOVED_FIELDS, Moves, TransitionNote, declaration_transition
from .parties import address_key
from .rates import customs_rate
from .tariff_in_force import line_in_force

logger = logging.getLogger(__name__)

MAX_ITEMS = 200
MAX_VALUE = Decimal("100000000")
MAX_RATE = Decimal("100000")  # customs currency per unit: keeps every total in its column


@dataclass(frozen=True)
class ItemRequest:
    hs_code: str
    description: str
    origin: str
    quantity: int
    net_weight_kg: Decimal | None
    value: Decimal


@dataclass(frozen=True)
class DeclarationRequest:
    regime: str
    hub: object  # hubs.Hub where the goods are declared
    exporter: str
    importer: str
    declarant: str
    currency: str
    declared_on: date
    items: list[ItemRequest] = field(default_factory=list)
    # customs currency per unit of ``currency``; None: the customs rate in force that day
    exchange_rate: Decimal | None = None
    exchange_rate_source: str = ""
    incoterm: str = "DAP"
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    fta_agreement: str = ""
    fta_certificate: str = ""
    importer_id_reference: str = ""
    sold_online_by_registered_seller: bool = False
    # MY_IMPORT sold online by a registered seller: the seller's LVG registration in force on
    # the declaration date (customs/services/lvg.py checks it)
    lvg_registration_number: str = ""
    air_courier: bool = True
    waybill: str = ""
    # CN_CBEC_IMPORT: "9610" (flown to the consumer, the default) or "1210" (sold from bonded
    # stock at ``customs_site_code``)
    supervision_mode: str = ""
    customs_site_code: str = ""
    organization: object | None = None  # hubs.Organization declaring (or declared for)
    order: object | None = None
    paid_amount: Decimal | None = None  # what the buyer paid, from the payment record
    # where a consumer's consignment is delivered (kept only as parties.address_key)
    delivery_address: str = ""
    # lodged before the goods arrive (from the departed flight's manifest): when they are due;
    # the declaration is then released no earlier than declaration_goods_arrived
    arrival_expected_at: datetime | None = None


def declaration_request_of_organization(
    *, organization, hub, order, data: dict, items: list[ItemRequest]
) -> DeclarationRequest:
    """What an SME (or its agent) files by hand, from the portal or its API client: the SME is
    the exporter and, unless an agent is named, the declarant; the declaration is dated today
    and converted at customs' rate of the day (neither is the declarant's to choose)."""
    return DeclarationRequest(
        regime=data["regime"],
        hub=hub,
        exporter=organization.legal_name,
        importer=data["importer"],
        importer_id_reference=data.get("importer_id_reference", ""),
        declarant=data.get("declarant") or organization.legal_name,
        currency=data["currency"].upper(),
        declared_on=timezone.localdate(),
        items=items,
        incoterm=data["incoterm"],
        freight=data["freight"],
        insurance=data["insurance"],
        fta_agreement=data["fta_agreement"],
        fta_certificate=data["fta_certificate"],
        sold_online_by_registered_seller=data["sold_online_by_registered_seller"],
        lvg_registration_number=lvg_number_in_force(
            organization=organization, on=timezone.localdate()
        )
        if data["sold_online_by_registered_seller"] and data["regime"] == "MY_IMPORT"
        else "",
        air_courier=data["air_courier"],
        waybill=data["waybill"],
        organization=organization,
        order=order,
    )


def _invalid(message: str, field_name: str):
    raise ApplicationError(
        message, CustomsErrorCode.DECLARATION_INVALID, extra={"field": field_name}
    )


def _check(request: DeclarationRequest) -> None:
    country = REGIMES.get(request.regime)
    if country is None:
        _invalid(f"Regime is one of {', '.join(REGIMES)}.", "regime")
    if request.hub.country.code != country:
        _invalid(f"{request.regime} is declared at a hub in {country}.", "hub")
    _check_parties_and_money(request)
    if request.fta_agreement and not request.fta_certificate.strip():
        raise ApplicationError(
            "A preferential claim needs the certificate of origin number.",
            CustomsErrorCode.CERTIFICATE_MISSING,
            extra={"field": "fta_certificate"},
        )
    for index, item in enumerate(request.items if request.fta_agreement else []):
        origin_party_check(request.fta_agreement, index, item.origin)
    if request.regime == "MY_IMPORT" and request.sold_online_by_registered_seller:
        lvg_registration_check(
            organization=request.organization,
            number=request.lvg_registration_number,
            on=request.declared_on,
        )
    if request.regime == "CN_CBEC_IMPORT" and not request.importer_id_reference.strip():
        _invalid("A cross-border retail import names the buyer's ID.", "importer_id_reference")
    _check_supervision_mode(request)
    if not 1 <= len(request.items) <= MAX_ITEMS:
        _invalid(f"A declaration has 1 to {MAX_ITEMS} items.", "items")
    for index, item in enumerate(request.items):
        item_check(index, item, country, request.declared_on, regime=request.regime)


def _check_supervision_mode(request: DeclarationRequest) -> None:
    """China's retail imports are declared under mode 9610 (flown to the consumer) or 1210
    (sold from bonded stock, naming the supervision site the goods leave)."""
    mode = request.supervision_mode
    if mode and (request.regime != "CN_CBEC_IMPORT" or mode not in ("9610", "1210")):
        _invalid(
            "A supervision mode (9610 or 1210) is for a China retail import.", "supervision_mode"
        )
    if mode == "1210" and not request.customs_site_code.strip():
        _invalid(
            "A bonded (1210) import names the supervision site it leaves.", "customs_site_code"
        )


def _check_parties_and_money(request: DeclarationRequest) -> None:
    for name in ("exporter", "importer", "declarant"):
        if not getattr(request, name).strip():
            _invalid("Name every party of the declaration.", name)
    if not (len(request.currency) == 3 and request.currency.isalpha()):
        _invalid("The currency is an ISO 4217 code.", "currency")
    rate = request.exchange_rate
    if rate is not None and (not rate.is_finite() or not Decimal(0) < rate <= MAX_RATE):
        _invalid(f"The exchange rate is a positive number up to {MAX_RATE}.", "exchange_rate")
    for name in ("freight", "insurance"):
        value = getattr(request, name)
        if not value.is_finite() or not Decimal(0) <= value <= MAX_VALUE:
            _invalid("Freight and insurance are 0 or more.", name)


def item_check(index: int, item: ItemRequest, country: str, on: date, *, regime: str) -> None:
    prefix = f"items.{index}"
    on_hs_code = {"field": f"{prefix}.hs_code"}
    if not (item.hs_code.isascii() and item.hs_code.isdigit() and 6 <= len(item.hs_code) <= 10):
        raise ApplicationError(
            "The HS code is 6 to 10 digits.", CustomsErrorCode.HS_UNKNOWN, extra=on_hs_code
        )
    if item.hs_code[:6] not in hs_subheadings():
        raise ApplicationError(
            f"HS {item.hs_code[:6]} is not a subheading of the HS 2022 nomenclature.",
            CustomsErrorCode.HS_UNKNOWN,
            extra=on_hs_code,
        )
    # A code without a line in force is declared all the same: an export needs no rate, and
    # an import item waits for the destination's officers to classify it (CLASSIFY).
    try:
        line = line_in_force(regime, country, item.hs_code, on)
    except ApplicationError as refused:  # an export under a prohibited national line
        refused.extra = {**refused.extra, **on_hs_code}  # the engine's refusal, on the item
        raise
    if line is not None and line.prohibited:
        raise ApplicationError(
            f"HS {item.hs_code} is prohibited ({line.legal_source}).",
            CustomsErrorCode.GOODS_PROHIBITED,
            extra=on_hs_code,
        )
    if len(item.origin) != 2 or not item.origin.isalpha():
        _invalid("Give the country of origin (ISO code).", f"{prefix}.origin")
    if not 1 <= item.quantity <= 1_000_000:
        _invalid("The quantity is 1 or more.", f"{prefix}.quantity")
    weight = item.net_weight_kg
    if weight is None or not weight.is_finite() or not Decimal("0.001") <= weight <= 100_000:
        _invalid("Give the net weight in kg.", f"{prefix}.net_weight_kg")
    if not item.value.is_finite() or not Decimal(0) < item.value <= MAX_VALUE:
        _invalid("The value is more than 0.", f"{prefix}.value")
    if not item.description.strip():
        _invalid("Describe the goods.", f"{prefix}.description")


MAX_CUSTOMS_VALUE = Decimal("10000000000")  # duties and taxes on it fit their columns


def _check_magnitude(items, freight: Decimal, insurance: Decimal, rate: Decimal) -> None:
    value = (sum((item.value for item in items), Decimal(0)) + freight + insurance) * rate
    if value > MAX_CUSTOMS_VALUE:
        _invalid(
            f"The consignment's customs value is at most {MAX_CUSTOMS_VALUE:,.0f} in the "
            "customs currency: split it into several declarations.",
            "items",
        )


def declaration_create(*, request: DeclarationRequest, actor_label: str) -> Declaration:
    _check(request)
    country = REGIMES[request.regime]
    rate, rate_source = request.exchange_rate, request.exchange_rate_source
    if rate is None:
        rate, rate_source = customs_rate(
            country=country, currency=request.currency.upper(), on=request.declared_on
        )
    _check_magnitude(request.items, request.freight, request.insurance, rate)
    try:
        return _insert(request, country, rate, rate_source, actor_label)
    except IntegrityError:
        if request.order is None:
            raise
        raise ConflictError(
            f"Order {request.order.reference} already has a {request.regime} declaration "
            "that is not cancelled or rejected.",
            CustomsErrorCode.DECLARATION_EXISTS,
            extra={"field": "order"},
        ) from None


def _insert(request, country, rate, rate_source, actor_label) -> Declaration:
    with transaction.atomic():
        declaration = Declaration.objects.create(
            reference=f"D{request.hub.code}{secrets.token_hex(6).upper()}",
            regime=request.regime,
            hub=request.hub,
            order=request.order,
            organization=request.organization,
            waybill=request.waybill.strip().upper()[:20],
            exporter=request.exporter.strip()[:200],
            importer=request.importer.strip()[:200],
            importer_id_reference=request.importer_id_reference.strip()[:40],
            declarant=request.declarant.strip()[:200],
            incoterm=request.incoterm,
            currency=request.currency.upper()[:3],
            freight=request.freight,
            insurance=request.insurance,
            customs_currency=CUSTOMS_CURRENCY[country],
            exchange_rate=rate,
            exchange_rate_source=(rate_source or "declared")[:50],
            fta_agreement=request.fta_agreement,
            fta_certificate=request.fta_certificate.strip()[:40],
            sold_online_by_registered_seller=request.sold_online_by_registered_seller,
            lvg_registration_number=request.lvg_registration_number
            if request.regime == "MY_IMPORT" and request.sold_online_by_registered_seller
            else "",
            air_courier=request.air_courier,
            supervision_mode=_supervision_mode(request),
            customs_site_code=request.customs_site_code.strip().upper()[:20]
            if _supervision_mode(request) == "1210"
            else "",
            declared_on=request.declared_on,
            paid_amount=request.paid_amount,
            delivery_address_key=address_key(request.delivery_address),
            arrival_expected_at=request.arrival_expected_at,
        )
        _replace_items(declaration, request.items)
        moves = Moves()
        moves.record(declaration, "", TransitionNote(actor_label))
        moves.write()
        declaration.status_changed_at = timezone.now()
        declaration.save(update_fields=["status_changed_at"])
    return declaration


def _supervision_mode(request) -> str:
    if request.regime != "CN_CBEC_IMPORT":
        return ""
    return request.supervision_mode or "9610"


def _replace_items(declaration: Declaration, items: list[ItemRequest]) -> None:
    declaration.items.all().delete()
    DeclarationItem.objects.bulk_create(
        [
            DeclarationItem(
                declaration=declaration,
                line_no=number,
                hs_code=item.hs_code,
                description=item.description.strip()[:200],
                origin=item.origin.upper(),
                quantity=item.quantity,
                net_weight_kg=item.net_weight_kg,
                value=item.value,
            )
            for number, item in enumerate(items, start=1)
        ]
    )


SUBMITTED_OR_LATER = {
    Declaration.Status.SUBMITTED,
    Declaration.Status.CLASSIFY,
    Declaration.Status.ASSESSED,
    Declaration.Status.LANE,
    Declaration.Status.ACCEPTED,
    Declaration.Status.HELD,
    Declaration.Status.RELEASED,
    Declaration.Status.REJECTED,
}


def declaration_submit(*, declaration: Declaration, actor_label: str) -> Declaration:
    """Submit a draft: assessment, risk and release follow in the background
    (declaration_process), started once the submission is committed."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status in SUBMITTED_OR_LATER:
            return locked  # a repeated submission: it is on its way, or through
        submitted = declaration_transition(
            declaration=locked, to=Declaration.Status.SUBMITTED, actor_label=actor_label
        )
        declarations_process_after_commit([submitted.pk])
        return submitted


def declarations_process_after_commit(declaration_ids: list[int]) -> None:
    """The automatic steps of these declarations, once the transaction commits, together
    with every other declaration it submits: a flight's departure declares each order on
    board, and they are cleared as one batch (one message per hub and PROCESS_BATCH)."""
    on_commit_batched("customs.clearance", declaration_ids, declarations_process_enqueue)


PROCESS_BATCH = 500  # declarations to a task: one batch through clearance.declarations_process


def declarations_process_enqueue(declaration_ids: list[int]) -> None:
    """The automatic steps of many declarations, PROCESS_BATCH to a task, each task the
    declarations of one declaring hub."""
    from ..tasks import declarations_process_task

    hubs = _declaring_hubs(declaration_ids)
    by_hub: dict[str, list[int]] = {}
    for pk in declaration_ids:
        by_hub.setdefault(hubs.get(pk, ""), []).append(pk)
    for hub, ids in by_hub.items():
        for start in range(0, len(ids), PROCESS_BATCH):
            chunk = ids[start : start + PROCESS_BATCH]
            try:
                declarations_process_task.delay(chunk, hub=hub)
            except Exception:  # the broker is down: the stuck sweeper re-drives them
                logger.warning("customs: could not enqueue %s declarations", len(chunk))


def _declaring_hubs(declaration_ids: list[int]) -> dict[int, str]:
    """The code of each declaration's hub, whose workers clear it when it has its own
    (ewtp/common/queues.py). Read after the commit: a read that fails leaves the work to
    the shared queue rather than unsent."""
    try:
        return dict(
            Declaration.objects.filter(pk__in=declaration_ids).values_list("pk", "hub__code")
        )
    except DatabaseError:
        logger.warning("customs: hubs of %s declarations unknown", len(declaration_ids))
        return {}


def declarations_submit(*, declarations: list[Declaration], actor_label: str) -> int:
    """Submit many drafts at once (a platform's batch, up to a few hundred): all or none; the
    automatic steps then run in batches (clearance.declarations_process). Returns how many
    were newly submitted (those already submitted are left as they are)."""
    with transaction.atomic():
        locked = list(
            Declaration.objects.select_for_update()
            .filter(pk__in=[d.pk for d in declarations])
            .order_by("pk")  # one lock order for every batch: no deadlock between two
        )
        moves = Moves()
        moved = [
            moves.move(d, Declaration.Status.SUBMITTED, TransitionNote(actor_label))
            for d in locked
            if d.status not in SUBMITTED_OR_LATER
        ]
        rows_update(moved, MOVED_FIELDS)
        moves.write()
        declarations_process_after_commit([d.pk for d in moved])
    return len(moved)


def declaration_amend(
    *, declaration: Declaration, items: list[ItemRequest], reason: str, actor_label: str
) -> Declaration:
    """New items (a weight found different at the hub, a corrected value): assessed again."""
    if not reason.strip():
        _invalid("Say what the amendment corrects.", "reason")
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        country = REGIMES[locked.regime]
        if not 1 <= len(items) <= MAX_ITEMS:
            _invalid(f"A declaration has 1 to {MAX_ITEMS} items.", "items")
        for index, item in enumerate(items):
            item_check(index, item, country, locked.declared_on, regime=locked.regime)
        _check_magnitude(items, locked.freight, locked.insurance, locked.exchange_rate)
        if locked.status == Declaration.Status.DRAFT:  # corrected before it was submitted
            _replace_items(locked, items)
            audit_record(
                actor=None,
                actor_label=actor_label,
                action="customs.declaration.draft_amended",
                target=locked,
                reason=reason.strip(),
            )
            return locked
        # an amendment never lets goods an officer holds or queued slip out unseen
        # (its lane is kept: routing again never gives it a laxer one)
        if locked.status not in (Declaration.Status.LANE, Declaration.Status.HELD):
            locked.lane = ""
            locked.save(update_fields=["lane"])
        declaration_transition(
            declaration=locked,
            to=Declaration.Status.SUBMITTED,
            actor_label=actor_label,
            reason=f"Amended: {reason.strip()}",
        )
        _replace_items(locked, items)
        # assessed and routed now, in this transaction (the officers classify first where a
        # line is missing)
        return declaration_steps_now(locked.pk)


def declaration_cancel(*, declaration: Declaration, reason: str, actor_label: str) -> Declaration:
    """Withdraw the declaration: what it held (the buyer's CBEC allowance, permits) is given
    back (declaration_transition)."""
    return declaration_transition(
        declaration=declaration,
        to=Declaration.Status.CANCELLED,
        actor_label=actor_label,
        reason=reason or "Cancelled",
    )

"""The destination's side of the journey over the e-road: an order's goods announced by a
peer's manifest, their import filed here before they land (pre-arrival lodgement, WCO
Revised Kyoto Convention, General Annex Standard 3.25), the operators' scans, and every
decision and scan told back to the peer that sent them, on the order's stream."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customs.models import Declaration
from customs.services.decisions import declaration_goods_arrived, declaration_records_attach
from customs.services.duty import REGIMES
from customs.services.filing import (
    DeclarationRequest,
    ItemRequest,
    declaration_create,
    declaration_submit,
)
from customs.services.matching import REGIMES_MATCHED, records_from_json
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.states import state_change
from hubs.roles import Perm, has_permission
from hubs.selectors import hub_get, hub_is_here
from pipeline.errors import RETRY_LATER

from ..errors import PeeringErrorCode, TryLater
from ..models import Consignment, Peer
from .outbound import message_send

Status = Consignment.Status
CLAIMS = (Status.LOST, Status.DAMAGED)


def stream_of(order_reference: str) -> str:
    """One stream per order, both ways: its messages are processed in the order sent."""
    return f"order:{order_reference}"


def consignment_receive(*, peer: Peer, manifest: dict) -> Consignment:
    """A peer's manifest of an order's goods on one flight bound for a hub run here: kept as
    received, and (for the order's first) the import declaration filed from it and
    submitted. Goods customs cannot accept as stated are not filed: the consignment keeps
    why, the officers see it, and the peer is told (a ``declaration.decided`` of status
    ``not_filed``)."""
    hub = _hub_here(manifest["destination_hub"])
    if not peer.eroads.filter(destination=hub).exists():
        raise ApplicationError(
            _("%(peer)s serves no e-road into %(hub)s.") % {"peer": peer.name, "hub": hub.code},
            PeeringErrorCode.NOT_YOUR_HUB,
        )
    regime = manifest["declaration"]["regime"]
    if REGIMES.get(regime) != hub.country.code:
        raise ApplicationError(
            _("%(regime)s is not an import regime of %(hub)s.")
            % {"regime": regime, "hub": hub.code},
            PeeringErrorCode.MESSAGE_INVALID,
        )
    arrives_at = _moment(manifest["flight"]["arrives_at"])
    earlier = (
        Consignment.objects.filter(peer=peer, order_reference=manifest["order"])
        .order_by("id")
        .first()
    )
    consignment, created = Consignment.objects.get_or_create(
        peer=peer,
        order_reference=manifest["order"],
        waybill=manifest["parcels"][0]["waybill"],
        defaults={
            "hub": hub,
            "flight_number": manifest["flight"]["number"],
            "master_waybill": manifest["flight"]["master_waybill"],
            "arrives_at": arrives_at,
            "parcels": len(manifest["parcels"]),
            "manifest": manifest,
            # goods of the order on a later flight: declared with its first
            "declaration": earlier.declaration if earlier is not None else None,
        },
    )
    if not created or earlier is not None:
        return consignment  # a repeated manifest, or the order was declared with its first
    try:
        with transaction.atomic():
            declaration = _file(hub, manifest, consignment.arrives_at)
    except ApplicationError as error:
        if error.code in RETRY_LATER:
            raise TryLater(error.message) from None
        consignment.filing_error = error.message[:300]
        consignment.save(update_fields=["filing_error"])
        _tell(consignment, "declaration.decided", _not_filed(consignment, error.message))
        return consignment
    consignment.declaration = declaration
    consignment.save(update_fields=["declaration"])
    return consignment


def _moment(text: str) -> datetime:
    """An ISO 8601 time with its offset (a time without one could be anyone's)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ApplicationError(
            _("%(value)s is not a time with its offset.") % {"value": text[:40]},
            PeeringErrorCode.MESSAGE_INVALID,
        )
    return moment


def _hub_here(code: str):
    try:
        hub = hub_get(code=code)
    except Exception:
        hub = None
    if hub is None or not hub_is_here(hub):
        raise ApplicationError(
            _("Hub %(code)s is not run by this deployment.") % {"code": code},
            PeeringErrorCode.NOT_YOUR_HUB,
        )
    return hub


def _file(hub, manifest: dict, arrives_at) -> Declaration:
    terms = manifest["declaration"]
    try:
        records = records_from_json(manifest["records"])
        items = [
            ItemRequest(
                hs_code=item["hs_code"],
                description=item["description"],
                origin=item["origin"],
                quantity=item["quantity"],
                net_weight_kg=_decimal(item.get("net_weight_kg")),
                value=_decimal(item["value"]),
            )
            for item in terms["items"]
        ]
    except (ArithmeticError, KeyError, TypeError, ValueError):
        raise ApplicationError(
            _("The manifest's records cannot be read."), PeeringErrorCode.MESSAGE_INVALID
        ) from None
    declaration = declaration_create(
        request=DeclarationRequest(
            regime=terms["regime"],
            hub=hub,
            exporter=terms["exporter"],
            importer=terms["importer"],
            importer_id_reference=terms.get("importer_id_reference", ""),
            declarant=f"eWTP Hub {hub.code} for {terms['importer']}"[:200],
            currency=terms["currency"],
            declared_on=timezone.localdate(),
            items=items,
            incoterm=terms["incoterm"],
            freight=_decimal(terms.get("freight", "0")),
            insurance=_decimal(terms.get("insurance", "0")),
            waybill=terms["waybill"],
            delivery_address=terms.get("delivery_address", ""),
            arrival_expected_at=arrives_at,
        ),
        actor_label="e-road manifest",
    )
    if declaration.regime in REGIMES_MATCHED and records:
        declaration_records_attach(
            declaration=declaration, actor_label="e-road manifest", **records
        )
    return declaration_submit(declaration=declaration, actor_label="e-road manifest")


def _decimal(value):
    return None if value is None else Decimal(str(value))


TOLD = {"accepted", "held", "released", "rejected"}  # the decisions a peer is told


def consignment_decision_tell(
    *, declaration: Declaration, status: str, by_officer: bool, reason: str
) -> None:
    """Tell the peer what this hub's customs decided on a consignment's import, as the
    decision stated it (``status``, ``by_officer``, ``reason``: the event's, not the
    declaration's now); each decision once (a repeated event sends nothing more)."""
    consignment = Consignment.objects.filter(declaration=declaration).order_by("id").first()
    if consignment is None or status not in TOLD:
        return
    payload = {
        "order": consignment.order_reference,
        "declaration": declaration.reference,
        "regime": declaration.regime,
        "status": status,
        "lane": declaration.lane or "",
        "by_officer": by_officer,
        "reason": reason[:300],
        "currency": declaration.currency,
        "exchange_rate": str(declaration.exchange_rate),
        "total_tax": str(declaration.total_tax or 0),
        "customs_currency": declaration.customs_currency,
    }
    told = consignment.peer.outbox.filter(
        stream=stream_of(consignment.order_reference),
        type="declaration.decided",
        payload__status=status,
        payload__by_officer=by_officer,
    )
    if not told.exists():
        _tell(consignment, "declaration.decided", payload)


def _not_filed(consignment: Consignment, reason: str) -> dict:
    return {
        "order": consignment.order_reference,
        "declaration": "",
        "regime": consignment.manifest["declaration"]["regime"],
        "status": "not_filed",
        "lane": "",
        "by_officer": False,
        "reason": reason[:300],
    }


def _tell(consignment: Consignment, type: str, payload: dict) -> None:
    message_send(
        peer=consignment.peer,
        type=type,
        stream=stream_of(consignment.order_reference),
        payload=payload,
    )


def _check_operator(actor, consignment: Consignment) -> str:
    if not (has_permission(actor, Perm.HUB_FLOOR) and actor.official_hub_id == consignment.hub_id):
        raise NotAllowedError(
            _("Only the operators of this consignment's hub scan it."),
            PeeringErrorCode.NOT_YOUR_HUB,
        )
    return actor.email


def _refusal(locked: Consignment, to: str) -> ConflictError:
    return ConflictError(
        _("This consignment is at “%(status)s”: it cannot be marked “%(to)s” now.")
        % {"status": locked.get_status_display(), "to": Status(to).label},
        PeeringErrorCode.SCAN_INVALID,
        extra={"field": "status"},
    )


def consignment_transition(
    *, consignment: Consignment, to: str, actor=None, actor_label: str = "", note: str = ""
) -> tuple[Consignment, bool]:
    """Move a Consignment along its TRANSITIONS (ewtp.common.states), the one way its status
    changes, audited as ``peering.consignment.<to>``; returns it and whether it moved."""
    return state_change(
        consignment,
        to,
        refusal=_refusal,
        action=f"peering.consignment.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=note,
        data={"order": consignment.order_reference, "waybill": consignment.waybill},
        apply=lambda row, before: _scanned(row, note),
    )


def _scanned(row: Consignment, note: str) -> list[str]:
    row.scanned_at, row.note = timezone.now(), note
    return ["scanned_at", "note"]


def _check_released(consignment: Consignment) -> None:
    """Goods leave customs control for delivery only once their import is released."""
    declaration = consignment.declaration
    if declaration is not None:
        declaration.refresh_from_db(fields=["status"])
    if declaration is None or declaration.status != Declaration.Status.RELEASED:
        raise ApplicationError(
            _("The import of these goods is not released: they stay under customs control."),
            PeeringErrorCode.SCAN_INVALID,
            extra={"field": "status"},
        )


def consignment_scan(*, consignment: Consignment, to: str, actor, note: str = "") -> Consignment:
    """An operator's scan of a consignment at this hub: arrived (the landing presents the
    goods of its import lodged before arrival: an accepted one is released now), out for
    delivery, delivered; or a claim, lost or damaged. Told to the peer. A repeated scan
    changes nothing."""
    label = _check_operator(actor, consignment)
    note = note.strip()[:200]
    if to in CLAIMS and not note:
        raise ApplicationError(
            _("Say what happened to the goods."),
            PeeringErrorCode.SCAN_INVALID,
            extra={"field": "note"},
        )
    if to in (Status.OUT_FOR_DELIVERY, Status.DELIVERED):
        _check_released(consignment)
    with transaction.atomic():
        locked, moved = consignment_transition(
            consignment=consignment, to=to, actor=actor, actor_label=label, note=note
        )
        if not moved:
            return locked  # scanned before (a double click, a retried request)
        _tell(
            locked,
            "consignment.claimed" if to in CLAIMS else "consignment.scanned",
            {
                "order": locked.order_reference,
                "waybill": locked.waybill,
                "status": to,
                "at": locked.scanned_at.isoformat(),
                "note": locked.note,
            },
        )
        if to == Status.ARRIVED and locked.declaration_id:
            declaration_goods_arrived(
                declaration=locked.declaration,
                actor_label=label,
                note=f"flight {locked.flight_number} at {locked.hub.code}",
            )
    return locked

"""What decides a declaration beside the automatic steps: the three-record match (a
declaration held because the order, payment and waybill records disagreed is released when
they agree), the landing scan of goods whose declaration was accepted before they arrived,
and the officers of the declaration's hub, who release, hold or reject it with a reason."""

from django.db import transaction
from django.utils import timezone, translation

from ewtp.common.audit import audit_record
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from hubs.roles import Perm, has_permission

from ..errors import CustomsErrorCode
from ..models import Declaration, Lane
from .matching import REGIMES_MATCHED, match_differences, records_as_json
from .moves import PublicNotice, declaration_transition
from .permits import permits_draw_at_release

MATCHER = "three-record match"


def _match(declaration: Declaration) -> list[dict]:
    """The three-record differences where the regime requires the match (stored on the
    declaration for the officer and the SME), [] elsewhere."""
    if declaration.regime not in REGIMES_MATCHED:
        return []
    differences = match_differences(declaration, list(declaration.items.all()))
    if differences != declaration.match_differences:
        declaration.match_differences = differences
        declaration.save(update_fields=["match_differences"])
    return differences


def differ_reason(differences: list[dict]) -> str:
    return "Order, payment and waybill records do not agree: " + ", ".join(
        d["field"] for d in differences
    )


def declaration_records_attach(
    *, declaration: Declaration, order=None, payment=None, waybill=None, actor_label: str
) -> Declaration:
    """Store the order, payment and/or waybill record (matching.OrderRecord, …) as the other
    apps sent them. A declaration held only because the records disagreed is released as
    soon as they agree; one waiting for an officer stays with the officer."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        locked.match_records = (locked.match_records or {}) | records_as_json(
            order, payment, waybill
        )
        fields = ["match_records"]
        if payment is not None:  # who paid, where the risk rules look it up by index
            locked.payer_id_reference = payment.payer_id_reference.strip().upper()[:40]
            locked.payer_account_key = payment.payer_account_key[:64]
            fields += ["payer_id_reference", "payer_account_key"]
        locked.save(update_fields=fields)
        last = locked.transitions.order_by("-created_at", "-id").first()
        held_by_match = locked.status == Declaration.Status.HELD and last.actor_label == MATCHER
        differences = _match(locked)
        # without the permits its goods need, it stays held (the officers release it)
        if (
            held_by_match
            and not differences
            and not permits_draw_at_release(locked, actor_label=MATCHER)
        ):
            return declaration_transition(
                declaration=locked,
                to=Declaration.Status.RELEASED,
                actor_label=MATCHER,
                reason=f"Records agree ({actor_label}).",
                decision=True,
            )
        return locked


def declaration_goods_arrived(
    *, declaration: Declaration, actor_label: str, note: str = ""
) -> Declaration | None:
    """The goods of a declaration lodged before arrival were presented at the destination's
    landing scan (``note``: the flight that brought them). Recorded once; one accepted while
    they were in the air is released now, waiting for nothing else. One still with the
    automatic steps or an officer is released as soon as it is decided. Returns it as it is
    now; None when there was nothing to record: lodged after arrival, or recorded before (a
    repeated scan)."""
    with transaction.atomic():
        locked = (
            Declaration.objects.select_for_update().select_related("hub").get(pk=declaration.pk)
        )
        if not locked.in_the_air:
            return None
        locked.goods_arrived_at = timezone.now()
        locked.save(update_fields=["goods_arrived_at", "updated_at"])
        audit_record(
            actor=None,
            actor_label=actor_label,
            action="customs.declaration.goods_arrived",
            target=locked,
            reason=note,
            data={"status": locked.status},
        )
        if locked.status == Declaration.Status.ACCEPTED:
            with translation.override("en"):  # as the risk engine records it: shown translated
                lane = str(Lane(locked.lane).label) if locked.lane else None
            return declaration_transition(
                declaration=locked,
                to=Declaration.Status.RELEASED,
                actor_label=actor_label,
                reason="The goods arrived" + (f" ({note})" if note else "") + ": released as "
                "accepted before arrival.",
                public=PublicNotice(actor=f"Customs {locked.hub.code}", reason=lane),
                decision=True,
            )
        return locked


def _invalid(message: str, field_name: str):
    raise ApplicationError(
        message, CustomsErrorCode.DECLARATION_INVALID, extra={"field": field_name}
    )


def declaration_decide(
    *, declaration: Declaration, decision: str, reason: str, actor
) -> Declaration:
    """An officer of the declaration's hub releases, holds or rejects it, with a reason."""
    if not (
        has_permission(actor, Perm.CUSTOMS_WORKBENCH)
        and actor.official_hub_id == declaration.hub_id
    ):
        raise NotAllowedError(
            "Only the customs officers of this hub decide its declarations.",
            CustomsErrorCode.NOT_YOUR_HUB,
        )
    targets = {
        "release": Declaration.Status.RELEASED,
        "hold": Declaration.Status.HELD,
        "reject": Declaration.Status.REJECTED,
    }
    if decision not in targets:
        _invalid("Decide release, hold or reject.", "decision")
    if not reason.strip():
        _invalid("Give the reason: the SME reads it.", "reason")
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if decision == "release" and locked.status == Declaration.Status.ACCEPTED:
            raise ConflictError(
                f"Declaration {locked.reference} is accepted already: it is released when "
                "the goods arrive.",
                CustomsErrorCode.AWAITING_ARRIVAL,
            )
        if targets[decision] == Declaration.Status.RELEASED and locked.can_become(
            Declaration.Status.RELEASED
        ):
            differences = _match(locked)
            if differences:
                raise ConflictError(
                    differ_reason(differences) + ". Hold it until they do, or reject it.",
                    CustomsErrorCode.RECORDS_DIFFER,
                )
            # without the permits its goods need, the release becomes a hold saying so
            if missing := permits_draw_at_release(locked, actor_label=actor.email, actor=actor):
                if locked.status == Declaration.Status.HELD:
                    raise ConflictError(missing, CustomsErrorCode.PERMIT_MISSING)
                decision, reason = "hold", missing
        return declaration_transition(
            declaration=locked,
            to=targets[decision],
            actor=actor,
            actor_label=actor.email,
            reason=reason.strip(),
            public=PublicNotice(actor=f"Customs {locked.hub.code}"),
            decision=True,
            by_officer=True,
        )

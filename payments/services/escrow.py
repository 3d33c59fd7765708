"""Escrow: releasing an order's held funds to the seller (converted to its currency, less the
platform fee: see settlement), or refunding them to the payer.

Release happens when the buyer confirms receipt, or when the confirmation window after the
delivered scan ends (a beat sweep). A disputed order is frozen: neither happens until an
officer resolves it. Each is one ledger transaction, under the order's row lock, together
with the order's status change, so money and status never disagree.
"""

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.money import money_from_minor, money_to_minor
from ewtp.common.rate_age import RateStale
from ewtp.common.webhooks import webhook_emit
from hubs import order_words
from hubs.models import Order
from hubs.roles import Perm, can_act_for, has_permission
from hubs.selectors import orders_confirmation_due
from hubs.services.orders import order_transition

from ..errors import PaymentsErrorCode
from ..models import IncomingPayment, LedgerTransaction, PaymentIntent
from ..selectors import seller_share_held
from .accounts import bank_clearing_account, escrow_account
from .ledger import Posting, account_balance, ledger_post
from .settlement import settlement_post

Kind = LedgerTransaction.Kind
logger = logging.getLogger(__name__)
# why escrow is released when nobody confirmed: the order's history says it
WINDOW_ENDED = order_words.WINDOW_ENDED


def escrow_release(*, order: Order, actor_label: str, reason: str) -> LedgerTransaction:
    """Pay the seller what escrow holds for a delivered order, less the platform fee; the
    order becomes completed. Refused for any other status (a dispute freezes escrow)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.DELIVERED:
            raise ConflictError(
                _("Order %(reference)s is %(status)s: its escrow cannot be released.")
                % {"reference": locked.reference, "status": locked.get_status_display()},
                PaymentsErrorCode.ESCROW_NOT_RELEASABLE,
            )
        held = seller_share_held(locked)
        if held.amount <= 0:
            raise ConflictError(
                _("Nothing is held in escrow for %(reference)s.") % {"reference": locked.reference},
                PaymentsErrorCode.ESCROW_EMPTY,
            )
        released = settlement_post(order=locked, amount=held, actor_label=actor_label)
        order_transition(
            order=locked, to=Order.Status.COMPLETED, actor_label=actor_label, reason=reason
        )
    return released


def escrow_refund_to_payers(
    order: Order, amount_minor: int, actor_label: str, reason: str, key: str = "refund"
) -> list:
    """Up to ``amount_minor`` from escrow back to the banks the payments came from. ``key``
    names the refund: the same refund of a payment is posted once (a part refund, such as a
    claim, has a key of its own)."""
    escrow = escrow_account(order=order)
    intent = PaymentIntent.objects.filter(order=order).first()
    payments = (
        intent.payments.filter(outcome=IncomingPayment.Outcome.APPLIED).select_related("bank")
        if intent
        else []
    )
    refunds = []
    for payment in payments:
        share = min(payment.amount_minor - payment.overpaid_minor, amount_minor)
        if share <= 0:
            continue
        money = money_from_minor(share, escrow.currency)
        refunds.append(
            ledger_post(
                kind=Kind.REFUND,
                description=f"Refund of {order.reference}: {reason}"[:200],
                reference=f"{order.reference} / {payment.bank_reference}",
                idempotency_key=f"{key}:{payment.pk}",
                postings=[
                    Posting(escrow, -money),
                    Posting(
                        bank_clearing_account(bank=payment.bank, currency=escrow.currency), money
                    ),
                ],
                actor_label=actor_label,
            )
        )
        amount_minor -= share
    if refunds and order.channel_id:
        webhook_emit(
            api_client=order.channel,
            event="refund.issued",
            data={"order_reference": order.reference, "reason": reason[:200]},
        )
    return refunds


def escrow_refund(*, order: Order, actor_label: str, reason: str) -> list[LedgerTransaction]:
    """Return what escrow holds to each payer's bank; the order becomes refunded (customs
    rejection, lost parcel, a dispute decided for the buyer)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.can_become(Order.Status.REFUNDED):
            raise ConflictError(
                _("Order %(reference)s is %(status)s: it cannot be refunded.")
                % {"reference": locked.reference, "status": locked.get_status_display()},
                PaymentsErrorCode.ESCROW_NOT_REFUNDABLE,
            )
        held = money_to_minor(account_balance(escrow_account(order=locked)))
        refunds = escrow_refund_to_payers(locked, held, actor_label, reason)
        order_transition(
            order=locked, to=Order.Status.REFUNDED, actor_label=actor_label, reason=reason
        )
    return refunds


# a claim refunds part of what escrow holds while the rest of the order is on its way
CLAIMABLE = (Order.Status.SHIPPED, Order.Status.DELIVERED)


def escrow_claim_refund(
    *, order: Order, share: Decimal, claim: str, actor_label: str, reason: str
) -> list[LedgerTransaction]:
    """Refund the buyer ``share`` (0 to 1) of what it paid for the goods: those of a parcel
    lost or damaged on the way (``claim`` names it, so a claim is refunded once). The order
    keeps its status: the rest of its goods are still coming. Capped at the seller's part of
    escrow (a DDP order's quoted duties stay for customs); a disputed order is left to the
    officer deciding the dispute."""
    if not Decimal(0) < share <= Decimal(1):
        raise ApplicationError(
            _("A claim is a share between 0 and 1."), PaymentsErrorCode.CLAIM_SHARE
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status not in CLAIMABLE:
            raise ConflictError(
                _("Order %(reference)s is %(status)s: a claim is not refunded from it.")
                % {"reference": locked.reference, "status": locked.get_status_display()},
                PaymentsErrorCode.CLAIM_NOT_REFUNDABLE,
            )
        intent = PaymentIntent.objects.get(order=locked)
        # the goods with the hub's charges for carrying and insuring them (a lost parcel's
        # carriage is refunded with it); a DDP order's duties follow the customs assessment
        held = money_to_minor(seller_share_held(locked))
        goods_paid = intent.amount_minor - intent.duties_minor
        owed = int((goods_paid * share).to_integral_value(rounding=ROUND_HALF_UP))
        refunds = escrow_refund_to_payers(
            locked, min(owed, held), actor_label, reason, key=f"claim:{claim}"
        )
    return refunds


def dispute_open(*, order: Order, actor, reason: str) -> Order:
    """The buyer disputes an order before release: its escrow is frozen until an officer decides."""
    if not (order.buyer_id and can_act_for(actor, order.buyer, Perm.ORDERS_TRADE)):
        raise NotAllowedError(_("Only the buyer opens a dispute."), PaymentsErrorCode.NOT_BUYER)
    if not reason.strip():
        raise ApplicationError(
            _("Say what is wrong: the seller and the officer read it."),
            PaymentsErrorCode.DISPUTE_REASON,
            extra={"field": "reason"},
        )
    return order_transition(
        order=order, to=Order.Status.DISPUTED, actor=actor, reason=reason.strip()
    )


def dispute_resolve(
    *, order: Order, actor, decision: str, reason: str, seller_share: Money | None = None
):
    """An officer decides a dispute: release (all to the seller), refund (all to the buyer), or
    split (``seller_share`` to the seller, the rest back to the buyer). Always with a reason."""
    if not has_permission(actor, Perm.DISPUTE_RESOLVE):
        raise NotAllowedError(_("Only officers resolve disputes."), PaymentsErrorCode.NOT_OFFICER)
    if not reason.strip():
        raise ApplicationError(
            _("Give the reason for the decision."),
            PaymentsErrorCode.DISPUTE_REASON,
            extra={"field": "reason"},
        )
    label = actor.email
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != Order.Status.DISPUTED:
            raise ConflictError(
                _("Order %(reference)s is not disputed.") % {"reference": locked.reference},
                PaymentsErrorCode.NOT_DISPUTED,
            )
        if decision == "refund":  # all of it, a DDP order's unassessed duties too
            held = account_balance(escrow_account(order=locked))
            escrow_refund_to_payers(locked, money_to_minor(held), label, reason)
            return order_transition(
                order=locked, to=Order.Status.REFUNDED, actor=actor, reason=reason
            )
        held = seller_share_held(locked)
        share = held if decision == "release" else seller_share
        if (
            decision not in ("release", "split")
            or share is None
            or not (0 < share.amount <= held.amount)
        ):
            raise ApplicationError(
                _("Decide release, refund, or split with a seller share between 0 and %(held)s.")
                % {"held": held},
                PaymentsErrorCode.DISPUTE_DECISION,
                extra={"field": "seller_share"},
            )
        settlement_post(order=locked, amount=share, actor_label=label)
        if share < held:
            escrow_refund_to_payers(locked, money_to_minor(held - share), label, reason)
        return order_transition(order=locked, to=Order.Status.COMPLETED, actor=actor, reason=reason)


def escrow_release_due(*, now=None) -> int:
    """The confirmation window has ended for these delivered orders: release them (beat).
    Each in its own transaction; one that changed meanwhile is skipped."""
    released = 0
    for order in orders_confirmation_due(now=now or timezone.now())[:500]:
        try:
            escrow_release(
                order=order,
                actor_label="system",
                reason=WINDOW_ENDED,
            )
            released += 1
        except ConflictError:
            continue
        except RateStale as error:  # released by a later sweep once the rates are refreshed
            logger.warning("escrow: %s not released yet: %s", order.reference, error.message)
        except Exception:  # one order's trouble never stops the others' release
            logger.exception("escrow: automatic release of %s failed", order.reference)
    return released

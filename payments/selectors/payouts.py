"""Reads of settlements and payouts: what a seller is owed, paid and refused."""

from django.db.models import QuerySet

from hubs.models import Order

from ..models import (
    Payout,
    PayoutBatch,
    Settlement,
)


def payouts_of(*, organization):
    return Payout.objects.filter(organization=organization).order_by("-created_at", "-id")


# what a bank sees of each payout in a batch (payments.api.payouts.PayoutOutput)
PAYOUT_LISTED = (
    "end_to_end_id",
    "amount_minor",
    "currency",
    "creditor_name",
    "creditor_bic",
    "status",
    "reason_code",
)


# what a bank's batch list shows of each batch, as a plain row read by attribute like a
# PayoutBatch (payments.api.payouts.BatchOutput)
BATCH_LISTED = (
    "id",
    "public_id",
    "message_id",
    "created_at",
    "downloaded_at",
    "payout_count",
    "totals",
)


def payout_batches_of(*, bank) -> QuerySet[PayoutBatch]:
    """The bank's payout batches (no other bank's)."""
    return PayoutBatch.objects.filter(bank=bank)


def payout_batch_rows_of(*, bank):
    """The bank's payout batches as plain rows of BATCH_LISTED, for a page of its list."""
    return payout_batches_of(bank=bank).values_list(*BATCH_LISTED, named=True)


def batch_payout_rows(*, batch, status: str | None = None):
    """The batch's payouts as plain rows (named tuples of PAYOUT_LISTED with their id, read
    by attribute like a Payout), for a page of a bank's payout list: a batch holds hundreds
    of payouts, and a model instance for each was most of a page's time."""
    rows = Payout.objects.filter(batch=batch)
    if status:
        rows = rows.filter(status=status)
    return rows.values_list("id", *PAYOUT_LISTED, named=True)


def order_settlement(*, order) -> Settlement | None:
    """The order's settlement with the rate it converted at (``ledger_transaction.fx``)."""
    return Settlement.objects.filter(order=order).select_related("ledger_transaction__fx").first()


def order_payout_latest(*, order) -> Payout | None:
    """The latest payout of the order's settlement (a rejected one is followed by another),
    with its bank."""
    return (
        Payout.objects.filter(settlement__order=order)
        .select_related("bank__application")
        .order_by("-created_at", "-id")
        .first()
    )


def settlements_of(*, organization):
    """The seller's settlements, newest first, each with its conversion (one query)."""
    return (
        Settlement.objects.filter(organization=organization)
        .select_related("order", "ledger_transaction__fx")
        .order_by("-created_at", "-id")
    )


def settlement_by_id(*, settlement_id: int) -> Settlement:
    """The settlement with its order."""
    return Settlement.objects.select_related("order").get(pk=settlement_id)


def order_of_settlement(*, settlement_id: int) -> Order:
    return Order.objects.get(settlement__pk=settlement_id)


def payout_by_id(*, payout_id: int) -> Payout:
    return Payout.objects.get(pk=payout_id)


def settlement_payouts_rejected(*, settlement: Settlement) -> int:
    """How many payouts of the settlement the bank rejected."""
    return settlement.payouts.filter(status=Payout.Status.REJECTED).count()


def settlements_awaiting_payout(*, organization_id: int) -> QuerySet[Settlement]:
    """The organisation's settlements of completed orders with no payout on its way or paid
    (rejected, or never sent), oldest first."""
    return (
        Settlement.objects.filter(
            organization_id=organization_id, order__status=Order.Status.COMPLETED
        )
        .exclude(payouts__status__in=Payout.LIVE)
        .order_by("id")
    )


def payouts_live_since(*, order, since) -> bool:
    """Whether a payout of the order's settlement requested since ``since`` is on its way or
    paid."""
    return Payout.objects.filter(
        settlement__order=order, status__in=Payout.LIVE, created_at__gte=since
    ).exists()


def payouts_of_order(*, order) -> QuerySet[Payout]:
    """Every payout of the order's settlement (a rejected one is followed by another)."""
    return Payout.objects.filter(settlement__order=order)


def payouts_rejected_since(*, organization, since) -> int:
    """How many of the organisation's payouts the bank rejected since ``since``."""
    return Payout.objects.filter(
        organization=organization, status=Payout.Status.REJECTED, updated_at__gte=since
    ).count()


def settlements_of_period(*, organization, first_day, last_day) -> QuerySet[Settlement]:
    """The organisation's settlements made from ``first_day`` to ``last_day``, each with its
    conversion (one query)."""
    return Settlement.objects.filter(
        organization=organization,
        created_at__date__gte=first_day,
        created_at__date__lte=last_day,
    ).select_related("ledger_transaction__fx")

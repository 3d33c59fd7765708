"""An SME's trade record as the hub saw it, gathered from every app (orders from hubs,
shipping from logistics, holds and rejections from customs, disputes, refunds, payouts and
loans from payments) into the plain data the credit score is computed from. The score
itself is payments' (payments.services.scoring); the pipeline is where the apps meet.

Counted over the last twelve months; the "3m" figures over the last three, "prev_3m" over
the three before those. Values are the orders' totals in ringgit (the zone's sellers sell in
MYR; credit lines are in MYR)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from customs.models import DeclarationTransition
from hubs.models import Order, OrderTransition, Organization
from logistics.models import Parcel, TrackingEvent
from payments.models import Instalment, Payout
from payments.services.credit import credit_score_record
from payments.services.scoring import TradeRecord

SHIPPING_PROMISE = timedelta(days=3)  # paid → at the hub's floor
EXPORTED = (
    Order.Status.IN_CUSTOMS,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
    Order.Status.SETTLED,
    Order.Status.DISPUTED,
    Order.Status.REFUNDED,
)


def trade_record(*, organization: Organization, now=None) -> TradeRecord:
    now = now or timezone.now()
    year, quarter, half = (now - timedelta(days=days) for days in (365, 91, 182))
    sales = Order.objects.filter(seller=organization)
    first = sales.aggregate(first=Min("created_at"))["first"]
    months_active = (now - first).days // 30 if first else 0
    traded = sales.filter(status__in=EXPORTED, created_at__gte=year)
    volume = traded.aggregate(
        orders_12m=Count("id"),
        value_12m=Sum("total"),
        orders_3m=Count("id", filter=Q(created_at__gte=quarter)),
        value_3m=Sum("total", filter=Q(created_at__gte=quarter)),
        value_prev=Sum("total", filter=Q(created_at__gte=half, created_at__lt=quarter)),
    )
    shipped, on_time = _shipping(traded)
    steps = OrderTransition.objects.filter(order__seller=organization, created_at__gte=year)
    troubles = steps.aggregate(
        disputes=Count("id", filter=Q(to_status=Order.Status.DISPUTED)),
        refunds=Count("id", filter=Q(to_status=Order.Status.REFUNDED)),
    )
    customs = DeclarationTransition.objects.filter(
        declaration__organization=organization, created_at__gte=year
    ).aggregate(
        holds=Count("id", filter=Q(to_status="held")),
        rejections=Count("id", filter=Q(to_status="rejected")),
    )
    tolerance = settings.PARCEL_WEIGHT_TOLERANCE_PERCENT / 100
    mismatches = Parcel.objects.filter(
        order__seller=organization,
        created_at__gte=year,
        measured_weight_kg__isnull=False,
    ).filter(
        Q(measured_weight_kg__gt=F("declared_weight_kg") * (1 + tolerance))
        | Q(measured_weight_kg__lt=F("declared_weight_kg") * (1 - tolerance))
    )
    # only instalments whose day has come count for or against: repaying a loan early does
    # not earn a history of instalments met
    today = now.date()
    fell_due = Q(due_on__lte=today)
    instalments = Instalment.objects.filter(loan__organization=organization).aggregate(
        on_time=Count("id", filter=fell_due & Q(status=Instalment.Status.PAID, late=False)),
        late=Count("id", filter=fell_due & Q(status=Instalment.Status.PAID, late=True)),
        overdue=Count("id", filter=Q(due_on__lt=today) & ~Q(status=Instalment.Status.PAID)),
        owed=Sum(
            F("principal_minor") + F("interest_minor") - F("paid_minor"),
            filter=~Q(status=Instalment.Status.PAID),
        ),
    )
    return TradeRecord(
        months_active=months_active,
        orders_3m=volume["orders_3m"],
        value_3m_minor=_sen(volume["value_3m"]),
        value_prev_3m_minor=_sen(volume["value_prev"]),
        orders_12m=volume["orders_12m"],
        value_12m_minor=_sen(volume["value_12m"]),
        shipped=shipped,
        shipped_on_time=on_time,
        disputes=troubles["disputes"],
        refunds=troubles["refunds"],
        customs_holds=customs["holds"],
        customs_rejections=customs["rejections"],
        weight_mismatches=mismatches.count(),
        payout_rejections=Payout.objects.filter(
            organization=organization, status=Payout.Status.REJECTED, updated_at__gte=year
        ).count(),
        debt_minor=instalments["owed"] or 0,
        instalments_on_time=instalments["on_time"],
        instalments_late=instalments["late"],
        instalments_overdue=instalments["overdue"],
    )


def _sen(amount) -> int:
    amount = getattr(amount, "amount", amount)  # a Money or a Decimal, as the field sums
    return int((amount or 0) * 100)


def _shipping(traded) -> tuple[int, int]:
    """(orders that reached the hub's floor, those within the shipping promise of payment)."""
    paid = dict(
        OrderTransition.objects.filter(order__in=traded, to_status=Order.Status.PAID)
        .values("order_id")
        .annotate(at=Min("created_at"))
        .values_list("order_id", "at")
    )
    received = dict(
        TrackingEvent.objects.filter(parcel__order__in=traded, code="RCS")
        .values("parcel__order_id")
        .annotate(at=Min("occurred_at"))
        .values_list("parcel__order_id", "at")
    )
    on_time = sum(
        1
        for order_id, at in received.items()
        if order_id in paid and at - paid[order_id] <= SHIPPING_PROMISE
    )
    return len(received), on_time


def credit_score_refresh(*, organization: Organization, trigger: str):
    """Score the organisation's trade record now and keep it."""
    return credit_score_record(
        organization=organization, record=trade_record(organization=organization), trigger=trigger
    )


def credit_scores_nightly() -> int:
    """Every verified seller's score, again (beat, nightly): the history grows by one a day."""
    sellers = Organization.objects.filter(kyc_status="approved", sales__isnull=False).distinct()
    count = 0
    for organization in sellers.iterator():
        credit_score_refresh(organization=organization, trigger="nightly")
        count += 1
    return count

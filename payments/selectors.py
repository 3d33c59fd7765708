"""Reads of the ledger: balances and statements, derived from entries."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest
from moneyed import Money

from ewtp.common.models import ApiClient
from ewtp.common.money import money_from_minor
from hubs.models import Order

from .models import (
    Account,
    CollectionAccount,
    CreditApplication,
    Entry,
    FxConversion,
    FxRate,
    IncomingPayment,
    Instalment,
    Loan,
    PaymentIntent,
    Payout,
    Settlement,
    StatementLine,
    StatementReconciliation,
    TreasurySettlement,
)


def accounts_of(*, organization) -> list[Account]:
    """The organisation's accounts with their balances (``.balance``, Money), in one query:
    the balance each row keeps (``Account.held_minor``), not a sum of its history."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.CUSTOMER, organization=organization).order_by(
            "currency"
        )
    )
    for account in accounts:
        account.balance = money_from_minor(account.held_minor or 0, account.currency)
    return accounts


def amounts_owed_of(*, organization, entries: int = 20) -> list[Account]:
    """What the organisation owes the hub, per currency (``.owed``, Money, positive), with
    the latest movements of each (``.latest``: billed, collected): two queries."""
    accounts = list(
        Account.objects.filter(kind=Account.Kind.RECEIVABLE, organization=organization)
        .annotate(balance_minor=Sum("entries__amount_minor", default=0))
        .order_by("currency")
    )
    latest = defaultdict(list)
    for entry in (
        Entry.objects.filter(account__in=accounts)
        .select_related("transaction")
        .order_by("-created_at", "-id")[: entries * max(len(accounts), 1)]
    ):
        latest[entry.account_id].append(entry)
    for account in accounts:
        account.owed = money_from_minor(-account.balance_minor, account.currency)
        account.latest = latest[account.pk][:entries]
    return accounts


def account_statement(*, account: Account) -> QuerySet[Entry]:
    """The account's entries, newest first, each with the balance after it (a window sum over
    the whole account, so a page of the statement costs one query whatever its position)."""
    return (
        Entry.objects.filter(account=account)
        .select_related("transaction")
        .annotate(
            running_minor=Window(
                Sum("amount_minor"), order_by=[F("created_at").asc(), F("id").asc()]
            )
        )
        .order_by("-created_at", "-id")
    )


def order_payment(*, order) -> tuple:
    """The order's payment intent (or None) and the payments received for it."""
    intent = PaymentIntent.objects.filter(order=order).first()
    payments = list(intent.payments.select_related("bank__application")) if intent else []
    return intent, payments


def incoming_payment_as_recorded(*, pk: int) -> IncomingPayment:
    """An incoming payment with its intent and order as they stand now, in one query: the
    bank's answer reports the order's status after the payment moved it."""
    return IncomingPayment.objects.select_related("intent__order").get(pk=pk)


def payment_applied_latest(*, order) -> IncomingPayment | None:
    """The last payment received that was applied to the order (not one returned because the
    order could no longer be paid): whose payer the order's payment record names."""
    return (
        IncomingPayment.objects.filter(intent__order=order, outcome=IncomingPayment.Outcome.APPLIED)
        .order_by("-created_at", "-id")
        .first()
    )


def payment_intent_of(*, order) -> PaymentIntent | None:
    return PaymentIntent.objects.filter(order=order).first()


def payment_awaited(*, order, intent: PaymentIntent | None) -> bool:
    """Whether money is still expected for the order: it awaits payment and part of its
    intent is outstanding."""
    return (
        intent is not None
        and intent.status == PaymentIntent.Status.PENDING
        and intent.amount_minor > intent.received_minor
        and order.status == Order.Status.AWAITING_PAYMENT
    )


def collection_account_for(currency: str) -> CollectionAccount | None:
    """The hub's account in use for payments in ``currency``, with its bank, or None while
    none is published."""
    return (
        CollectionAccount.objects.filter(currency=currency, in_use=True)
        .select_related("bank__application")
        .first()
    )


@dataclass(frozen=True)
class PayTo:
    """Where a buyer transfers what an order owes, and what to quote so that the bank's
    report of the transfer is applied to the order."""

    bank: str
    bic: str
    account_name: str
    account_number: str
    reference: str


def order_pay_to(*, order, intent: PaymentIntent | None) -> PayTo | None:
    """The collection account in the payment's currency and the order reference; None when
    no money is expected (``payment_awaited``) or no account is published for the currency."""
    if not payment_awaited(order=order, intent=intent):
        return None
    account = collection_account_for(intent.currency)
    if account is None:
        return None
    return PayTo(
        bank=account.bank.application.name,
        bic=account.bic,
        account_name=account.account_name,
        account_number=account.account_number,
        reference=order.reference,
    )


def payouts_of(*, organization):
    return Payout.objects.filter(organization=organization).order_by("-created_at", "-id")


# what a bank's batch list shows of each payout (payments.api.payouts.PayoutOutput)
PAYOUT_LISTED = (
    "batch_id",
    "end_to_end_id",
    "amount_minor",
    "currency",
    "creditor_name",
    "creditor_bic",
    "status",
    "reason_code",
)


def payout_rows_by_batch(batches) -> dict[int, list[tuple]]:
    """The payouts of ``batches`` as plain rows by batch id, newest first, in one query: a
    page of a bank's batch list holds a thousand payouts and more, and building a model
    instance for each was most of its time. Each row is a named tuple of PAYOUT_LISTED, read
    by attribute like a Payout (cheaper to build than a dict per row)."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Payout.objects.filter(batch__in=[batch.pk for batch in batches])
        .order_by("-created_at", "-id")
        .values_list(*PAYOUT_LISTED, named=True)
    ):
        rows[row.batch_id].append(row)
    return rows


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


def fx_rates_latest_day(*, source: str | None = None):
    """The newest day with reference rates (of one source), or None when there are none."""
    rows = FxRate.objects.all() if source is None else FxRate.objects.filter(source=source)
    return rows.aggregate(latest=Max("as_of"))["latest"]


def reference_rates(*, source: str, first_day, last_day) -> dict:
    """The source's rates per day: {day: {currency: units per 1 base}}."""
    days: dict = {}
    rows = FxRate.objects.filter(
        source=source, as_of__gte=first_day, as_of__lte=last_day
    ).values_list("as_of", "quote", "rate", "base")
    for day, quote, rate, base in rows:
        days.setdefault(day, {base: 1})[quote] = rate
    return days


def instalments_principal_owed(prefix: str = "") -> Sum:
    """The principal still owed on unpaid instalments (``prefix``: the path from the
    queried model, e.g. "instalments__"). What is paid of an instalment meets its interest
    first, then its principal."""

    def field(name):
        return F(f"{prefix}{name}")

    return Sum(
        field("principal_minor")
        - Greatest(field("paid_minor") - field("interest_minor"), Value(0)),
        filter=~Q(**{f"{prefix}status": Instalment.Status.PAID}),
    )


def credit_portfolio(*, limit: int = 500) -> dict:
    """Every line for the officers: loans with what is owed (in all, and of principal) and
    their overdue instalments, the open applications, and the active totals. Four queries."""
    unpaid = ~Q(instalments__status=Instalment.Status.PAID)
    loans = list(
        Loan.objects.select_related("organization", "bank__application", "application__score")
        .annotate(
            owed=Sum(
                F("instalments__principal_minor")
                + F("instalments__interest_minor")
                - F("instalments__paid_minor"),
                filter=unpaid,
            ),
            principal_owed=instalments_principal_owed("instalments__"),
            overdue=Count("instalments", filter=Q(instalments__status="overdue")),
        )
        .order_by("-status", "-created_at")[:limit]
    )
    pending = CreditApplication.objects.filter(
        status__in=[CreditApplication.Status.PENDING, CreditApplication.Status.APPROVED]
    ).select_related("organization", "bank__application", "score")[:limit]
    totals = Loan.objects.filter(status=Loan.Status.ACTIVE).aggregate(
        lines=Count("id"), principal=Sum("principal_minor")
    )
    return {"loans": loans, "pending": pending, "totals": totals}


# --- treasury: the hub's own money at its partner banks ---------------------------------


def fx_conversions_open(*, default_bank_id: int | None, before: datetime | None = None):
    """Conversions not yet settled with a bank, each with the bank it is dealt with
    (``dealt_with``): the one that received the money converted (the first payment of the
    order whose escrow was converted), else ``default_bank_id``."""
    received_at = IncomingPayment.objects.filter(
        intent__order_id=OuterRef("ledger_transaction__settlement__order_id")
    ).order_by("id")
    conversions = FxConversion.objects.filter(deal_link__isnull=True).annotate(
        dealt_with=Coalesce(
            Subquery(received_at.values("bank_id")[:1]),
            Value(default_bank_id),
            output_field=BigIntegerField(),
        )
    )
    if before is not None:
        conversions = conversions.filter(ledger_transaction__created_at__lt=before)
    return conversions


@dataclass(frozen=True)
class BankPosition:
    """The hub's account in one currency at one bank."""

    bank: ApiClient
    currency: str
    held: Money  # the clearing balance as the bank books it (negative: overdrawn)
    open_fx: Money  # conversions of money received here, not yet settled with the bank


@dataclass(frozen=True)
class CurrencyPosition:
    """What the hub holds in one currency at all its banks, and what stands against it:
    held = owed (balances, escrow, duties, less what organisations owe the hub) + the hub's
    own (fees, FX result) + open FX."""

    currency: str
    held: Money
    balances: Money  # organisations' balances with the hub
    escrow: Money
    duties: Money  # owed to the customs authorities
    fees: Money
    fx_result: Money
    open_fx: Money  # the FX position account: long (positive) or short
    # what organisations owe the hub (negative): duty billed that their balances did not
    # cover, which the duties above include though the hub has not received it yet
    receivable: Money

    @property
    def owed(self) -> Money:
        return self.balances + self.escrow + self.duties + self.receivable


def _zero(currency: str) -> Money:
    return money_from_minor(0, currency)


def treasury_positions(*, default_bank_id: int | None) -> dict:
    """The positions page: per bank and currency what the hub holds and has converted but
    not settled, and per currency what it holds against what it owes. Three queries."""
    clearing = list(
        Account.objects.filter(kind=Account.Kind.BANK_CLEARING)
        .select_related("bank__application")
        .annotate(ledger_minor=Sum("entries__amount_minor", default=0))
        .order_by("bank_id", "currency")
    )
    # every account kind's total per currency (credit positive)
    totals: dict[tuple[str, str], int] = {
        (row["account__kind"], row["currency"]): row["total"]
        for row in Entry.objects.values("account__kind", "currency").annotate(
            total=Sum("amount_minor")
        )
    }
    open_fx: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        fx_conversions_open(default_bank_id=default_bank_id)
        .values("dealt_with", "from_currency", "to_currency")
        .annotate(sold=Sum("from_minor"), bought=Sum("to_minor"))
    ):
        open_fx[row["dealt_with"], row["from_currency"]] += row["sold"]
        open_fx[row["dealt_with"], row["to_currency"]] -= row["bought"]
    banks = [
        BankPosition(
            bank=account.bank,
            currency=account.currency,
            held=money_from_minor(-account.ledger_minor, account.currency),
            open_fx=money_from_minor(open_fx[account.bank_id, account.currency], account.currency),
        )
        for account in clearing
    ]
    return {"banks": banks, "currencies": _currency_positions(totals)}


def _currency_positions(totals: dict[tuple[str, str], int]) -> list[CurrencyPosition]:
    kind = Account.Kind

    def money(account_kind, currency, sign=1):
        return money_from_minor(sign * totals.get((account_kind, currency), 0), currency)

    return [
        CurrencyPosition(
            currency=currency,
            held=money(kind.BANK_CLEARING, currency, -1),
            balances=money(kind.CUSTOMER, currency),
            escrow=money(kind.ESCROW, currency),
            duties=money(kind.DUTIES, currency),
            fees=money(kind.FEES, currency),
            fx_result=money(kind.FX_RESULT, currency),
            open_fx=money(kind.FX, currency),
            receivable=money(kind.RECEIVABLE, currency),
        )
        for currency in sorted({currency for _kind, currency in totals})
    ]


def treasury_settlements_recent(*, limit: int = 30) -> list[TreasurySettlement]:
    """The latest FX settlements with their deals (two queries)."""
    return list(
        TreasurySettlement.objects.select_related("bank__application")
        .prefetch_related("deals")
        .order_by("-day", "-id")[:limit]
    )


def treasury_instructions_of(*, bank) -> QuerySet[TreasurySettlement]:
    """The FX instructions the hub issued to ``bank``, with their deals."""
    return (
        TreasurySettlement.objects.filter(bank=bank, status=TreasurySettlement.Status.INSTRUCTED)
        .exclude(instruction="")
        .prefetch_related("deals")
    )


def treasury_settlement_of(*, public_id) -> TreasurySettlement | None:
    return TreasurySettlement.objects.filter(public_id=public_id).first()


def reconciliations_recent(*, limit: int = 50) -> list[StatementReconciliation]:
    return list(
        StatementReconciliation.objects.select_related("bank__application", "account").order_by(
            "-created_at", "-id"
        )[:limit]
    )


def statement_lines_unmatched(*, reconciliations, limit: int = 1000) -> list[StatementLine]:
    """The lines of these reconciliations that did not match, both sides (one query)."""
    return list(
        StatementLine.objects.filter(reconciliation__in=reconciliations)
        .exclude(outcome=StatementLine.Outcome.MATCHED)
        .select_related("reconciliation__account")
        .order_by("reconciliation_id", "outcome", "booked_on", "id")[:limit]
    )


def reconciliation_of(*, public_id) -> StatementReconciliation | None:
    return (
        StatementReconciliation.objects.select_related("bank__application", "account")
        .filter(public_id=public_id)
        .first()
    )

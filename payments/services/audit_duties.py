"""Duty and tax a customs audit found short paid after release, billed to the organisation
that declared the goods; and what its balance could not pay then, collected from its next
settlements.

The supplementary assessment is the customs authority's, owed by the declarant (in Malaysia
under the Customs Act 1967, s. 17; in China under the Customs Law, art. 62). It is billed once
per audit (an idempotency key) as one balanced transaction in the customs currency, which
credits the hub's customs duties account (what the hub owes the authority) with the whole
amount and debits:

- the organisation's balance in that currency, as far as it holds money;
- for the rest, the organisation's receivable account: what it owes the hub.

Why a receivable: the ledger never takes an organisation's balance below zero (ledger_post
refuses with InsufficientFunds), and a seller's balance is usually empty, paid out with each
settlement. Refusing the bill would drop the authority's claim; keeping it off the ledger
would leave it floating. So the debt stands on the ledger and on the organisation's
statement as owed, and is collected from its later settlements (step 8 of the journey):
before a settlement is paid out, what is owed is taken from what the settlement brought,
converted at the day's rate less the hub's spread where the debt is in another currency
(the rate, its source and the spread are recorded with the conversion, as for any other).
"""

import dataclasses
import logging
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from django.db import transaction
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils.translation import gettext as _
from moneyed import Money

from ewtp.common.errors import ApplicationError
from ewtp.common.money import minor_units, money_from_minor, money_to_minor

from ..errors import PaymentsErrorCode
from ..models import Account, Entry, LedgerTransaction, LoanRepayment, Settlement
from .accounts import customer_account, duties_account, receivable_account
from .fx import FxQuote, fx_conversion_record, fx_postings, fx_quote
from .ledger import Posting, account_balance, ledger_post

logger = logging.getLogger(__name__)
Kind = LedgerTransaction.Kind


@dataclass(frozen=True)
class AuditDutiesBilled:
    ledger_transaction: LedgerTransaction
    amount: Money
    from_balance: Money  # paid from the organisation's balance
    owed: Money  # what the balance could not cover: owed to the hub


def _billed(posted: LedgerTransaction) -> AuditDutiesBilled:
    """The figures of a billing transaction, read from its entries."""
    entries = list(posted.entries.select_related("account"))
    currency = entries[0].currency

    def moved(kind: str) -> int:  # credit positive
        return sum(e.amount_minor for e in entries if e.account.kind == kind)

    return AuditDutiesBilled(
        ledger_transaction=posted,
        amount=money_from_minor(moved(Account.Kind.DUTIES), currency),
        from_balance=money_from_minor(-moved(Account.Kind.CUSTOMER), currency),
        owed=money_from_minor(-moved(Account.Kind.RECEIVABLE), currency),
    )


def audit_duties_bill(
    *,
    organization,
    hub,
    amount: Money,
    audit_key: str,
    declaration_reference: str,
    actor_label: str = "pipeline",
) -> AuditDutiesBilled:
    """Bill ``amount`` (the supplementary assessment, in the customs currency) to
    ``organization``, owed to the customs authority through ``hub``'s duties account: from
    its balance as far as it goes, the rest owed. Once per ``audit_key``: a repeated call
    returns the first billing."""
    if amount.amount <= 0:
        raise ApplicationError(
            _("A supplementary assessment is an amount above zero."),
            PaymentsErrorCode.AUDIT_DUTIES_INVALID,
        )
    key = f"audit-duties:{audit_key}"
    earlier = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if earlier is not None:
        return _billed(earlier)
    currency = amount.currency.code
    total = money_to_minor(amount)
    with transaction.atomic():
        balance = customer_account(organization=organization, currency=currency)
        # read under the balance's lock: a payout or repayment meanwhile waits, so the part
        # taken from the balance is still there when it is posted
        list(Account.objects.select_for_update().filter(pk=balance.pk))
        paid = min(max(money_to_minor(account_balance(balance)), 0), total)
        postings = [Posting(duties_account(hub=hub, currency=currency), amount)]
        if paid:
            postings.append(Posting(balance, -money_from_minor(paid, currency)))
        if total - paid:
            owed = receivable_account(organization=organization, currency=currency)
            postings.append(Posting(owed, -money_from_minor(total - paid, currency)))
        posted = ledger_post(
            kind=Kind.AUDIT_DUTIES,
            description=(
                f"Duty and tax short paid, found by the customs audit of declaration "
                f"{declaration_reference}"
            ),
            reference=declaration_reference,
            postings=postings,
            idempotency_key=key,
            actor_label=actor_label,
        )
    return _billed(posted)


def _collection_key(settlement: Settlement, currency: str = "") -> str:
    return f"owed-collect:{settlement.pk}:{currency}"


def owed_collected_minor(*, settlement: Settlement) -> int:
    """What was taken from the settlement for amounts owed, in the settlement's currency."""
    taken = Entry.objects.filter(
        transaction__idempotency_key__startswith=_collection_key(settlement),
        account__kind=Account.Kind.CUSTOMER,
    ).aggregate(total=Sum("amount_minor"))["total"]
    return -(taken or 0)


def owed_collect_from_settlement(*, settlement: Settlement) -> list[LedgerTransaction]:
    """Collect what the settlement's organisation owes the hub from what the settlement
    brought (its net, less the loan's share): the debt in the settlement's currency first,
    then the others, converted. Once per settlement and currency; a debt that cannot be
    converted today (no fresh rate) waits for the next settlement."""
    owed = list(
        Account.objects.filter(
            kind=Account.Kind.RECEIVABLE, organization_id=settlement.organization_id
        )
        .annotate(
            balance_minor=Sum("entries__amount_minor", default=0),
            other_currency=Case(
                When(currency=settlement.currency, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .filter(balance_minor__lt=0)
        .select_related("organization")
        .order_by("other_currency", "currency")
    )
    if not owed:
        return []
    loan = LoanRepayment.objects.filter(settlement=settlement).first()
    room = (
        settlement.net_minor
        - (loan.amount_minor if loan else 0)
        - owed_collected_minor(settlement=settlement)
    )
    collected = []
    for receivable in owed:
        key = _collection_key(settlement, receivable.currency)
        if room <= 0 or LedgerTransaction.objects.filter(idempotency_key=key).exists():
            continue
        try:
            with transaction.atomic():
                posted, used = _collect(receivable, settlement, room, key)
        except ApplicationError as error:  # no rate today; or the balance was paid out
            logger.warning(
                "payments: owed %s not collected from settlement %s: %s",
                receivable.currency,
                settlement.pk,
                error.code,
            )
            continue
        if posted is not None:
            collected.append(posted)
            room -= used
    return collected


def _collect(receivable: Account, settlement: Settlement, room: int, key: str):
    """One currency's debt, from the balance in the settlement's currency: (the
    transaction, what it took from the balance), or (None, 0) when nothing can be taken."""
    currency = settlement.currency
    balance = customer_account(organization=receivable.organization, currency=currency)
    # both accounts locked, in id order: two settlements released together collect the
    # debt once
    list(
        Account.objects.select_for_update()
        .filter(pk__in=[balance.pk, receivable.pk])
        .order_by("pk")
    )
    available = min(room, money_to_minor(account_balance(balance)))
    debt = -money_to_minor(account_balance(receivable))
    if available <= 0 or debt <= 0:
        return None, 0
    quote = None
    if receivable.currency == currency:
        taken = min(debt, available)
        postings = [
            Posting(balance, -money_from_minor(taken, currency)),
            Posting(receivable, money_from_minor(taken, currency)),
        ]
    else:
        quote = _quote_for(
            money_from_minor(debt, receivable.currency), money_from_minor(available, currency)
        )
        taken = money_to_minor(quote.source)
        postings = fx_postings(quote=quote, debit=balance, credit=receivable)
    posted = ledger_post(
        kind=Kind.OWED_COLLECTED,
        description=f"Amount owed to the hub (customs audit), collected from the settlement "
        f"of order {settlement.order.reference}",
        reference=settlement.order.reference,
        postings=postings,
        idempotency_key=key,
        actor_label="pipeline",
    )
    if quote is not None:
        fx_conversion_record(ledger_transaction=posted, quote=quote)
    return posted, taken


def _quote_for(debt: Money, available: Money) -> FxQuote:
    """The conversion of the balance's money that pays ``debt`` (another currency): all of
    ``available`` if it does not cover the debt, otherwise just enough of it, rounded up to
    its minor unit, and never more of the debt's currency than is owed."""
    whole = fx_quote(amount=available, to=debt.currency.code)
    if whole.target <= debt:
        return whole
    step = Decimal(1).scaleb(-minor_units(available.currency.code))
    needed = (debt.amount / whole.applied_rate).quantize(step, rounding=ROUND_UP)
    part = fx_quote(amount=Money(needed, available.currency), to=debt.currency.code)
    return dataclasses.replace(part, target=min(part.target, debt))

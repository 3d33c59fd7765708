"""Opening ledger accounts: one per owner, kind and currency, found again by its key."""

from ewtp.common.bulk import insert_unless_taken
from ewtp.common.money import currency_code

from ..models import Account

Kind = Account.Kind


def _account(key: str, **fields) -> Account:
    account = Account.objects.filter(key=key).first()
    if account is not None:
        return account
    # one opened concurrently is found by the read after (no savepoint around an INSERT
    # that may fail: two round trips fewer)
    insert_unless_taken(Account(key=key, **fields))
    return Account.objects.get(key=key)


def customer_account(*, organization, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(
        f"customer:org:{organization.pk}:{currency}",
        kind=Kind.CUSTOMER,
        currency=currency,
        organization=organization,
    )


def receivable_account(*, organization, currency: str) -> Account:
    """What the organisation owes the hub in ``currency`` (a negative balance)."""
    currency = currency_code(currency)
    return _account(
        f"receivable:org:{organization.pk}:{currency}",
        kind=Kind.RECEIVABLE,
        currency=currency,
        organization=organization,
    )


def escrow_account(*, order) -> Account:
    """Escrow holds an order's money in the currency the buyer pays in."""
    currency = order.payment_currency
    return _account(
        f"escrow:order:{order.pk}:{currency}", kind=Kind.ESCROW, currency=currency, order=order
    )


def fees_account(*, hub, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(f"fees:hub:{hub.code}:{currency}", kind=Kind.FEES, currency=currency, hub=hub)


def carriage_account(*, hub, currency: str) -> Account:
    """The hub's income from carrying orders on its e-roads (the shipping charges)."""
    currency = currency_code(currency)
    return _account(
        f"carriage:hub:{hub.code}:{currency}", kind=Kind.CARRIAGE, currency=currency, hub=hub
    )


def insurance_account(*, hub, currency: str) -> Account:
    """The cargo insurance premiums the hub collected on the consignments it carried."""
    currency = currency_code(currency)
    return _account(
        f"insurance:hub:{hub.code}:{currency}", kind=Kind.INSURANCE, currency=currency, hub=hub
    )


def duties_account(*, hub, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(
        f"duties:hub:{hub.code}:{currency}", kind=Kind.DUTIES, currency=currency, hub=hub
    )


def fx_account(*, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(f"fx:{currency}", kind=Kind.FX, currency=currency)


def fx_result_account(*, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(f"fx_result:{currency}", kind=Kind.FX_RESULT, currency=currency)


def bank_clearing_account(*, bank, currency: str) -> Account:
    currency = currency_code(currency)
    return _account(
        f"bank:{bank.pk}:{currency}", kind=Kind.BANK_CLEARING, currency=currency, bank=bank
    )

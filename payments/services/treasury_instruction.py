"""A day's FX deals as the instruction the bank executes: ISO 20022 pain.001.001.09.

One payment information block per currency the hub pays in (the debtor account: its
clearing account in that currency), one credit transfer per deal to the hub's own clearing
account in the other currency, category purpose TREA (treasury payment). The amount named
is the hub's position, exactly: the debited amount (EqvtAmt, "this much of my account, sent
in the other currency") when the hub sells it, the credited one (InstdAmt) when it buys it;
the exchange-rate block gives the agreed rate with the deal's id as its contract. The file is
validated against the ISO schema before anyone gets it.
"""

from datetime import datetime
from decimal import Decimal

from django.conf import settings

from ewtp.common.money import money_from_minor

from ..models import FxDeal, TreasurySettlement
from .pain001 import (
    pain001_account,
    pain001_add,
    pain001_bytes,
    pain001_initiation,
    pain001_payment_information,
)


def _amount(minor: int, currency: str) -> str:
    return f"{money_from_minor(minor, currency).amount:f}"


def _named(deal: FxDeal) -> tuple[int, str]:
    """The amount the instruction names: the position's leg."""
    if deal.position_currency == deal.sold_currency:
        return deal.sold_minor, deal.sold_currency
    return deal.bought_minor, deal.bought_currency


def pain001_fx_render(
    *, settlement: TreasurySettlement, deals: list[FxDeal], now: datetime
) -> bytes:
    def total(group) -> str:
        return str(sum(Decimal(_amount(*_named(deal))) for deal in group))

    document, initiation = pain001_initiation(
        message_id=settlement.message_id,
        created=now,
        transactions=len(deals),
        control_sum=total(deals),
    )
    for currency in sorted({deal.sold_currency for deal in deals}):
        group = [deal for deal in deals if deal.sold_currency == currency]
        info = pain001_payment_information(
            initiation,
            message_id=settlement.message_id,
            currency=currency,
            transactions=len(group),
            control_sum=total(group),
            day=now.date(),
            category_purpose="TREA",
            account_currency=True,
        )
        for deal in group:
            _transfer(pain001_add(info, "CdtTrfTxInf"), deal)
    return pain001_bytes(document)


def _transfer(transfer, deal: FxDeal) -> None:
    add = pain001_add
    add(add(transfer, "PmtId"), "EndToEndId", deal.end_to_end_id)
    minor, currency = _named(deal)
    amount = add(transfer, "Amt")
    if currency == deal.sold_currency:  # this much of the debtor account, sent converted
        equivalent = add(amount, "EqvtAmt")
        add(equivalent, "Amt", _amount(minor, currency), Ccy=currency)
        add(equivalent, "CcyOfTrf", deal.bought_currency)
    else:  # this much to the creditor account, paid from the debtor account converted
        add(amount, "InstdAmt", _amount(minor, currency), Ccy=currency)
    rate = add(transfer, "XchgRateInf")
    add(rate, "UnitCcy", deal.position_currency)
    add(rate, "XchgRate", f"{deal.rate.normalize():f}")
    add(rate, "RateTp", "AGRD")
    add(rate, "CtrctId", deal.end_to_end_id)
    add(add(add(transfer, "CdtrAgt"), "FinInstnId"), "BICFI", settings.PAYOUT_DEBTOR_BIC)
    add(add(transfer, "Cdtr"), "Nm", settings.PAYOUT_DEBTOR_NAME)
    pain001_account(add(transfer, "CdtrAcct"), deal.bought_currency)
    add(
        add(transfer, "RmtInf"),
        "Ustrd",
        f"FX deal {deal.end_to_end_id}: {deal.sold} for {deal.bought}",
    )

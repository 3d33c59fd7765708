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
from xml.etree import ElementTree as ET

from django.conf import settings

from ewtp.common.money import money_from_minor

from ..models import FxDeal, TreasurySettlement
from .payouts import PAIN_001, pain001_schema
from .statements import account_identifier_of


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
    ET.register_namespace("", PAIN_001)

    def add(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{PAIN_001}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    def total(group) -> str:
        return str(sum(Decimal(_amount(*_named(deal))) for deal in group))

    document = ET.Element(f"{{{PAIN_001}}}Document")
    initiation = add(document, "CstmrCdtTrfInitn")
    header = add(initiation, "GrpHdr")
    add(header, "MsgId", settlement.message_id)
    add(header, "CreDtTm", now.replace(microsecond=0).isoformat())
    add(header, "NbOfTxs", str(len(deals)))
    add(header, "CtrlSum", total(deals))
    add(add(header, "InitgPty"), "Nm", settings.PAYOUT_DEBTOR_NAME)
    for currency in sorted({deal.sold_currency for deal in deals}):
        group = [deal for deal in deals if deal.sold_currency == currency]
        info = add(initiation, "PmtInf")
        add(info, "PmtInfId", f"{settlement.message_id}-{currency}")
        add(info, "PmtMtd", "TRF")
        add(info, "NbOfTxs", str(len(group)))
        add(info, "CtrlSum", total(group))
        add(add(add(info, "PmtTpInf"), "CtgyPurp"), "Cd", "TREA")
        add(add(info, "ReqdExctnDt"), "Dt", now.date().isoformat())
        add(add(info, "Dbtr"), "Nm", settings.PAYOUT_DEBTOR_NAME)
        _account(add, add(info, "DbtrAcct"), currency)
        add(add(add(info, "DbtrAgt"), "FinInstnId"), "BICFI", settings.PAYOUT_DEBTOR_BIC)
        for deal in group:
            _transfer(add, add(info, "CdtTrfTxInf"), deal)
    xml = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    pain001_schema().validate(xml.decode())  # raises if the hub ever produces an invalid file
    return xml


def _account(add, parent, currency: str) -> None:
    add(add(add(parent, "Id"), "Othr"), "Id", account_identifier_of(currency))
    add(parent, "Ccy", currency)


def _transfer(add, transfer, deal: FxDeal) -> None:
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
    _account(add, add(transfer, "CdtrAcct"), deal.bought_currency)
    add(
        add(transfer, "RmtInf"),
        "Ustrd",
        f"FX deal {deal.end_to_end_id}: {deal.sold} for {deal.bought}",
    )

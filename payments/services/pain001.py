"""ISO 20022 pain.001.001.09, the credit-transfer initiation the hub hands a partner bank: a
batch of payouts (payouts.py) and a day's FX deals (treasury_instruction.py) share its
envelope, built here: the group header, one payment information block per currency paid
from the hub's clearing account in it, and the check against the ISO schema before anyone
gets the file."""

from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import xmlschema
from django.conf import settings

from .statements import account_identifier_of

PAIN_001 = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "iso20022" / "pain.001.001.09.xsd"


def pain001_add(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{PAIN_001}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def pain001_initiation(
    *, message_id: str, created: datetime, transactions: int, control_sum: str
) -> tuple[ET.Element, ET.Element]:
    """The document and its CstmrCdtTrfInitn, with the group header filled in."""
    ET.register_namespace("", PAIN_001)
    document = ET.Element(f"{{{PAIN_001}}}Document")
    initiation = pain001_add(document, "CstmrCdtTrfInitn")
    header = pain001_add(initiation, "GrpHdr")
    pain001_add(header, "MsgId", message_id)
    pain001_add(header, "CreDtTm", created.replace(microsecond=0).isoformat())
    pain001_add(header, "NbOfTxs", str(transactions))
    pain001_add(header, "CtrlSum", control_sum)
    pain001_add(pain001_add(header, "InitgPty"), "Nm", settings.PAYOUT_DEBTOR_NAME)
    return document, initiation


def pain001_payment_information(
    initiation: ET.Element,
    *,
    message_id: str,
    currency: str,
    transactions: int,
    control_sum: str,
    day: date,
    category_purpose: str = "",
    account_currency: bool = False,
) -> ET.Element:
    """The PmtInf block of ``currency`` up to its debtor agent; the caller adds its
    CdtTrfTxInf. ``category_purpose`` (e.g. TREA) and ``account_currency`` (the debtor
    account's Ccy) are written only when given."""
    add = pain001_add
    info = add(initiation, "PmtInf")
    add(info, "PmtInfId", f"{message_id}-{currency}")
    add(info, "PmtMtd", "TRF")
    add(info, "NbOfTxs", str(transactions))
    add(info, "CtrlSum", control_sum)
    if category_purpose:
        add(add(add(info, "PmtTpInf"), "CtgyPurp"), "Cd", category_purpose)
    add(add(info, "ReqdExctnDt"), "Dt", day.isoformat())
    add(add(info, "Dbtr"), "Nm", settings.PAYOUT_DEBTOR_NAME)
    pain001_account(add(info, "DbtrAcct"), currency, with_currency=account_currency)
    add(add(add(info, "DbtrAgt"), "FinInstnId"), "BICFI", settings.PAYOUT_DEBTOR_BIC)
    return info


def pain001_account(parent: ET.Element, currency: str, *, with_currency: bool = True) -> None:
    """The hub's clearing account in ``currency``, as an account element's content."""
    add = pain001_add
    add(add(add(parent, "Id"), "Othr"), "Id", account_identifier_of(currency))
    if with_currency:
        add(parent, "Ccy", currency)


def pain001_bytes(document: ET.Element) -> bytes:
    xml = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    pain001_schema().validate(xml.decode())  # raises if the hub ever produces an invalid file
    return xml


_schema = None


def pain001_schema() -> xmlschema.XMLSchema:
    global _schema
    if _schema is None:
        _schema = xmlschema.XMLSchema(str(SCHEMA_FILE))
    return _schema

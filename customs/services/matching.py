"""The three-record match of China's cross-border retail imports ("三单对碰"): before release,
the order record (from the platform), the payment record (from the payment provider) and the
waybill record (from the carrier) must agree with the declaration: buyer identity, amounts
within a tolerance, goods and quantities, waybill number. The records arrive from the other
apps through the pipeline as plain data; what differs is listed field by field."""

from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings

from ..models import Declaration

REGIMES_MATCHED = ("CN_CBEC_IMPORT",)


@dataclass(frozen=True)
class OrderRecord:
    reference: str
    buyer_id_reference: str
    amount: Decimal  # in the declaration's currency
    currency: str
    goods: tuple[tuple[str, int], ...]  # (HS code, quantity) per line


@dataclass(frozen=True)
class PaymentRecord:
    reference: str
    payer_id_reference: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class WaybillRecord:
    waybill: str
    consignee_id_reference: str
    goods: tuple[tuple[str, int], ...]


def records_as_json(order=None, payment=None, waybill=None) -> dict:
    def plain(record):
        return {
            key: (str(value) if isinstance(value, Decimal) else value)
            for key, value in asdict(record).items()
        }

    return {
        name: plain(record)
        for name, record in (("order", order), ("payment", payment), ("waybill", waybill))
        if record is not None
    }


def _goods(pairs) -> Counter:
    counts = Counter()
    for hs_code, quantity in pairs:
        counts[str(hs_code)[:6]] += int(quantity)
    return counts


def _near(a: Decimal, b: Decimal) -> bool:
    tolerance = Decimal(str(settings.CUSTOMS_MATCH_TOLERANCE_PERCENT)) / 100
    return abs(a - b) <= max(abs(b) * tolerance, Decimal("0.01"))


def _difference(field: str, declared, record) -> dict:
    return {"field": field, "declared": str(declared), "record": str(record)}


def match_differences(declaration: Declaration, items: list) -> list[dict]:
    """What disagrees between the declaration and its stored records; a missing record is a
    difference too (a declaration is not released on two records out of three)."""
    records = declaration.match_records or {}
    missing = [
        _difference(f"{name}", "required", "missing")
        for name in ("order", "payment", "waybill")
        if name not in records
    ]
    if missing:
        return missing
    order, payment, waybill = records["order"], records["payment"], records["waybill"]
    buyer = declaration.importer_id_reference.strip().upper()
    declared_value = sum((item.value for item in items), Decimal(0))
    declared_goods = _goods((item.hs_code, item.quantity) for item in items)
    found = []
    for field, value in (
        ("order.buyer_id_reference", order["buyer_id_reference"]),
        ("payment.payer_id_reference", payment["payer_id_reference"]),
        ("waybill.consignee_id_reference", waybill["consignee_id_reference"]),
    ):
        if str(value).strip().upper() != buyer:
            found.append(_difference(field, buyer, value))
    for name, record in (("order", order), ("payment", payment)):
        if record["currency"] != declaration.currency:
            found.append(_difference(f"{name}.currency", declaration.currency, record["currency"]))
        elif not _near(Decimal(record["amount"]), declared_value):
            found.append(_difference(f"{name}.amount", declared_value, record["amount"]))
    for name, record in (("order", order), ("waybill", waybill)):
        goods = _goods(record["goods"])
        if goods != declared_goods:
            found.append(_difference(f"{name}.goods", dict(declared_goods), dict(goods)))
    if waybill["waybill"].strip().upper() != declaration.waybill.strip().upper():
        found.append(_difference("waybill.waybill", declaration.waybill, waybill["waybill"]))
    return found

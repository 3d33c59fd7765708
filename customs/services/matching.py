"""The three-record match of China's cross-border retail imports ("三单对碰"): before release,
the order record (from the platform), the payment record (from the payment provider) and the
waybill record (from the carrier) must agree with the declaration: buyer identity, amounts
within a tolerance, goods and quantities, waybill number. The records arrive from the other
apps through the pipeline as plain data; what differs is listed field by field."""

from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings

from ewtp.common.errors import ApplicationError
from ewtp.common.rate_age import RateStale

from ..models import Declaration
from .duty import REGIMES
from .rates import customs_rate

REGIMES_MATCHED = ("CN_CBEC_IMPORT",)
NOT_REPORTED = "not reported"  # a record's field its sender left empty


@dataclass(frozen=True)
class OrderRecord:
    reference: str
    buyer_id_reference: str
    amount: Decimal  # in ``currency``: converted at the customs rate to be compared
    currency: str
    goods: tuple[tuple[str, int], ...]  # (HS code, quantity) per line
    # the import taxes the buyer paid with the goods (a DDP order): the amount less these is
    # the goods' value with their freight and insurance, which must agree with the
    # declaration's CIF
    taxes: Decimal = Decimal(0)


@dataclass(frozen=True)
class PaymentRecord:
    reference: str
    # the payer's identity document number as the bank reported it; empty: not reported
    payer_id_reference: str
    amount: Decimal
    currency: str
    taxes: Decimal = Decimal(0)  # as on the order record
    # parties.account_key of the account paid from (the number itself stays with payments)
    payer_account_key: str = ""


@dataclass(frozen=True)
class WaybillRecord:
    waybill: str
    consignee_id_reference: str
    goods: tuple[tuple[str, int], ...]


def records_as_json(order=None, payment=None, waybill=None) -> dict:
    def plain(record):
        data = asdict(record)
        if "goods" in data:  # a mapping of HS code → quantity is accepted too
            goods = data["goods"]
            data["goods"] = [
                list(pair) for pair in (goods.items() if isinstance(goods, dict) else goods)
            ]
        return {
            key: (str(value) if isinstance(value, Decimal) else value)
            for key, value in data.items()
        }

    return {
        name: plain(record)
        for name, record in (("order", order), ("payment", payment), ("waybill", waybill))
        if record is not None
    }


def records_from_json(data: dict) -> dict:
    """The records ``records_as_json`` wrote, as records again (keyword arguments of
    declaration_records_attach): how a record that came from another deployment is stored
    here as it was stated there. Raises ValueError or TypeError on one that cannot be."""
    kinds = {"order": OrderRecord, "payment": PaymentRecord, "waybill": WaybillRecord}
    records = {}
    for name, record in data.items():
        kind = kinds[name]
        fields = dict(record)
        for key in ("amount", "taxes"):
            if key in fields:
                fields[key] = Decimal(str(fields[key]))
        if "goods" in fields:
            fields["goods"] = tuple((str(hs), int(quantity)) for hs, quantity in fields["goods"])
        records[name] = kind(**fields)
    return records


class Unreadable(Exception):
    """A stored record whose field cannot be read: reported as a difference, never a crash."""


def _goods(pairs) -> Counter:
    try:
        items = pairs.items() if isinstance(pairs, dict) else pairs
        counts = Counter()
        for hs_code, quantity in items:
            counts[str(hs_code)[:6]] += int(quantity)
        return counts
    except (TypeError, ValueError) as error:
        raise Unreadable from error


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise Unreadable
    return value.strip().upper()


def _in_customs_currency(declaration: Declaration, record: dict) -> Decimal:
    """The goods' value with freight and insurance on the record (its amount less the taxes
    paid with it) in the customs currency, at the customs rate of the declaration date (a
    buyer may pay in another currency than the order's)."""
    try:
        amount = Decimal(str(record.get("amount"))) - Decimal(str(record.get("taxes", "0")))
    except ArithmeticError as error:
        raise Unreadable from error
    if not amount.is_finite():
        raise Unreadable
    currency = _text(record, "currency")
    if currency == declaration.currency.upper():
        return amount * declaration.exchange_rate
    try:
        rate, _ = customs_rate(
            country=REGIMES[declaration.regime], currency=currency, on=declaration.declared_on
        )
    except RateStale:
        raise  # not a difference in the records: the hub's rates are out of date (retried)
    except ApplicationError as error:
        raise Unreadable from error
    return amount * rate


def _near(a: Decimal, b: Decimal) -> bool:
    tolerance = Decimal(str(settings.CUSTOMS_MATCH_TOLERANCE_PERCENT)) / 100
    return abs(a - b) <= max(abs(b) * tolerance, Decimal("0.01"))


def _difference(field: str, declared, record) -> dict:
    return {"field": field, "declared": str(declared), "record": str(record)}


def match_differences(declaration: Declaration, items: list) -> list[dict]:
    """What disagrees between the declaration and its stored records; a missing record, or a
    field that cannot be read, is a difference too (nothing is released on two records out of
    three, nor on a record nobody can read)."""
    records = declaration.match_records if isinstance(declaration.match_records, dict) else {}
    missing = [
        _difference(name, "required", "missing")
        for name in ("order", "payment", "waybill")
        if not isinstance(records.get(name), dict)
    ]
    if missing:
        return missing
    found: list[dict] = []
    for field, check in _checks(declaration, items, records):
        try:
            difference = check()
        except Unreadable:
            difference = ("declared", "unreadable")
        if difference:
            found.append(_difference(field, *difference))
    return found


def _checks(declaration: Declaration, items: list, records: dict):
    order, payment, waybill = records["order"], records["payment"], records["waybill"]
    buyer = declaration.importer_id_reference.strip().upper()
    # what the buyer paid less the taxes is the goods with their freight and insurance (the
    # taxable price of a retail import, Caishui [2016] No. 18): the declaration's CIF
    declared_value = (
        sum((item.value for item in items), Decimal(0))
        + declaration.freight
        + declaration.insurance
    )
    declared_customs = declared_value * declaration.exchange_rate
    declared_goods = _goods((item.hs_code, item.quantity) for item in items)

    def same_person(record, key):
        value = _text(record, key)
        return None if value == buyer else (buyer, value)

    def same_payer():
        # An identity the bank did not report is a difference, not a pass: under GACC
        # Announcement 2018 No. 194 the payment record names the payer, and the goods are
        # released only when order, payment and waybill name the same person. Customs cannot
        # release on a payment it cannot tie to the consumer, so the officer sees "not
        # reported" (and asks the bank or the platform) rather than a silent match.
        value = _text(payment, "payer_id_reference")
        if not value:
            return (buyer, NOT_REPORTED)
        return None if value == buyer else (buyer, value)

    def same_amount(record):
        amount = _in_customs_currency(declaration, record)
        return (
            None
            if _near(amount, declared_customs)
            else (
                f"{declared_value} {declaration.currency}",
                f"{record.get('amount')} {record.get('currency')}",
            )
        )

    def same_goods(record):
        goods = _goods(record.get("goods"))
        return None if goods == declared_goods else (dict(declared_goods), dict(goods))

    def same_waybill():
        value = _text(waybill, "waybill")
        declared = declaration.waybill.strip().upper()
        return None if value == declared else (declared, value)

    return [
        ("order.buyer_id_reference", lambda: same_person(order, "buyer_id_reference")),
        ("payment.payer_id_reference", same_payer),
        ("waybill.consignee_id_reference", lambda: same_person(waybill, "consignee_id_reference")),
        ("order.amount", lambda: same_amount(order)),
        ("payment.amount", lambda: same_amount(payment)),
        ("order.goods", lambda: same_goods(order)),
        ("waybill.goods", lambda: same_goods(waybill)),
        ("waybill.waybill", same_waybill),
    ]

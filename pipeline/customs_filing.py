"""What customs is told about an order, built from the other apps' records as plain data:
the export declaration at the origin hub, the import declaration at the destination, and the
order, payment and waybill records of China's three-record match. Used by the journey's steps
(and the demo world, which files through the same functions)."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from customs.lvg import lvg_registration_in_force
from customs.services.filing import DeclarationRequest, ItemRequest
from customs.services.matching import OrderRecord, PaymentRecord, WaybillRecord
from customs.services.parties import account_key
from customs.services.quotes import QuoteRequest
from ewtp.common.money import money_from_minor
from hubs.models import Order
from logistics.selectors import parcel_items_of
from payments.selectors import payment_applied_latest

EXPORT_REGIMES = {"MY": "MY_EXPORT", "CN": "CN_EXPORT"}


def _items(order: Order) -> list[ItemRequest]:
    return [
        ItemRequest(
            hs_code=line.hs_code,
            description=line.title,
            origin=line.origin_country.code,
            quantity=line.quantity,
            net_weight_kg=line.unit_weight_kg * line.quantity,
            value=line.line_total.amount,
        )
        for line in order.lines.all()
    ]


def _customs_value_additions(order: Order) -> dict:
    """The freight and insurance an import's customs value adds to the goods, in the order's
    currency (the declaration's): the origin hub's charges for carrying the goods to the
    destination and insuring them. DAP and DDP both deliver at the buyer's place, so the
    carriage to the place of import is part of the sale, and both countries value imports
    on CIF: Malaysia by the Customs (Rules of Valuation) Regulations 1999 (made under
    s. 142 of the Customs Act 1967), as the WTO Customs Valuation Agreement, Art. 8.2 lets
    a member include the cost of transport and insurance to the place of importation; China
    by GACC Order No. 213 (2013) on the valuation of imported goods, and for cross-border
    e-commerce retail imports by Caishui [2016] No. 18, whose taxable price is the actual
    transaction price including the retail price, freight and insurance. Zero when the
    freight was arranged outside the platform (no shipping rate in force). Malaysia's
    low-value-goods test stays on the sale value without them (the duty engine's rule)."""
    return {
        "freight": order.shipping_charge.amount if order.shipping_charge else Decimal(0),
        "insurance": order.insurance_charge.amount if order.insurance_charge else Decimal(0),
    }


def _declaration_request(order: Order, *, hub, declared_for: str, **terms) -> DeclarationRequest:
    """What each of the order's declarations states alike: the parties, the currency, the
    goods and the incoterm; ``terms``: what the export and the import state apart."""
    return DeclarationRequest(
        hub=hub,
        exporter=order.seller.legal_name,
        importer=order.buyer_label,
        importer_id_reference=order.consumer_id_reference,
        declarant=f"eWTP Hub {hub.code} for {declared_for}",
        currency=order.total.currency.code,
        items=_items(order),
        incoterm=order.incoterm,
        order=order,
        **terms,
    )


def export_request(order: Order, *, paid: Decimal) -> DeclarationRequest:
    """``paid``: what the buyer paid for the goods, in the order's currency (the risk engine
    compares the declared value with it). An export is declared FOB: the goods' value at the
    origin, without the carriage and insurance after it (no freight or insurance)."""
    hub = order.origin_hub
    return _declaration_request(
        order,
        hub=hub,
        declared_for=order.seller.legal_name,
        regime=EXPORT_REGIMES[hub.country.code],
        declared_on=timezone.localdate(),
        organization=order.seller,
        paid_amount=paid,
    )


def import_regime(order: Order) -> str:
    """At the destination: cross-border retail for a channel's consumer in China, general
    import otherwise."""
    country = order.destination_hub.country.code
    return "CN_CBEC_IMPORT" if country == "CN" and order.is_b2c else f"{country}_IMPORT"


def lvg_seller_registration(order: Order, on):
    """The seller's LVG registration in force on ``on`` when the order's goods are sold
    online to a consumer in Malaysia (customs/models/lvg.py): only then are they charged the
    sales tax on low value goods; None otherwise, and the goods take the general treatment."""
    if not order.is_b2c or import_regime(order) != "MY_IMPORT":
        return None
    return lvg_registration_in_force(organization=order.seller, on=on)


def import_quote_request(order: Order) -> QuoteRequest:
    """What the import would be assessed at today, for a DDP order's quote at placement: the
    same goods, regime and terms as the import declaration filed when they fly."""
    today = timezone.localdate()
    return QuoteRequest(
        regime=import_regime(order),
        currency=order.total.currency.code,
        on=today,
        items=_items(order),
        **_customs_value_additions(order),
        sold_online_by_registered_seller=lvg_seller_registration(order, today) is not None,
    )


def import_request(
    order: Order, *, waybill: str, arrival_expected_at: datetime | None = None
) -> DeclarationRequest:
    """``arrival_expected_at``: lodged before the goods arrive (the departed flight's manifest),
    when they are due; None once they are there."""
    hub = order.destination_hub
    today = timezone.localdate()
    registration = lvg_seller_registration(order, today)
    return _declaration_request(
        order,
        hub=hub,
        declared_for=order.buyer_label,
        regime=import_regime(order),
        declared_on=today,
        **_customs_value_additions(order),
        sold_online_by_registered_seller=registration is not None,
        lvg_registration_number=registration.number if registration is not None else "",
        waybill=waybill,
        # where a consumer's goods go (the risk engine looks for one address, many consumers)
        delivery_address=order.consumer_address if order.is_b2c else "",
        # the importer declares: a business buyer itself; for a consumer, the seller's
        # cross-border e-commerce enterprise (as China's retail import rules have it)
        organization=order.buyer if order.buyer_id else order.seller,
        arrival_expected_at=arrival_expected_at,
    )


def payer_identity(order: Order) -> str:
    """The payer's identity document number as the bank reported it with the order's latest
    applied payment; empty when the bank sent none. Never the order's own consumer identity:
    the payment record states what the bank says, so that the three-record match can
    disagree with the order."""
    payment = payment_applied_latest(order=order)
    return payment.payer_id_reference if payment is not None else ""


def match_records(
    order: Order,
    *,
    payer_id_reference: str,
    paid: Decimal,
    paid_currency: str,
    waybill: str,
    shipped: dict,
    paid_taxes: Decimal = Decimal(0),
) -> dict:
    """The three records as the platform, the payment provider and the carrier state them:
    ``paid`` in ``paid_currency`` (the buyer's), of which ``paid_taxes`` were a DDP order's
    import taxes; ``shipped`` HS code → quantity in the parcels under ``waybill``."""
    goods = tuple((line.hs_code, line.quantity) for line in order.lines.all())
    currency = order.total.currency.code
    payment = payment_applied_latest(order=order)
    return {
        "order": OrderRecord(
            reference=order.reference,
            buyer_id_reference=order.consumer_id_reference,
            # as the buyer paid: the goods, their freight and insurance, a DDP order's duties
            amount=order.amount_due.amount,
            currency=currency,
            goods=goods,
            taxes=order.duties_quoted.amount if order.duties_quoted is not None else Decimal(0),
        ),
        "payment": PaymentRecord(
            reference=f"PAY-{order.reference}",
            payer_id_reference=payer_id_reference,
            amount=paid,
            currency=paid_currency,
            taxes=paid_taxes,
            payer_account_key=account_key(payment.payer_account) if payment is not None else "",
        ),
        "waybill": WaybillRecord(
            waybill=waybill,
            consignee_id_reference=order.consumer_id_reference,
            goods=tuple(shipped.items()),
        ),
    }


def import_records(order: Order, *, waybill: str, parcels) -> dict:
    """The three records of the order's import under ``waybill``: the order as placed, the
    payment as the bank reported it (an order fetched with its payment intent), and the
    goods in ``parcels`` as the carrier's manifest states them."""
    intent = order.payment_intent
    shipped: dict = {}
    for item in parcel_items_of(parcel_ids=[parcel.pk for parcel in parcels]):
        hs_code = item.order_line.hs_code
        shipped[hs_code] = shipped.get(hs_code, 0) + item.quantity
    return match_records(
        order,
        payer_id_reference=payer_identity(order),  # as the bank reported it
        paid=money_from_minor(intent.received_minor, intent.currency).amount,
        paid_currency=intent.currency,
        paid_taxes=intent.duties.amount,
        waybill=waybill,
        shipped=shipped,
    )


def stock_import_request(
    order: Order, *, waybill: str, customs_site_code: str
) -> DeclarationRequest:
    """The retail import of an order sold from a bonded warehouse's stock (supervision mode
    1210, warehousing/law.py): declared at the warehouse's hub under the domestic courier's
    waybill, from the supervision site the goods leave. Its customs value is the goods' price:
    they crossed in bulk, and the order carries no freight of its own."""
    request = import_request(order, waybill=waybill)
    return DeclarationRequest(
        **{
            **request.__dict__,
            "supervision_mode": "1210",
            "customs_site_code": customs_site_code,
            "air_courier": False,
        }
    )

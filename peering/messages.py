"""The journey's message types: what the origin of an order's goods tells the destination
(the manifest at departure), and what the destination answers (its customs' decision, its
operators' scans, a claim). Every one travels on the order's stream, ``order:<reference>``,
so each side processes an order's messages in the order they were sent."""

from .handlers import handles
from .manifests import SCHEMA as MANIFEST_SCHEMA
from .services.consignments import consignment_receive, stream_of
from .services.journey import (
    MANIFESTED,
    consignment_claimed_received,
    consignment_scanned_received,
    declaration_decided_received,
)

REFERENCE = {"type": "string", "minLength": 1, "maxLength": 40}


def order_stream(payload: dict) -> str:
    return stream_of(payload["order"])


@handles(
    MANIFESTED,
    schema=MANIFEST_SCHEMA,
    description="Origin → destination, when the flight departs: one order's goods on board "
    "(its parcels and their house waybills), the import declaration's terms and goods, and "
    "the order, payment and waybill records as the platform, the bank and the carrier state "
    "them. The destination files the import from it before the goods land and answers with "
    "declaration.decided.",
    stream_for=order_stream,
)
def manifested(peer, payload: dict) -> None:
    consignment_receive(peer=peer, manifest=payload)


@handles(
    "declaration.decided",
    schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["order", "declaration", "regime", "status", "lane", "by_officer", "reason"],
        "properties": {
            "order": REFERENCE,
            "declaration": {"type": "string", "maxLength": 40},
            "regime": {"type": "string", "maxLength": 20},
            "status": {"enum": ["accepted", "held", "released", "rejected", "not_filed"]},
            "lane": {"enum": ["", "green", "blue", "yellow", "red"]},
            "by_officer": {"type": "boolean"},
            "reason": {"type": "string", "maxLength": 300},
            "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
            "exchange_rate": {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,10})?$"},
            "total_tax": {"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$"},
            "customs_currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
        },
        # required with "released" (the assessment's figures): checked by the handler, as
        # OpenAPI 3.0 cannot say so
    },
    description="Destination → origin: what the destination's customs decided on the import "
    "of an order it was sent (accepted while the goods are in the air, held for an officer, "
    "released, rejected; or not filed, with why). On release the origin pays a DDP order's "
    "assessed taxes from escrow (total_tax, in customs_currency, at exchange_rate per unit "
    "of currency); on an officer's rejection it refunds the buyer.",
    stream_for=order_stream,
)
def declaration_decided(peer, payload: dict) -> None:
    declaration_decided_received(peer=peer, payload=payload)


SCAN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["order", "waybill", "status", "at", "note"],
    "properties": {
        "order": REFERENCE,
        "waybill": {"type": "string", "maxLength": 20},
        "at": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "maxLength": 200},
    },
}


@handles(
    "consignment.scanned",
    schema={
        **SCAN,
        "properties": {
            **SCAN["properties"],
            "status": {"enum": ["arrived", "out_for_delivery", "delivered"]},
        },
    },
    description="Destination → origin: an operator's scan of the order's goods, arrived, out "
    "for delivery or delivered. The delivery record is what the origin delivers the order on: "
    "the buyer's confirmation window starts, and escrow is released when it ends.",
    stream_for=order_stream,
)
def consignment_scanned(peer, payload: dict) -> None:
    consignment_scanned_received(peer=peer, payload=payload)


@handles(
    "consignment.claimed",
    schema={
        **SCAN,
        "properties": {**SCAN["properties"], "status": {"enum": ["lost", "damaged"]}},
    },
    description="Destination → origin: the order's goods were lost or damaged after they "
    "left the origin (note: what happened). The origin refunds the buyer the goods' value "
    "from escrow (the buyer's claim).",
    stream_for=order_stream,
)
def consignment_claimed(peer, payload: dict) -> None:
    consignment_claimed_received(peer=peer, payload=payload)

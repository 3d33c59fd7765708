"""The manifest of an order's goods as they fly to a hub a peer deployment runs: built here
from the order, its payment and its parcels on the flight, as plain data, with the JSON
Schema a peer checks it against (docs/eroad-protocol.md). It carries what the destination's
customs need to file the import before the goods land: the declaration's terms and goods,
and the three records of the order, the payment and the waybill as the platform, the bank
and the carrier state them."""

from decimal import Decimal

from customs.services.matching import records_as_json
from pipeline.customs_filing import import_records, import_request

DECIMAL = {"type": "string", "pattern": r"^-?\d{1,12}(\.\d{1,6})?$"}
TEXT = {"type": "string", "maxLength": 200}
CODE = {"type": "string", "pattern": r"^[A-Z0-9_]{1,20}$"}
# [HS code, quantity] pairs, as customs stores the records (the pair's two types are
# checked when the record is read: OpenAPI 3.0 has no schema for a tuple)
GOODS = {
    "type": "array",
    "maxItems": 200,
    "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {}},
}


def _record(properties: dict, required: list) -> dict:
    record = {"type": "object", "additionalProperties": False, "properties": properties}
    return record | ({"required": required} if required else {})  # OpenAPI 3.0: none or some


SCHEMA = _record(
    {
        "order": {"type": "string", "minLength": 1, "maxLength": 40},
        "destination_hub": {"type": "string", "pattern": r"^[A-Z]{3}$"},
        "flight": _record(
            {
                "number": {"type": "string", "maxLength": 12},
                "master_waybill": {"type": "string", "maxLength": 20},
                "departed_at": {"type": "string", "format": "date-time"},
                "arrives_at": {"type": "string", "format": "date-time"},
            },
            ["number", "master_waybill", "arrives_at"],
        ),
        "parcels": {
            "type": "array",
            "minItems": 1,
            "maxItems": 100,
            "items": _record(
                {"waybill": {"type": "string", "maxLength": 20}, "weight_kg": DECIMAL},
                ["waybill", "weight_kg"],
            ),
        },
        "declaration": _record(
            {
                "regime": CODE,
                "exporter": TEXT,
                "importer": TEXT,
                "importer_id_reference": {"type": "string", "maxLength": 40},
                "delivery_address": {"type": "string", "maxLength": 300},
                "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
                "incoterm": {"enum": ["DAP", "DDP"]},
                "freight": DECIMAL,
                "insurance": DECIMAL,
                "waybill": {"type": "string", "maxLength": 20},
                "items": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 200,
                    "items": _record(
                        {
                            "hs_code": {"type": "string", "pattern": r"^\d{4,12}$"},
                            "description": TEXT,
                            "origin": {"type": "string", "pattern": r"^[A-Z]{2}$"},
                            "quantity": {"type": "integer", "minimum": 1, "maximum": 100000},
                            "net_weight_kg": DECIMAL,
                            "value": DECIMAL,
                        },
                        ["hs_code", "description", "origin", "quantity", "value"],
                    ),
                },
            },
            ["regime", "exporter", "importer", "currency", "incoterm", "waybill", "items"],
        ),
        "records": _record(
            {
                "order": _record(
                    {
                        "reference": TEXT,
                        "buyer_id_reference": {"type": "string", "maxLength": 40},
                        "amount": DECIMAL,
                        "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
                        "goods": GOODS,
                        "taxes": DECIMAL,
                    },
                    ["reference", "buyer_id_reference", "amount", "currency", "goods"],
                ),
                "payment": _record(
                    {
                        "reference": TEXT,
                        "payer_id_reference": {"type": "string", "maxLength": 40},
                        "amount": DECIMAL,
                        "currency": {"type": "string", "pattern": r"^[A-Z]{3}$"},
                        "taxes": DECIMAL,
                        "payer_account_key": {"type": "string", "maxLength": 64},
                    },
                    ["reference", "payer_id_reference", "amount", "currency"],
                ),
                "waybill": _record(
                    {
                        "waybill": {"type": "string", "maxLength": 20},
                        "consignee_id_reference": {"type": "string", "maxLength": 40},
                        "goods": GOODS,
                    },
                    ["waybill", "consignee_id_reference", "goods"],
                ),
            },
            [],
        ),
    },
    ["order", "destination_hub", "flight", "parcels", "declaration", "records"],
)


def _plain(value) -> str:
    return str(value) if isinstance(value, Decimal) else value


def manifest_of(order, flight, parcels) -> dict:
    """The manifest of ``order``'s ``parcels`` on ``flight`` (an order fetched with its
    payment intent and lines)."""
    waybill = parcels[0].waybill  # the first parcel's house waybill carries the declaration
    request = import_request(order, waybill=waybill, arrival_expected_at=flight.arrives_at)
    return {
        "order": order.reference,
        "destination_hub": order.destination_hub.code,
        "flight": {
            "number": flight.number,
            "master_waybill": flight.master_waybill or "",
            "departed_at": flight.departs_at.isoformat(),
            "arrives_at": flight.arrives_at.isoformat(),
        },
        "parcels": [
            {"waybill": parcel.waybill, "weight_kg": str(parcel.weight_kg)} for parcel in parcels
        ],
        "declaration": {
            "regime": request.regime,
            "exporter": request.exporter,
            "importer": request.importer,
            "importer_id_reference": request.importer_id_reference,
            "delivery_address": request.delivery_address,
            "currency": request.currency,
            "incoterm": request.incoterm,
            "freight": str(request.freight),
            "insurance": str(request.insurance),
            "waybill": waybill,
            "items": [
                {
                    key: _plain(value)
                    for key, value in item.__dict__.items()
                    if value is not None or key != "net_weight_kg"
                }
                for item in request.items
            ],
        },
        "records": records_as_json(**import_records(order, waybill=waybill, parcels=parcels)),
    }

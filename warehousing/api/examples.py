"""The OpenAPI examples of the warehousing API: what a shop's or a seller's engineer sees
sent and answered in the documentation."""

from drf_spectacular.utils import OpenApiExample

from ..selectors.stock import COVER_WINDOW_DAYS

BOOKING_EXAMPLE = OpenApiExample(
    "Two SKUs to Hangzhou",
    request_only=True,
    value={
        "warehouse": "HGH-BW1",
        "expected_on": "2030-12-07",
        "carrier_reference": "232-12345675",
        "lines": [
            {"product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00", "quantity": 500},
            {
                "product": "5d0f6a1e-3333-4c2b-9f1f-0a4b5c3d2e11",
                "quantity": 240,
                "lot": "L2026-11",
                "expires_on": "2027-11-30",
            },
        ],
    },
)


SHIPMENT_EXAMPLE = OpenApiExample(
    "Received with one line short",
    response_only=True,
    status_codes=["200"],
    value={
        "reference": "IN-7KQ2M9XD",
        "status": "received",
        "warehouse": "HGH-BW1",
        "hub": "HGH",
        "expected_on": "2030-12-07",
        "carrier_reference": "232-12345675",
        "entry_declaration": "E3301202612070001",
        "arrived_at": "2030-12-07T08:10:00Z",
        "received_at": "2030-12-07T15:42:00Z",
        "created_at": "2030-12-01T09:00:00Z",
        "units_expected": 740,
        "units_received": 736,
        "discrepancies": 1,
        "lines": [
            {
                "line_no": 1,
                "product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00",
                "sku": "BTK-001",
                "lot": "",
                "expires_on": None,
                "quantity_expected": 500,
                "quantity_received": 496,
                "quantity_damaged": 2,
                "difference": -4,
                "discrepancy": True,
                "note": "Two cartons crushed.",
            },
            {
                "line_no": 2,
                "product": "5d0f6a1e-3333-4c2b-9f1f-0a4b5c3d2e11",
                "sku": "KOP-250",
                "lot": "L2026-11",
                "expires_on": "2027-11-30",
                "quantity_expected": 240,
                "quantity_received": 240,
                "quantity_damaged": 0,
                "difference": 0,
                "discrepancy": False,
                "note": "",
            },
        ],
    },
)


BOOKED_EXAMPLE = OpenApiExample(
    "Booked",
    response_only=True,
    status_codes=["201"],
    value={
        "reference": "IN-7KQ2M9XD",
        "status": "booked",
        "warehouse": "HGH-BW1",
        "hub": "HGH",
        "expected_on": "2030-12-07",
        "carrier_reference": "232-12345675",
        "entry_declaration": "",
        "arrived_at": None,
        "received_at": None,
        "created_at": "2030-12-01T09:00:00Z",
        "units_expected": 740,
        "units_received": None,
        "discrepancies": 0,
        "lines": [
            {
                "line_no": number,
                "product": product,
                "sku": sku,
                "lot": lot,
                "expires_on": expires_on,
                "quantity_expected": quantity,
                "quantity_received": None,
                "quantity_damaged": 0,
                "difference": None,
                "discrepancy": False,
                "note": "",
            }
            for number, product, sku, lot, expires_on, quantity in (
                (1, "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00", "BTK-001", "", None, 500),
                (
                    2,
                    "5d0f6a1e-3333-4c2b-9f1f-0a4b5c3d2e11",
                    "KOP-250",
                    "L2026-11",
                    "2027-11-30",
                    240,
                ),
            )
        ],
    },
)


# The body is that of POST /api/v1/orders (its "B2C from a channel" example, without
# destination_hub); the answer is the order with how the warehouse serves it.
ORDER_EXAMPLE = OpenApiExample(
    "Two scarves from the Hangzhou bonded warehouse",
    request_only=True,
    value={
        "seller": "6f1c2d9e-1111-4c3a-9a51-2f7c5a0c0b11",
        "incoterm": "DDP",
        "payment_currency": "CNY",
        "lines": [{"product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00", "quantity": 2}],
        "consumer": {
            "name": "Chen Jing",
            "address": "18 Wensan Road, Xihu District, Hangzhou",
            "country": "CN",
            "id_reference": "11010519491231002X",
        },
    },
)

PLACED_EXAMPLE = OpenApiExample(
    "Two scarves reserved in the Hangzhou bonded warehouse",
    response_only=True,
    status_codes=["201"],
    value={
        "reference": "EW-Y5DVFAWD",
        "status": "placed",
        "seller": {
            "id": "6f1c2d9e-1111-4c3a-9a51-2f7c5a0c0b11",
            "legal_name": "Batik Nusantara Sdn. Bhd.",
        },
        "buyer": None,
        "consumer_name": "Chen Jing",
        "consumer_country": "CN",
        "origin_hub": "KUL",
        "destination_hub": "HGH",
        "incoterm": "DDP",
        "total": {"amount": "179.80", "currency": "MYR"},
        "shipping_charge": None,
        "insurance_charge": None,
        "duties_quoted": None,
        "amount_due": {"amount": "179.80", "currency": "MYR"},
        "payment_currency": "CNY",
        "total_weight_kg": "0.300",
        "expires_at": "2030-12-09T08:54:12Z",
        "created_at": "2030-12-07T08:54:12Z",
        "lines": [
            {
                "line_no": 1,
                "product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00",
                "sku": "BTK-001",
                "title": "Batik silk scarf",
                "quantity": 2,
                "unit_price": {"amount": "89.90", "currency": "MYR"},
                "line_total": {"amount": "179.80", "currency": "MYR"},
                "hs_code": "621410",
                "origin_country": "MY",
                "unit_weight_kg": "0.150",
            }
        ],
        "transitions": [
            {
                "from_status": "",
                "to_status": "placed",
                "at": "2030-12-07T08:54:12Z",
                "by": "API client ShopCN",
                "reason": "",
            }
        ],
        "fulfilment": {"warehouse": "HGH-BW1", "waybill": "DD3S9V2UUMRT", "status": "reserved"},
    },
)


AVAILABILITY_EXAMPLE = OpenApiExample(
    "A scarf in stock at Hangzhou",
    response_only=True,
    value={
        "products": [
            {
                "product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00",
                "sku": "BTK-001",
                "warehouses": [
                    {
                        "warehouse": {
                            "code": "HGH-BW1",
                            "name": "Hangzhou bonded warehouse",
                            "hub": "HGH",
                            "bonded": True,
                            "customs_site_code": "2991W",
                            "delivery_days_min": 1,
                            "delivery_days_max": 2,
                            "ships_from": "Hangzhou bonded warehouse, 1–2 days",
                        },
                        "available": 37,
                    }
                ],
            }
        ]
    },
)


STOCK_REPORT_EXAMPLE = OpenApiExample(
    "A scarf at Hangzhou",
    response_only=True,
    value={
        "cover_window_days": COVER_WINDOW_DAYS,
        "rows": [
            {
                "warehouse": "HGH-BW1",
                "hub": "HGH",
                "product": "0b6e5a7c-2222-4b1d-8e0e-9a3f4c2d1e00",
                "sku": "BTK-001",
                "on_hand": 40,
                "reserved": 3,
                "available": 37,
                "in_transit": 100,
                "sold": 60,
                "days_of_cover": "18.5",
            }
        ],
    },
)

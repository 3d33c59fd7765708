"""A KUL importer's declarations of scarves and gateways (the gateways need a SIRIM
certificate), a SIRIM certificate registered for them, and an officer's release."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from customs.models import Declaration, Permit
from customs.services.decisions import declaration_decide
from customs.services.filing import ItemRequest, declaration_create
from customs.services.permits import PermitRequest, permit_register

from ..support import submit_and_process
from ..test_declarations import request

D = Decimal


def scarf():
    return ItemRequest("621410", "Batik silk scarf", "MY", 2, D("0.300"), D("180.00"))


def gateway(quantity=4):
    """Communications equipment: the Malaysian line requires a SIRIM certificate."""
    return ItemRequest(
        "851762",
        "Industrial 4G IoT gateway",
        "CN",
        quantity,
        D("0.6") * quantity,
        D("685") * quantity,
    )


def import_of(kul_importer, items=None, **changes) -> Declaration:
    values = {
        "regime": "MY_IMPORT",
        "exporter": "Shenzhen IoT Co., Ltd.",
        "importer": kul_importer["importer"].legal_name,
        "importer_id_reference": "",
        "currency": "MYR",
        "organization": kul_importer["importer"],
        "items": items or [scarf(), gateway()],
    }
    declaration = declaration_create(
        request=request(kul_importer["kul"], **(values | changes)), actor_label="t"
    )
    return submit_and_process(declaration)


def sirim(kul_importer, **changes) -> Permit:
    values = {
        "agency": "SIRIM",
        "number": "RCDE/2026/0415",
        "holder": kul_importer["importer"],
        "direction": "import",
        "hs_prefix": "8517",
        "goods": "4G IoT gateways, model GW-4G",
        "measure": "units",
        "amount": D("10"),
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31),
    }
    return permit_register(
        request=PermitRequest(**(values | changes)), actor=kul_importer["officer"]
    )


def release(kul_importer, declaration) -> Declaration:
    return declaration_decide(
        declaration=declaration,
        decision="release",
        reason="Permit seen",
        actor=kul_importer["officer"],
    )


def drawdowns_balance(permit: Permit) -> Decimal:
    """What the permit holds as its drawdowns and give-backs tell it."""
    moved = dict(
        permit.drawdowns.values_list("kind").annotate(total=Sum("amount")).order_by("kind")
    )
    return permit.amount - moved.get("drawn", 0) + moved.get("given_back", 0)

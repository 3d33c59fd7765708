"""The declarations of many orders in two queries, as the dashboards' facts read them."""

from datetime import date
from decimal import Decimal

import pytest

from customs.models import Declaration, DeclarationTransition
from customs.selectors import declaration_steps_of_orders

pytestmark = pytest.mark.django_db


def _declaration(order, n: int, status: str, lane: str) -> Declaration:
    declaration = Declaration.objects.create(
        reference=f"TS-{order.pk}-{n}",
        regime="MY_EXPORT",
        hub=order.origin_hub,
        order=order,
        exporter="Batik Nusantara Sdn. Bhd.",
        importer="Buyer",
        declarant="eWTP Hub KUL",
        currency="MYR",
        customs_currency="MYR",
        exchange_rate=Decimal("1"),
        exchange_rate_source="identity",
        declared_on=date(2026, 3, 2),
        status=status,
        lane=lane,
    )
    DeclarationTransition.objects.create(
        declaration=declaration, from_status="draft", to_status="submitted"
    )
    return declaration


def test_an_orders_newest_declaration_comes_first_and_drafts_and_cancelled_are_left_out(journey):
    order = journey.consumer_order()
    other = journey.consumer_order(n=1)
    drafted = journey.consumer_order(n=2)
    _declaration(order, 1, "rejected", "red")  # refiled: its successor is the one that counts
    _declaration(order, 2, "cancelled", "")
    _declaration(order, 3, "released", "green")
    _declaration(other, 1, "released", "blue")
    _declaration(drafted, 1, "draft", "")
    steps = declaration_steps_of_orders(order_ids=[order.pk, other.pk, drafted.pk])
    assert [(regime, lane) for regime, lane, _moves in steps[order.pk]] == [
        ("MY_EXPORT", "green"),
        ("MY_EXPORT", "red"),
    ]
    assert [lane for _r, lane, _m in steps[other.pk]] == ["blue"]
    assert [to for to, _at in steps[other.pk][0][2]] == ["submitted"]
    assert drafted.pk not in steps

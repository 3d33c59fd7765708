"""Clearance in batches: a batch costs the same queries whatever its size, and every
declaration in it ends exactly as it would have alone (lane, rules fired, release, the
buyer's running total, its history and audit rows)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.models import CbecAnnualTotal, Declaration, RiskRule
from customs.services.clearance import declaration_process, declarations_process
from customs.services.filing import declaration_create, declarations_submit
from ewtp.common.models import AuditEntry, OutboxEvent

from .support import with_agreeing_records
from .test_declarations import request, scarf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal


def filed(hgh, count: int, start: int = 0, **changes) -> list[Declaration]:
    """``count`` retail imports for different buyers, records agreeing, submitted."""
    declarations = [
        with_agreeing_records(
            declaration_create(
                request=request(
                    hgh,
                    importer=f"Buyer {n}",
                    importer_id_reference=f"33010{n:013d}",
                    waybill=f"HGH{n:08d}",
                    **changes,
                ),
                actor_label="t",
            )
        )
        for n in range(start, start + count)
    ]
    declarations_submit(declarations=declarations, actor_label="t")
    return declarations


def fired(declaration) -> list[str]:
    """The codes of the risk rules its lane decision fired."""
    return [rule["code"] for rule in declaration.lane_decisions.get().rules_fired]


def processed_with_queries(declarations) -> int:
    with CaptureQueriesContext(connection) as captured:
        declarations_process(declaration_ids=[d.pk for d in declarations])
    return len(captured)


def test_a_batch_costs_the_same_queries_whatever_its_size(hgh):
    processed_with_queries(filed(hgh, 3, start=900))  # reference data read by an earlier one
    small = processed_with_queries(filed(hgh, 5))
    large = processed_with_queries(filed(hgh, 40, start=100))
    assert small == large
    assert Declaration.objects.filter(status="released").count() == 48
    # each declaration still has its three steps recorded and audited, and its decision told
    released = Declaration.objects.filter(status="released").first()
    assert list(released.transitions.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "assessed",
        "lane",
        "released",
    ]
    audited = AuditEntry.objects.filter(
        target_type="customs.declaration", target_id=str(released.pk)
    ).values_list("action", flat=True)
    assert "customs.declaration.released" in audited
    assert OutboxEvent.objects.filter(name="customs.declaration_decided").count() == 48


def test_a_declaration_in_a_batch_ends_as_it_would_alone(hgh):
    """The same consignments twice: once each on its own, once as one batch. Two buyers'
    consignments split under the threshold, and a new exporter that becomes established
    within the batch."""
    RiskRule.objects.filter(code="new_exporter").update(parameters={"min_released": 2})
    RiskRule.objects.filter(code="undervaluation").update(enabled=False)

    def consignments(exporter, buyers):
        big = [scarf(value=D("2800.00"))]
        return [
            *filed(hgh, 1, start=buyers, exporter=exporter, items=big),
            *filed(hgh, 1, start=buyers, exporter=exporter, items=big),  # the same buyer
            *filed(hgh, 3, start=buyers + 10, exporter=exporter),
        ]

    alone = consignments("Alone Sdn. Bhd.", buyers=0)
    for declaration in alone:
        declaration_process(declaration_id=declaration.pk)
    together = consignments("Together Sdn. Bhd.", buyers=500)
    declarations_process(declaration_ids=[d.pk for d in together])

    def outcome(declaration):
        declaration.refresh_from_db()
        decision = declaration.lane_decisions.get()
        return (
            declaration.status,
            declaration.lane,
            declaration.total_tax,
            sorted(f["code"] for f in decision.rules_fired),
        )

    assert [outcome(d) for d in together] == [outcome(d) for d in alone]
    codes = [outcome(d)[3] for d in together]
    assert "splitting" in codes[1] and "new_exporter" in codes[0]
    assert "new_exporter" not in codes[-1]  # two released before it, in the same batch


def test_the_buyers_running_total_counts_each_declaration_of_a_batch_once(hgh):
    declarations = filed(hgh, 1, start=7) + filed(hgh, 1, start=7)  # one buyer, twice
    declarations_process(declaration_ids=[d.pk for d in declarations])
    declarations_process(declaration_ids=[d.pk for d in declarations])  # a duplicate message
    total = CbecAnnualTotal.objects.get()
    assert total.total_minor == 2 * 18000 and total.year == date(2026, 3, 2).year
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.cbec_reserved_minor == 18000
        assert declaration.transitions.filter(to_status="assessed").count() == 1


def test_a_declaration_left_assessed_is_routed_with_the_next_batch(hgh, monkeypatch):
    """One assessed but not yet routed (by an amendment's step, or before assessment and
    routing shared a transaction) goes on from where it is, in a batch with new ones."""
    from customs.services import clearance

    left = filed(hgh, 1, start=300)[0]
    monkeypatch.setattr(clearance, "_route_step", lambda declarations, moves: None)
    declarations_process(declaration_ids=[left.pk])
    left.refresh_from_db()
    assert left.status == "assessed"
    monkeypatch.undo()
    fresh = filed(hgh, 1, start=301)[0]
    declarations_process(declaration_ids=[left.pk, fresh.pk])
    for declaration in (left, fresh):
        declaration.refresh_from_db()
        assert declaration.status == "released"
        assert declaration.cbec_reserved_minor == 18000  # reserved once, not again
        assert list(declaration.transitions.values_list("to_status", flat=True)) == [
            "draft",
            "submitted",
            "assessed",
            "lane",
            "released",
        ]
    assert sorted(CbecAnnualTotal.objects.values_list("total_minor", flat=True)) == [18000] * 2


def test_a_consignment_the_engine_rejects_is_not_in_its_buyers_history(hgh):
    """Two consignments to one buyer, each under the threshold and together over it: with
    the first rejected by the duty engine in the same batch, the second is no split."""
    big = [scarf(value=D("2800.00"))]
    rejected = filed(hgh, 1, start=700, items=big)[0]
    second = filed(hgh, 1, start=700, items=big)[0]
    rejected.items.update(hs_code="999999")  # its line withdrawn from the tariff since
    declarations_process(declaration_ids=[rejected.pk, second.pk])
    rejected.refresh_from_db()
    assert rejected.status == "rejected"
    assert "splitting" not in fired(second)

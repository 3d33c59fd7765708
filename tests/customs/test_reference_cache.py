"""The customs reference data a process keeps between units of work (PostgreSQL): read once
while the database's reference version stands, and read again after any change to it, made
however (the ORM, QuerySet.update) and even when the change is rolled back."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from customs.models import RiskRule
from customs.services.clearance import declarations_process

from .test_clearance_batches import filed, fired

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("lanes_by_rule"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the version is kept by PostgreSQL"
    ),
]


def test_a_second_unit_of_work_does_not_read_the_reference_data_again(hgh):
    declarations_process(declaration_ids=[filed(hgh, 1, start=1)[0].pk])
    second = filed(hgh, 1, start=2)[0]
    with CaptureQueriesContext(connection) as captured:
        declarations_process(declaration_ids=[second.pk])
    read = " ".join(query["sql"] for query in captured.captured_queries)
    for table in ("customs_tariffline", "customs_riskrule", "customs_positivelistentry"):
        assert f'FROM "{table}"' not in read


def test_a_rule_changed_by_an_update_is_applied_to_the_next_unit_of_work(hgh):
    first = filed(hgh, 1, start=1, exporter="First Sdn. Bhd.")[0]
    declarations_process(declaration_ids=[first.pk])
    assert "new_exporter" in fired(first)
    RiskRule.objects.filter(code="new_exporter").update(enabled=False)  # no signal sent
    second = filed(hgh, 1, start=2, exporter="Second Sdn. Bhd.")[0]
    declarations_process(declaration_ids=[second.pk])
    assert "new_exporter" not in fired(second)


def test_a_change_rolled_back_leaves_the_data_as_it_was(hgh):
    class Undone(Exception):
        pass

    def edit_then_undo():
        with transaction.atomic():
            RiskRule.objects.filter(code="new_exporter").update(enabled=False)
            undone = filed(hgh, 1, start=1, exporter="Undone Sdn. Bhd.")[0]
            declarations_process(declaration_ids=[undone.pk])  # read while the rule was off
            assert "new_exporter" not in fired(undone)
            raise Undone

    with pytest.raises(Undone):
        edit_then_undo()
    after = filed(hgh, 1, start=2, exporter="After Sdn. Bhd.")[0]
    declarations_process(declaration_ids=[after.pk])
    assert "new_exporter" in fired(after)

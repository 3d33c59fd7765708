"""Customs decisions counted for the dashboards in batches: every decision once, in as many
queries for a batch of forty as for one of five."""

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from analytics.models import CustomsDay
from analytics.services.customs import customs_decisions_count
from customs.services.clearance import declarations_process
from tests.customs.test_clearance_batches import filed

pytestmark = pytest.mark.django_db


def test_a_batch_of_decisions_is_counted_in_constant_queries(hgh, lanes_by_rule):
    small, large = filed(hgh, 5), filed(hgh, 40, start=100)
    declarations_process(declaration_ids=[d.pk for d in small + large])
    counted = []
    for batch in (small, large):
        with CaptureQueriesContext(connection) as captured:
            customs_decisions_count(decisions=[(d.pk, "released") for d in batch])
        counted.append(len(captured))
    assert counted[0] == counted[1]
    released = CustomsDay.objects.filter(status="released", side="import", hub="HGH")
    assert released.aggregate(n=Sum("count"))["n"] == 45

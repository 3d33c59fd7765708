"""Customs' series on /metrics: open declarations by state, decisions of the last minute,
the oldest declaration waiting in each hub and lane; one query whatever the numbers."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from customs.metrics import DeclarationsCollector
from customs.models import Declaration

pytestmark = pytest.mark.django_db


def collected() -> dict:
    return {family.name: family for family in DeclarationsCollector().collect()}


def by_labels(family) -> dict:
    return {tuple(sample.labels.values()): sample.value for sample in family.samples}


def test_declarations_are_counted_in_one_query_whatever_their_number(
    red_lane, django_assert_num_queries
):
    with django_assert_num_queries(1):
        collected()
    declaration = red_lane["declaration"]
    for n, status in enumerate(["draft", "submitted", "lane", "held", "released", "rejected"]):
        copy = Declaration.objects.get(pk=declaration.pk)
        copy.pk, copy.public_id, copy.reference = None, uuid.uuid4(), f"T-METRICS-{n}"
        copy.order, copy.status = None, status
        copy.save()
    with django_assert_num_queries(1):
        found = collected()
    regime, hub = declaration.regime, declaration.hub.code
    open_ = by_labels(found["ewtp_customs_declarations_open"])
    assert open_[(hub, regime, "lane")] == 2  # the red lane's and its copy
    assert open_[(hub, regime, "draft")] == 1 and open_[(hub, regime, "held")] == 1
    assert all(status not in ("released", "rejected") for _, _, status in open_)


def test_decisions_of_the_last_minute_are_counted_and_older_ones_are_not(red_lane):
    declaration = red_lane["declaration"]
    Declaration.objects.filter(pk=declaration.pk).update(status="released")
    hub, regime = declaration.hub.code, declaration.regime
    decided = by_labels(collected()["ewtp_customs_declarations_decided_last_minute"])
    assert decided == {(hub, regime, "released"): 1}
    with time_machine.travel(declaration.status_changed_at + timedelta(seconds=61), tick=False):
        found = collected()
    assert found["ewtp_customs_declarations_decided_last_minute"].samples == []


def test_the_oldest_waiting_declaration_is_aged_by_hub_and_lane(red_lane):
    declaration = red_lane["declaration"]
    assert (declaration.status, declaration.lane) == ("lane", "red")
    with time_machine.travel(declaration.created_at + timedelta(minutes=10), tick=False):
        oldest = by_labels(collected()["ewtp_customs_oldest_waiting_declaration_age_seconds"])
    assert oldest == {(declaration.hub.code, "red"): pytest.approx(600, abs=1)}
    # a draft waits for its declarant, not for customs: it is not aged
    Declaration.objects.filter(pk=declaration.pk).update(status="draft", lane="")
    assert collected()["ewtp_customs_oldest_waiting_declaration_age_seconds"].samples == []

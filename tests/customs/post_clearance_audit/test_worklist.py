"""A blue-lane release, and a sample of green-lane releases drawn the same way every time,
enter the hub's audit worklist once; the hub's officers work it oldest first."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customs.events import DeclarationDecided
from customs.models import Declaration, PostClearanceAudit
from customs.services.audits import audit_sampled, audits_enrol
from customs.services.filing import declaration_create
from customs.subscribers import audit_enrolled
from ewtp.common.models import AuditEntry, OutboxEvent

from ..support import submit_and_process, with_agreeing_records
from ..test_declarations import request
from .support import released

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal


def test_a_blue_lane_release_enters_the_hubs_audit_worklist(client, hgh, officer):
    declaration = released(hgh)
    audit = PostClearanceAudit.objects.get(declaration=declaration)
    assert (audit.status, audit.selected_because, audit.hub) == ("to_audit", "blue_lane", hgh)
    entry = AuditEntry.objects.get(action="customs.audit.selected")
    assert entry.target_id == str(audit.pk) and entry.actor_label == "customs"
    client.force_login(officer)
    page = client.get("/customs/?queue=audit")
    assert [a.declaration.reference for a in page.context["audits"]] == [declaration.reference]
    assert page.context["audit_count"] == 1
    body = client.get(f"/customs/audits/{declaration.reference}/").content.decode()
    assert declaration.reference in body and "Raise the finding" in body


def test_a_green_release_enters_the_worklist_when_the_sample_draws_it(hgh, settings):
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(100)
    drawn = released(hgh, lane="green", waybill="HGH1")
    audit = PostClearanceAudit.objects.get(declaration=drawn)
    assert audit.selected_because == "sample"
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(0)
    passed = released(hgh, lane="green", waybill="HGH2")
    assert not PostClearanceAudit.objects.filter(declaration=passed).exists()


def test_the_sample_is_the_same_for_a_declaration_every_time_and_near_its_rate(settings):
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(2)
    references = [f"DKUL{n:012X}" for n in range(5000)]
    first = [audit_sampled(reference) for reference in references]
    assert first == [audit_sampled(reference) for reference in references]
    assert 60 <= sum(first) <= 140  # 2 % of 5000 is 100
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(4)  # a larger sample keeps the first one
    assert all(audit_sampled(r) for r, drawn in zip(references, first, strict=True) if drawn)


def test_a_repeated_release_event_makes_no_second_audit(hgh):
    declaration = released(hgh)
    event = OutboxEvent.objects.get(name="customs.declaration_decided", dispatched_at__isnull=False)
    payload = DeclarationDecided(**event.payload)
    audit_enrolled([payload])  # the same event handled again (a redelivery)
    audit_enrolled([payload, payload])
    found = audits_enrol(declaration_ids=[declaration.pk])
    assert found[declaration.pk].pk == declaration.post_clearance_audit.pk
    assert PostClearanceAudit.objects.filter(declaration=declaration).count() == 1
    assert AuditEntry.objects.filter(action="customs.audit.selected").count() == 1


def test_what_an_officer_checked_before_release_is_not_audited_again(hgh):
    held = declaration_create(request=request(hgh, waybill="HGH9"), actor_label="t")
    held = submit_and_process(with_agreeing_records(held))
    Declaration.objects.filter(pk=held.pk).update(status="released", lane="yellow")
    assert audits_enrol(declaration_ids=[held.pk]).get(held.pk) is None


def test_the_worklist_is_oldest_first_in_a_constant_number_of_queries(client, hgh, officer):
    client.force_login(officer)
    first = released(hgh, waybill="HGH1")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/customs/?queue=audit")
        return len(captured), [a.declaration_id for a in page.context["audits"]]

    few, _ = queries()
    later = [released(hgh, waybill=f"HGH{n}", exporter=f"Exporter {n}") for n in range(2, 5)]
    many, order = queries()
    assert many == few
    assert order == [first.pk, *(d.pk for d in later)]


def test_a_batch_of_releases_is_enrolled_in_a_constant_number_of_queries(hgh, settings):
    settings.CUSTOMS_PCA_SAMPLE_PERCENT = D(100)
    blue = [released(hgh, waybill=f"HGHB{n}") for n in range(3)]
    green = [released(hgh, lane="green", waybill=f"HGHG{n}") for n in range(3)]
    held = declaration_create(request=request(hgh, waybill="HGH9"), actor_label="t")
    held = submit_and_process(with_agreeing_records(held))
    Declaration.objects.filter(pk=held.pk).update(status="released", lane="yellow")
    PostClearanceAudit.objects.all().delete()  # as if no release event had been delivered
    AuditEntry.objects.filter(action="customs.audit.selected").delete()

    def enrolled(declarations):
        with CaptureQueriesContext(connection) as queries:
            audits = audits_enrol(declaration_ids=[d.pk for d in declarations])
        return audits, len(queries)

    few, few_queries = enrolled(blue[:1] + green[:1])
    every, every_queries = enrolled([*blue, *green, held])
    assert few_queries == every_queries
    assert set(every) == {d.pk for d in blue + green}  # not the one an officer checked
    assert every[blue[0].pk].pk == few[blue[0].pk].pk  # found, not made again
    assert {a.selected_because for a in every.values()} == {"blue_lane", "sample"}
    assert AuditEntry.objects.filter(action="customs.audit.selected").count() == 6


def test_an_audit_made_by_another_worker_meanwhile_is_read_not_made_twice(hgh, monkeypatch):
    declaration = released(hgh)  # its audit made by the release event
    made = declaration.post_clearance_audit
    unseen = iter([True])  # the first read misses it, as a read before the other commit would

    original = PostClearanceAudit.objects.filter

    def racing_filter(*args, **kwargs):
        found = original(*args, **kwargs)
        return found.none() if next(unseen, False) else found

    monkeypatch.setattr(PostClearanceAudit.objects, "filter", racing_filter)
    assert audits_enrol(declaration_ids=[declaration.pk]).get(declaration.pk).pk == made.pk
    assert PostClearanceAudit.objects.filter(declaration=declaration).count() == 1
    assert AuditEntry.objects.filter(action="customs.audit.selected").count() == 1

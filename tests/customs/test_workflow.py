"""The clearance workflow in the background: the steps after a submission, repeated or
retried without repeating an effect; the three-record match of CN cross-border retail
imports; the stuck sweeper; and the webhook to the SME's channels on each change."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customs.models import CbecAnnualTotal, Declaration, RiskRule
from customs.services.clearance import declaration_process
from customs.services.decisions import declaration_decide
from customs.services.filing import declaration_create, declaration_submit
from customs.services.sweeper import declarations_stuck_sweep
from customs.tasks import declaration_process_task
from ewtp.common.errors import ConflictError
from ewtp.common.models import WebhookDelivery
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from hubs.models import User
from hubs.services.organizations import organization_api_client_create
from tests import factories, ledger

from .support import agreeing_records, submit_and_process, with_agreeing_records
from .test_declarations import request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lanes_by_rule")]
D = Decimal


def cbec(hgh, **changes):
    return declaration_create(
        request=request(hgh, waybill="HGH10000001", **changes), actor_label="t"
    )


def test_a_repeated_or_duplicated_process_message_changes_nothing(hgh):
    declaration = with_agreeing_records(cbec(hgh))
    declaration_submit(declaration=declaration, actor_label="t")
    declaration_submit(declaration=declaration, actor_label="t")  # a double click
    assert declaration_process_task.apply(args=[declaration.pk]).get() == "released"
    history = list(declaration.transitions.values_list("to_status", flat=True))
    for _ in range(2):  # a redelivered message, then the sweeper re-driving it
        assert declaration_process_task.apply(args=[declaration.pk]).get() == "released"
    assert list(declaration.transitions.values_list("to_status", flat=True)) == history
    assert history == ["draft", "submitted", "assessed", "lane", "released"]
    assert CbecAnnualTotal.objects.get().total_minor == 18000  # reserved once
    assert declaration.lane_decisions.count() == 1
    assert declaration_process_task.apply(args=[10**9]).get() == "missing"


def test_a_batch_that_fails_midway_is_undone_whole_and_done_again_once(hgh, monkeypatch):
    declaration = with_agreeing_records(cbec(hgh))
    declaration_submit(declaration=declaration, actor_label="t")

    def lost_connection(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("customs.services.clearance.risk_decision", lost_connection)
    with pytest.raises(Exception):  # noqa: B017 - Celery's Retry wraps it eagerly
        declaration_process_task.apply(args=[declaration.pk], throw=True)
    declaration.refresh_from_db()
    # assessment and routing are one transaction: nothing of the assessment is left
    assert declaration.status == "submitted"
    assert not declaration.transitions.filter(to_status="assessed").exists()
    assert not declaration.assessment_lines.exists()
    assert not CbecAnnualTotal.objects.filter(total_minor__gt=0).exists()
    monkeypatch.undo()
    declaration_process(declaration_id=declaration.pk)
    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert declaration.transitions.filter(to_status="assessed").count() == 1
    assert CbecAnnualTotal.objects.get().total_minor == 18000  # reserved once


def test_cbec_is_not_released_on_records_that_disagree(hgh):
    declaration = cbec(hgh)
    records = agreeing_records(declaration)
    paid_less = type(records["payment"])(
        reference="PAY1",
        payer_id_reference="110105194912310099",
        amount=D("120.00"),
        currency="CNY",
    )
    declaration = with_agreeing_records(declaration, payment=paid_less)
    declaration = submit_and_process(declaration)
    assert declaration.status == "held"  # green or blue, but the records differ
    fields = [d["field"] for d in declaration.match_differences]
    assert fields == ["payment.payer_id_reference", "payment.amount"]
    assert "payment.amount" in declaration.transitions.last().reason
    # the payment record is corrected through the pipeline: released without an officer
    declaration = with_agreeing_records(declaration)
    assert declaration.status == "released"
    assert declaration.match_differences == []
    assert declaration.transitions.last().actor_label == "three-record match"


def test_missing_records_and_wrong_goods_or_waybill_are_listed(hgh):
    declaration = submit_and_process(cbec(hgh))
    assert declaration.status == "held"
    assert [d["field"] for d in declaration.match_differences] == ["order", "payment", "waybill"]
    records = agreeing_records(declaration)
    wrong = type(records["waybill"])(
        waybill="HGH99999999",
        consignee_id_reference="11010519491231002X",
        goods=(("621410", 3),),
    )
    declaration = with_agreeing_records(declaration, waybill=wrong)
    assert declaration.status == "held"
    assert [d["field"] for d in declaration.match_differences] == [
        "waybill.goods",
        "waybill.waybill",
    ]


def test_an_officer_cannot_release_cbec_goods_whose_records_differ(hgh):
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    RiskRule.objects.filter(code="new_exporter").update(weight=70)  # red: the officer decides
    declaration = submit_and_process(cbec(hgh))
    assert (declaration.status, declaration.lane) == ("lane", "red")
    with pytest.raises(ConflictError) as refused:
        declaration_decide(
            declaration=declaration, decision="release", reason="inspected", actor=officer
        )
    assert "order, payment, waybill" in refused.value.message
    declaration = with_agreeing_records(declaration)
    assert declaration.status == "lane"  # still the officer's
    declaration_decide(
        declaration=declaration, decision="release", reason="inspected", actor=officer
    )
    assert Declaration.objects.get(pk=declaration.pk).status == "released"


def test_the_sweeper_redrives_lost_work_and_reports_queues_once(
    hgh, settings, django_capture_on_commit_callbacks
):
    factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh, email="zhang@hgh.example"
    )
    lost = with_agreeing_records(cbec(hgh))
    declaration_submit(declaration=lost, actor_label="t")  # its task never ran
    RiskRule.objects.filter(code="new_exporter").update(weight=70)
    waiting = submit_and_process(cbec(hgh, importer="Li Wei", importer_id_reference="X1"))
    assert waiting.status == "lane"
    assert declarations_stuck_sweep() == (0, 0)  # nothing is late yet
    later = timezone.now() + timedelta(hours=settings.CUSTOMS_STUCK_QUEUED_HOURS, minutes=1)
    RiskRule.objects.filter(code="new_exporter").update(weight=10)
    with django_capture_on_commit_callbacks(execute=True):
        redriven, reported = declarations_stuck_sweep(now=later)
    assert (redriven, reported) == (1, 2)
    assert Declaration.objects.get(pk=lost.pk).status == "released"  # re-driven
    assert len(mail.outbox) == 1 and waiting.reference in mail.outbox[0].body
    assert mail.outbox[0].to == ["zhang@hgh.example"]
    with django_capture_on_commit_callbacks(execute=True):
        assert declarations_stuck_sweep(now=later) == (0, 0)  # reported once
    assert len(mail.outbox) == 1


def test_each_change_is_a_webhook_to_the_smes_own_client_and_the_orders_channel(hgh, kul, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    seller = factories.SellerFactory(home_hub=kul)
    own = organization_api_client_create(
        organization=seller, name="ERP", actor=factories.member(seller)
    ).client
    webhook_endpoint_create(
        api_client=own, url="http://erp.example/hooks", events=["declaration.status"]
    )
    stranger = factories.api_client(kind="channel", name="Other shop").client
    webhook_endpoint_create(
        api_client=stranger, url="http://other.example/hooks", events=["declaration.status"]
    )
    declaration = with_agreeing_records(cbec(hgh, organization=seller))
    submit_and_process(declaration)
    deliveries = WebhookDelivery.objects.order_by("id")
    assert {d.endpoint.url for d in deliveries} == {"http://erp.example/hooks"}
    assert [d.payload["status"] for d in deliveries] == [
        "submitted",
        "assessed",
        "lane",
        "released",
    ]
    assert deliveries.last().payload["reference"] == declaration.reference


def test_a_declaration_that_cannot_be_assessed_is_rejected_and_the_batch_goes_on(hgh):
    from customs.models import TariffLine
    from customs.services.clearance import declarations_process

    broken = with_agreeing_records(cbec(hgh))
    fine = with_agreeing_records(cbec(hgh, importer="Li Wei", importer_id_reference="X1"))
    for declaration in (broken, fine):
        declaration_submit(declaration=declaration, actor_label="t")
    broken.items.update(hs_code="999999")  # its line was withdrawn from the tariff since
    assert not TariffLine.objects.filter(hs_code="999999").exists()
    assert declarations_process(declaration_ids=[broken.pk, fine.pk]) == 2
    broken.refresh_from_db()
    assert broken.status == "rejected"
    assert "Cannot be assessed: No CN tariff line for HS 999999" in (
        broken.transitions.last().reason
    )
    assert Declaration.objects.get(pk=fine.pk).status == "released"


def test_a_bug_in_one_declaration_does_not_hold_up_the_others(hgh, monkeypatch):
    from customs.services import clearance

    first = with_agreeing_records(cbec(hgh))
    second = with_agreeing_records(cbec(hgh, importer="Li Wei", importer_id_reference="X1"))
    for declaration in (first, second):
        declaration_submit(declaration=declaration, actor_label="t")
    real = clearance.declaration_consignment

    def flaky(declaration, *args, **kwargs):
        if declaration.pk == first.pk:
            raise KeyError("a bug")
        return real(declaration, *args, **kwargs)

    monkeypatch.setattr(clearance, "declaration_consignment", flaky)
    # the batch fails as a whole, then goes one declaration at a time
    assert clearance.declarations_process(declaration_ids=[first.pk, second.pk]) == 1
    assert Declaration.objects.get(pk=second.pk).status == "released"
    assert Declaration.objects.get(pk=first.pk).status == "submitted"  # the sweeper's now


def test_a_payment_in_another_currency_is_compared_at_the_customs_rate(hgh):
    from customs.models import CustomsExchangeRate

    CustomsExchangeRate.objects.create(
        country="CN", currency="MYR", rate=D("1.5"), valid_from="2026-01-01", source="test"
    )
    declaration = cbec(hgh)  # 180.00 CNY
    records = agreeing_records(declaration)
    in_ringgit = type(records["payment"])(
        reference="P",
        payer_id_reference="11010519491231002X",
        amount=D("120.00"),
        currency="myr",
    )
    declaration = submit_and_process(with_agreeing_records(declaration, payment=in_ringgit))
    assert declaration.status == "released", declaration.match_differences


@pytest.mark.parametrize(
    "payment",
    [
        {"amount": "NaN", "currency": "CNY", "payer_id_reference": "11010519491231002X"},
        {"amount": None, "currency": "CNY", "payer_id_reference": "11010519491231002X"},
        {"amount": "180", "currency": "XXX", "payer_id_reference": "11010519491231002X"},
        {"amount": "180", "currency": "CNY", "payer_id_reference": None},
        "not a record",
    ],
)
def test_records_nobody_can_read_are_differences_not_crashes(hgh, payment):
    declaration = with_agreeing_records(cbec(hgh))
    Declaration.objects.filter(pk=declaration.pk).update(
        match_records={**declaration.match_records, "payment": payment}
    )
    declaration = submit_and_process(declaration)
    assert declaration.status == "held"
    assert declaration.match_differences and all(
        d["field"].startswith("payment") for d in declaration.match_differences
    )


def test_a_declaration_of_nobody_in_particular_is_no_webhook_to_every_client(hgh, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    bank = factories.api_client(kind="bank", name="Bank").client
    webhook_endpoint_create(
        api_client=bank, url="http://bank.example/hooks", events=["declaration.status"]
    )
    submit_and_process(with_agreeing_records(cbec(hgh)))
    order = ledger.placed_order(destination_hub=hgh)  # a business's order: no channel
    submit_and_process(with_agreeing_records(cbec(hgh, order=order, importer="Li Wei")))
    assert not WebhookDelivery.objects.exists()

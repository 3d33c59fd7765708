"""The audit trail of the customs' state machines (declarations, classifications, LVG
registrations, post-clearance audits, certificates of origin): each transition driven
through its service (tests/common/audit_expectations.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customs.events import AuditFindingRaised
from customs.models import (
    CertificateOfOrigin,
    Classification,
    Declaration,
    PostClearanceAudit,
    RiskRule,
    TariffLine,
)
from customs.models.lvg import LvgRegistration
from customs.services.audits import (
    audit_close_without_finding,
    audit_finding_raise,
    audits_enrol,
)
from customs.services.classification import classification_decide
from customs.services.clearance import declaration_process
from customs.services.filing import ItemRequest, declaration_create, declaration_submit
from customs.services.lvg import (
    LvgRegistrationRequest,
    lvg_registration_cancel,
    lvg_registration_enter,
)
from customs.services.moves import declaration_transition
from customs.services.tariff import tariff_load_bundled
from ewtp.common.models import OutboxEvent
from hubs.models import User
from pipeline.step_10_audit_billed import audit_billed
from tests import factories
from tests.common.audit_expectations import CREATED, Expect, cases, transition_audited
from tests.customs.support import submit_and_process, with_agreeing_records
from tests.customs.test_declarations import request as declaration_request


def drive_declaration(fixture, before, after):
    tariff_load_bundled()
    declaration = declaration_create(request=declaration_request(fixture("hgh")), actor_label="t")
    if before == CREATED:
        return Expect(declaration, actor_label="t")
    officer = fixture("customs_officer")
    Declaration.objects.filter(pk=declaration.pk).update(status=before)
    declaration_transition(
        declaration=declaration,
        to=after,
        actor=officer,
        actor_label=officer.email,
        reason="Seen at the counter.",
    )
    return Expect(declaration, actor=officer, reason="Seen at the counter.")


def drive_classification(fixture, before, after):
    tariff_load_bundled()
    TariffLine.objects.filter(country="CN", hs_code__in=["61", "6109"]).delete()
    TariffLine.objects.filter(country="CN", hs_code__startswith="6109").delete()
    hgh = fixture("hgh")
    tshirt = ItemRequest("610910", "Cotton T-shirt", "MY", 2, Decimal("0.4"), Decimal("90"))
    declaration = declaration_create(
        request=declaration_request(hgh, items=[tshirt]), actor_label="t"
    )
    declaration_submit(declaration=declaration, actor_label="t")
    declaration_process(declaration_id=declaration.pk)
    waiting = Classification.objects.get(declaration=declaration)
    if before == CREATED:
        return Expect(waiting, actor_label="duty engine", reason="no CN tariff line")
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    factories.TariffLineFactory(country="CN", hs_code="61091000", legal_source="CN tariff")
    classification_decide(
        classification=waiting, line_code="61091000", reason="Heading 61.09.", actor=officer
    )
    return Expect(waiting, actor=officer, reason="Heading 61.09.")


def drive_audit(fixture, before, after):
    """A blue-lane release selected by its release event; an officer of the hub audits it;
    the pipeline bills the finding to the declarant's organisation."""
    tariff_load_bundled()
    RiskRule.objects.filter(code="random").update(enabled=False)
    hgh = fixture("hgh")
    seller = factories.SellerFactory(home_hub=fixture("kul"))
    declaration = declaration_create(
        request=declaration_request(hgh, organization=seller), actor_label="t"
    )
    declaration = submit_and_process(with_agreeing_records(declaration))
    # a blue-lane release (new exporter)
    audit = audits_enrol(declaration_ids=[declaration.pk])[declaration.pk]
    if before == CREATED:
        return Expect(audit, actor_label="customs")
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    if after == "no_finding":
        audit_close_without_finding(audit=audit, note="Invoice matches.", actor=officer)
        return Expect(audit, actor=officer, reason="Invoice matches.")
    audit_finding_raise(audit=audit, values={1: "300"}, finding="Invoice at 300.", actor=officer)
    if after == "finding":
        return Expect(audit, actor=officer, reason="Invoice at 300.")
    event = OutboxEvent.objects.get(name="customs.audit_finding_raised")
    audit_billed(AuditFindingRaised(**event.payload))
    return Expect(audit, actor_label="pipeline", reason="billed to the declarant")


def drive_lvg_registration(fixture, before, after):
    """A seller's owner enters its LVG registration, then records its cancellation."""
    seller = factories.SellerFactory(home_hub=fixture("kul"))
    owner = factories.member(seller)
    today = timezone.localdate()
    registration = lvg_registration_enter(
        organization=seller,
        request=LvgRegistrationRequest("LVG-2401-00000123", today - timedelta(days=30)),
        actor=owner,
    )
    if before == CREATED:
        return Expect(registration, actor=owner)
    lvg_registration_cancel(
        registration=registration, cancelled_from=today, reason="Sales fell.", actor=owner
    )
    return Expect(registration, actor=owner, reason="Sales fell.")


def drive_certificate(fixture, before, after):
    """The exporter declares its goods' origin, the origin hub's officer issues the Form E,
    then revokes it."""
    from decimal import Decimal

    from customs.services.certificates import certificate_issue, certificate_revoke
    from customs.services.origin import OriginDeclarationRequest, origin_declaration_file

    kul = fixture("kul")
    exporter = factories.SellerFactory(home_hub=kul)
    owner = factories.member(exporter)
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul
    )
    request = OriginDeclarationRequest(
        hub=kul,
        hs_code="621410",
        description="Batik silk scarf",
        origin_country="MY",
        importing_country="CN",
        importer_name="Hangzhou Tea House Co., Ltd.",
        criterion="RVC",
        currency="MYR",
        fob_value=Decimal("1000.00"),
        non_originating_value=Decimal("500.00"),
    )
    declared = origin_declaration_file(organization=exporter, request=request, actor=owner)
    certificate = certificate_issue(declarations=[declared], officer=officer)
    if before == CREATED:
        return Expect(certificate, actor=officer)
    certificate_revoke(certificate=certificate, reason="Issued in error.", officer=officer)
    return Expect(certificate, actor=officer, reason="Issued in error.")


DRIVERS = {
    Declaration: drive_declaration,
    Classification: drive_classification,
    LvgRegistration: drive_lvg_registration,
    PostClearanceAudit: drive_audit,
    CertificateOfOrigin: drive_certificate,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "before", "after"), cases("customs"))
def test_each_transition_writes_its_audit_row(request, key, before, after):
    transition_audited(DRIVERS[key[0]], request.getfixturevalue, key, before, after)

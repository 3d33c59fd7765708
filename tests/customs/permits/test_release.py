"""Goods whose tariff line requires a permit are held until a valid permit of the declarant
covers them; the release draws the permit down once, however often it is retried;
cancelling or rejecting gives it back."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from customs.models import Declaration, Permit, PermitDrawdown, RiskRule
from customs.services.clearance import declaration_process
from customs.services.decisions import declaration_decide
from customs.services.filing import ItemRequest, declaration_cancel, declaration_create
from customs.services.permits import (
    PermitRequest,
    permit_register,
    permits_covering,
    permits_draw_at_release,
    permits_give_back,
)
from ewtp.common.errors import ConflictError
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.models import User
from tests import factories

from ..support import submit_and_process, with_agreeing_records
from ..test_declarations import request
from .support import drawdowns_balance, gateway, import_of, release, sirim

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_permit_line_is_held_until_a_valid_permit_covers_it_then_released_and_drawn(
    kul_importer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        declaration = import_of(kul_importer)
    assert (declaration.status, declaration.lane) == ("held", "blue")
    held = declaration.transitions.last()
    assert held.public_reason == "Item 2 needs a permit from SIRIM: none of yours covers it."
    (told,) = [m for m in mail.outbox if declaration.reference in m.subject]
    assert (
        told.to == [kul_importer["owner"].email] and "Item 2 needs a permit from SIRIM" in told.body
    )
    decided = OutboxEvent.objects.filter(name="customs.declaration_decided").last()
    assert decided.payload["status"] == "held" and "SIRIM" in decided.payload["reason"]

    permit = sirim(kul_importer)
    declaration = release(kul_importer, declaration)
    permit.refresh_from_db()
    assert declaration.status == "released"
    assert permit.balance == D("6")  # ten units, four released
    drawn = PermitDrawdown.objects.get()
    assert (drawn.kind, drawn.amount, drawn.item.line_no) == ("drawn", D("4"), 2)
    assert set(
        AuditEntry.objects.filter(target_type="customs.permit").values_list("action", flat=True)
    ) == {"customs.permit.registered", "customs.permit.drawn"}


def test_a_permit_registered_first_lets_the_blue_lane_release_at_once(kul_importer):
    permit = sirim(kul_importer, measure="value", currency="MYR", amount=D("5000.00"))
    declaration = import_of(kul_importer)
    permit.refresh_from_db()
    assert declaration.status == "released"
    assert permit.balance == D("2260.00")  # 5,000 less the gateways' 2,740.00


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"valid_until": date(2026, 2, 28)}, "is not valid on 2026-03-02"),
        ({"valid_from": date(2026, 4, 1)}, "is not valid on 2026-03-02"),
        ({"amount": D("3")}, "too little left"),
        ({"measure": "value", "currency": "USD", "amount": D("9000")}, "none of yours"),
        ({"agency": "NPRA"}, "none of yours"),
        ({"direction": "export"}, "none of yours"),
        ({"hs_prefix": "8471"}, "none of yours"),
        ({"holder": "another"}, "none of yours"),
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "too-little-left",
        "value-in-another-currency",
        "another-agency",
        "an-export-permit",
        "other-goods",
        "another-holder",
    ],
)
def test_a_permit_that_does_not_cover_the_goods_leaves_them_held(kul_importer, changes, why):
    if changes.get("holder") == "another":
        changes["holder"] = factories.SellerFactory()
    permit = sirim(kul_importer, **changes)
    declaration = import_of(kul_importer)
    assert declaration.status == "held"
    reason = declaration.transitions.last().public_reason
    assert reason.startswith("Item 2 needs a permit from SIRIM: ") and why in reason
    with pytest.raises(ConflictError) as refused:
        release(kul_importer, declaration)
    assert refused.value.code == "permit_missing" and why in refused.value.message
    permit.refresh_from_db()
    assert permit.balance == permit.amount and not PermitDrawdown.objects.exists()


def test_an_officers_release_from_the_lane_becomes_a_hold_naming_the_permit(kul_importer):
    RiskRule.objects.filter(code="restricted").update(weight=40)  # yellow: the officer decides
    declaration = import_of(kul_importer)
    assert (declaration.status, declaration.lane) == ("lane", "yellow")
    declaration = release(kul_importer, declaration)
    assert declaration.status == "held"
    step = declaration.transitions.last()
    assert (step.actor_label, step.public_actor) == ("o@kul.my", "Customs KUL")
    assert step.public_reason == "Item 2 needs a permit from SIRIM: none of yours covers it."


def test_one_permit_is_shared_between_items_and_declarations(kul_importer):
    permit = sirim(kul_importer, amount=D("10"))
    first = import_of(kul_importer, items=[gateway(4), gateway(3)])
    second = import_of(kul_importer, items=[gateway(4)])
    permit.refresh_from_db()
    assert (first.status, second.status, permit.balance) == ("released", "held", D("3"))
    assert "too little left" in second.transitions.last().public_reason


def test_the_permits_covering_an_item_are_the_valid_ones_with_enough_left(kul_importer):
    declaration = import_of(kul_importer)  # held: no permit yet
    later = sirim(kul_importer, number="A1", valid_until=date(2026, 12, 31))
    sooner = sirim(kul_importer, number="A2", valid_until=date(2026, 6, 30))
    sirim(kul_importer, number="A3", valid_until=date(2026, 3, 1))  # expired on the day
    sirim(kul_importer, number="A4", amount=D("3"))  # four are declared
    sirim(kul_importer, number="A5", agency="NPRA")
    sirim(kul_importer, number="A6", holder=factories.SellerFactory())
    gateways, scarves = declaration.items.get(line_no=2), declaration.items.get(line_no=1)
    assert permits_covering(declaration=declaration, item=gateways) == [sooner, later]
    assert permits_covering(declaration=declaration, item=scarves) == []


def test_a_retried_or_repeated_release_draws_once(kul_importer):
    permit = sirim(kul_importer)
    declaration = import_of(kul_importer)
    assert declaration.status == "released"
    declaration_process(declaration_id=declaration.pk)  # a redelivered task: a no-op
    with transaction.atomic():  # the release step itself, run again
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        assert permits_draw_at_release(locked, actor_label="risk engine") == ""
    permit.refresh_from_db()
    assert permit.balance == D("6") and PermitDrawdown.objects.count() == 1
    item = declaration.items.get(line_no=2)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        PermitDrawdown.objects.create(
            permit=permit,
            declaration=declaration,
            item=item,
            kind="drawn",
            amount=D("4"),
            balance_after=D("2"),
            actor_label="t",
        )
    assert drawdowns_balance(permit) == permit.balance


def test_a_cancelled_declaration_gives_back_what_it_drew_once(kul_importer):
    permit = sirim(kul_importer)
    declaration = import_of(kul_importer)
    assert declaration.status == "released"
    # No transition leaves RELEASED today; a declaration that drew and is then cancelled
    # (set here directly) gives back through the cancellation.
    Declaration.objects.filter(pk=declaration.pk).update(status="draft")
    declaration_cancel(declaration=declaration, reason="Goods not shipped", actor_label="t")
    permit.refresh_from_db()
    assert permit.balance == D("10")
    back = PermitDrawdown.objects.get(kind="given_back")
    assert (back.amount, back.balance_after) == (D("4"), D("10"))
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        assert permits_give_back(locked, actor_label="t") == 0  # a second time: nothing
    permit.refresh_from_db()
    assert permit.balance == D("10") == drawdowns_balance(permit)
    assert AuditEntry.objects.filter(action="customs.permit.given_back").count() == 1


def test_a_rejected_declaration_gives_back_what_it_drew(kul_importer):
    permit = sirim(kul_importer)
    declaration = import_of(kul_importer)
    Declaration.objects.filter(pk=declaration.pk).update(status="held")  # as above
    declaration_decide(
        declaration=declaration,
        decision="reject",
        reason="Found counterfeit",
        actor=kul_importer["officer"],
    )
    permit.refresh_from_db()
    assert permit.balance == D("10")


def test_records_that_agree_do_not_release_goods_without_their_permit(
    hgh, kul, restricted_goods_rule_only
):
    """China's cross-border retail import: the line requires CCC certification."""
    seller = factories.SellerFactory(home_hub=kul)
    phone = ItemRequest("851762", "4G gateway", "MY", 1, D("0.6"), D("900"))
    declaration = declaration_create(
        request=request(hgh, organization=seller, waybill="HGH1", items=[phone]),
        actor_label="t",
    )
    declaration = submit_and_process(declaration)
    assert (declaration.status, declaration.transitions.last().actor_label) == (
        "held",
        "three-record match",
    )
    declaration = with_agreeing_records(declaration)
    assert declaration.status == "held"  # the records agree; the permit is still missing
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    permit_register(
        request=PermitRequest(
            agency="CNCA",
            number="2026011606000123",
            holder=seller,
            direction="import",
            hs_prefix="851762",
            goods="4G gateways",
            measure="units",
            amount=D("50"),
            valid_from=date(2026, 1, 1),
            valid_until=date(2030, 12, 31),
        ),
        actor=officer,
    )
    declaration = declaration_decide(
        declaration=declaration, decision="release", reason="CCC seen", actor=officer
    )
    assert declaration.status == "released"
    assert Permit.objects.get().balance == D("49")

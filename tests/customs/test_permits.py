"""Permits of other agencies: goods whose tariff line requires a permit are held until a
valid permit of the declarant covers them; an officer registers one, releases, and the
release draws the permit down once; cancelling gives it back; bad registrations are refused
with their reason."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from customs.models import Declaration, Permit, PermitDrawdown, RiskRule
from customs.models.permits import permit_agency
from customs.services.clearance import declaration_process
from customs.services.declarations import (
    ItemRequest,
    declaration_cancel,
    declaration_create,
    declaration_decide,
)
from customs.services.permits import (
    PermitRequest,
    permit_register,
    permits_covering,
    permits_draw_at_release,
    permits_give_back,
)
from customs.services.tariff import tariff_load_bundled
from ewtp.common.errors import ApplicationError, ConflictError, NotAllowedError
from ewtp.common.models import AuditEntry, OutboxEvent
from hubs.models import User
from tests import factories

from .support import submit_and_process, with_agreeing_records
from .test_declarations import request

pytestmark = pytest.mark.django_db
D = Decimal
DECLARED_ON = date(2026, 3, 2)


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


@pytest.fixture
def world(kul):
    """A KUL importer's declaration of a scarf and four gateways, routed to the blue lane
    (only the restricted-goods rule fires), and a KUL customs officer."""
    tariff_load_bundled()
    RiskRule.objects.filter(code__in=["random", "new_exporter"]).update(enabled=False)
    importer = factories.SellerFactory(home_hub=kul)
    owner = factories.member(importer)
    officer = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=kul, email="o@kul.my"
    )
    return {"importer": importer, "owner": owner, "officer": officer, "kul": kul}


def import_of(world, items=None, **changes) -> Declaration:
    values = {
        "regime": "MY_IMPORT",
        "exporter": "Shenzhen IoT Co., Ltd.",
        "importer": world["importer"].legal_name,
        "importer_id_reference": "",
        "currency": "MYR",
        "organization": world["importer"],
        "items": items or [scarf(), gateway()],
    }
    declaration = declaration_create(
        request=request(world["kul"], **(values | changes)), actor_label="t"
    )
    return submit_and_process(declaration)


def sirim(world, **changes) -> Permit:
    values = {
        "agency": "SIRIM",
        "number": "RCDE/2026/0415",
        "holder": world["importer"],
        "direction": "import",
        "hs_prefix": "8517",
        "goods": "4G IoT gateways, model GW-4G",
        "measure": "units",
        "amount": D("10"),
        "valid_from": date(2026, 1, 1),
        "valid_until": date(2026, 12, 31),
    }
    return permit_register(request=PermitRequest(**(values | changes)), actor=world["officer"])


def release(world, declaration) -> Declaration:
    return declaration_decide(
        declaration=declaration, decision="release", reason="Permit seen", actor=world["officer"]
    )


def test_a_permit_line_is_held_until_a_valid_permit_covers_it_then_released_and_drawn(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        declaration = import_of(world)
    assert (declaration.status, declaration.lane) == ("held", "blue")
    held = declaration.transitions.last()
    assert held.public_reason == "Item 2 needs a permit from SIRIM: none of yours covers it."
    (told,) = [m for m in mail.outbox if declaration.reference in m.subject]
    assert told.to == [world["owner"].email] and "Item 2 needs a permit from SIRIM" in told.body
    decided = OutboxEvent.objects.filter(name="customs.declaration_decided").last()
    assert decided.payload["status"] == "held" and "SIRIM" in decided.payload["reason"]

    permit = sirim(world)
    declaration = release(world, declaration)
    permit.refresh_from_db()
    assert declaration.status == "released"
    assert permit.balance == D("6")  # ten units, four released
    drawn = PermitDrawdown.objects.get()
    assert (drawn.kind, drawn.amount, drawn.item.line_no) == ("drawn", D("4"), 2)
    assert set(
        AuditEntry.objects.filter(target_type="customs.permit").values_list("action", flat=True)
    ) == {"customs.permit.registered", "customs.permit.drawn"}


def test_a_permit_registered_first_lets_the_blue_lane_release_at_once(world):
    permit = sirim(world, measure="value", currency="MYR", amount=D("5000.00"))
    declaration = import_of(world)
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
def test_a_permit_that_does_not_cover_the_goods_leaves_them_held(world, changes, why):
    if changes.get("holder") == "another":
        changes["holder"] = factories.SellerFactory()
    permit = sirim(world, **changes)
    declaration = import_of(world)
    assert declaration.status == "held"
    reason = declaration.transitions.last().public_reason
    assert reason.startswith("Item 2 needs a permit from SIRIM: ") and why in reason
    with pytest.raises(ConflictError) as refused:
        release(world, declaration)
    assert refused.value.code == "permit_missing" and why in refused.value.message
    permit.refresh_from_db()
    assert permit.balance == permit.amount and not PermitDrawdown.objects.exists()


def test_an_officers_release_from_the_lane_becomes_a_hold_naming_the_permit(world):
    RiskRule.objects.filter(code="restricted").update(weight=40)  # yellow: the officer decides
    declaration = import_of(world)
    assert (declaration.status, declaration.lane) == ("lane", "yellow")
    declaration = release(world, declaration)
    assert declaration.status == "held"
    step = declaration.transitions.last()
    assert (step.actor_label, step.public_actor) == ("o@kul.my", "Customs KUL")
    assert step.public_reason == "Item 2 needs a permit from SIRIM: none of yours covers it."


def test_one_permit_is_shared_between_items_and_declarations(world):
    permit = sirim(world, amount=D("10"))
    first = import_of(world, items=[gateway(4), gateway(3)])
    second = import_of(world, items=[gateway(4)])
    permit.refresh_from_db()
    assert (first.status, second.status, permit.balance) == ("released", "held", D("3"))
    assert "too little left" in second.transitions.last().public_reason


def test_the_permits_covering_an_item_are_the_valid_ones_with_enough_left(world):
    declaration = import_of(world)  # held: no permit yet
    later = sirim(world, number="A1", valid_until=date(2026, 12, 31))
    sooner = sirim(world, number="A2", valid_until=date(2026, 6, 30))
    sirim(world, number="A3", valid_until=date(2026, 3, 1))  # expired on the day
    sirim(world, number="A4", amount=D("3"))  # four are declared
    sirim(world, number="A5", agency="NPRA")
    sirim(world, number="A6", holder=factories.SellerFactory())
    gateways, scarves = declaration.items.get(line_no=2), declaration.items.get(line_no=1)
    assert permits_covering(declaration=declaration, item=gateways) == [sooner, later]
    assert permits_covering(declaration=declaration, item=scarves) == []


def test_a_retried_or_repeated_release_draws_once(world):
    permit = sirim(world)
    declaration = import_of(world)
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
    assert _ledger_balance(permit) == permit.balance


def test_a_cancelled_declaration_gives_back_what_it_drew_once(world):
    permit = sirim(world)
    declaration = import_of(world)
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
    assert permit.balance == D("10") == _ledger_balance(permit)
    assert AuditEntry.objects.filter(action="customs.permit.given_back").count() == 1


def test_a_rejected_declaration_gives_back_what_it_drew(world):
    permit = sirim(world)
    declaration = import_of(world)
    Declaration.objects.filter(pk=declaration.pk).update(status="held")  # as above
    declaration_decide(
        declaration=declaration,
        decision="reject",
        reason="Found counterfeit",
        actor=world["officer"],
    )
    permit.refresh_from_db()
    assert permit.balance == D("10")


def test_records_that_agree_do_not_release_goods_without_their_permit(hgh, kul):
    """China's cross-border retail import: the line requires CCC certification."""
    tariff_load_bundled()
    RiskRule.objects.filter(code__in=["random", "new_exporter"]).update(enabled=False)
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


# --- the pages ---------------------------------------------------------------------------


def test_the_officers_page_shows_the_item_registers_a_permit_and_releases(client, world):
    declaration = import_of(world)
    client.force_login(world["officer"])
    url = f"/customs/declarations/{declaration.reference}/"
    page = client.get(url).content.decode()
    assert "SIRIM certificate of approval" in page and "no permit" in page
    assert "the declarant holds none that covers it" in page
    assert 'id="permit-register"' in page
    response = client.post(
        url,
        {
            "action": "permit",
            "holder": str(world["importer"].public_id),
            "agency": "SIRIM",
            "number": "RCDE/2026/0415",
            "direction": "import",
            "hs_prefix": "8517.62",
            "goods": "4G IoT gateways",
            "measure": "units",
            "amount": "10",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "SIRIM RCDE/2026/0415" in page and "balance 10 of 10 units" in page
    client.post(url, {"decision": "release", "reason": "Permit seen"})
    declaration.refresh_from_db()
    assert declaration.status == "released"
    page = client.get(url).content.decode()
    assert "drew 4 units at release" in page and "balance 6 of 10 units" in page


def test_the_seller_reads_the_reason_and_its_permits_only(client, world):
    declaration = import_of(world)
    mine = sirim(world, number="RCDE/2026/0001", valid_until=date(2026, 2, 1))
    theirs = sirim(world, number="RCDE/2026/0002", holder=factories.SellerFactory())
    client.force_login(world["owner"])
    page = client.get(f"/customs/mine/{declaration.reference}/").content.decode()
    assert "Item 2 needs a permit from SIRIM" in page and "Permits the goods need" in page
    listing = client.get("/customs/mine/").content.decode()
    assert mine.number in listing and theirs.number not in listing
    assert client.get("/customs/permits/").status_code in (403, 404)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"hs_prefix": "0000"}, "hs_prefix", "not in the HS 2022 nomenclature"),
        ({"hs_prefix": "851"}, "hs_prefix", "a chapter (2 digits)"),
        ({"valid_until": "2025-12-31"}, "valid_until", "cannot come before"),
        ({"amount": "0"}, "amount", "more than 0"),
        ({"amount": "1.5"}, "amount", "whole number"),
        ({"measure": "value"}, "currency", "names its currency"),
        ({"number": "RCDE/2026/0415"}, "number", "registered already"),
        ({"agency": "NOBODY"}, "agency", "Select a valid choice"),
    ],
)
def test_a_bad_registration_is_a_form_error_with_its_reason(client, world, changes, field, reason):
    sirim(world)  # RCDE/2026/0415 is taken
    client.force_login(world["officer"])
    data = {
        "holder": str(world["importer"].public_id),
        "agency": "SIRIM",
        "number": "RCDE/2026/0999",
        "direction": "import",
        "hs_prefix": "8517",
        "goods": "4G IoT gateways",
        "measure": "units",
        "amount": "10",
        "currency": "",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    response = client.post("/customs/permits/", data | changes)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert reason in " ".join(errors[field]), errors
    assert Permit.objects.count() == 1


def test_only_a_hubs_customs_officers_register_permits(world):
    with pytest.raises(NotAllowedError):
        sirim(world | {"officer": world["owner"]})
    with pytest.raises(ApplicationError) as refused:
        sirim(world, hs_prefix="85171")
    assert refused.value.extra == {"field": "hs_prefix"}


def test_the_officers_permit_page_lists_its_countrys_permits(client, world, hgh):
    permit = sirim(world)
    client.force_login(world["officer"])
    page = client.get("/customs/permits/").content.decode()
    assert permit.number in page and world["importer"].legal_name in page
    elsewhere = factories.UserFactory(
        official_role=User.OfficialRole.CUSTOMS_OFFICER, official_hub=hgh
    )
    client.force_login(elsewhere)
    assert permit.number not in client.get("/customs/permits/").content.decode()


@pytest.mark.parametrize(
    ("words", "agency"),
    [
        ("SIRIM certificate of approval (communications equipment)", "SIRIM"),
        ("NPRA cosmetic notification", "NPRA"),
        ("DVS import permit and MAQIS inspection (live animals)", "DVS"),
        ("MAQIS phytosanitary import permit (plants)", "MAQIS"),
        ("Rice import licence (Control of Padi and Rice Act 1994)", "KPKM"),
        ("Import licence under the Arms Act 1960", "PDRM"),
        ("CCC certification", "CNCA"),
        ("GACC entry quarantine permit (plants)", "GACC"),
        ("A licence nobody names", "OTHER"),
    ],
)
def test_the_agency_is_read_from_the_tariffs_words(words, agency):
    assert permit_agency(words) == agency


def test_every_permit_the_bundled_tariff_names_has_its_agency():
    from customs.models import TariffLine

    tariff_load_bundled()
    named = set(TariffLine.objects.exclude(permit_required="").values_list("permit_required"))
    assert named and all(permit_agency(words) != "OTHER" for (words,) in named)


def _ledger_balance(permit: Permit) -> Decimal:
    moved = dict(
        permit.drawdowns.values_list("kind").annotate(total=Sum("amount")).order_by("kind")
    )
    return permit.amount - moved.get("drawn", 0) + moved.get("given_back", 0)


# --- two releases at once (PostgreSQL) ------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)


def _released_at_once(world, amount) -> list[str]:
    permit = sirim(world, amount=amount)
    declarations = [
        declaration_create(
            request=request(
                world["kul"],
                regime="MY_IMPORT",
                exporter="Shenzhen IoT Co., Ltd.",
                importer=world["importer"].legal_name,
                importer_id_reference="",
                currency="MYR",
                organization=world["importer"],
                items=[gateway(4)],
            ),
            actor_label="t",
        )
        for _ in range(2)
    ]
    Declaration.objects.filter(pk__in=[d.pk for d in declarations]).update(status="submitted")
    barrier = threading.Barrier(2)

    def run(declaration_id):
        barrier.wait()
        try:
            declaration_process(declaration_id=declaration_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d.pk,)) for d in declarations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    permit.refresh_from_db()
    assert permit.balance == _ledger_balance(permit) >= 0
    return sorted(
        Declaration.objects.filter(pk__in=[d.pk for d in declarations]).values_list(
            "status", flat=True
        )
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_never_draw_more_than_the_permit_holds(hs_nomenclature, world):
    assert _released_at_once(world, D("6")) == ["held", "released"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_both_go_when_the_permit_holds_both(hs_nomenclature, world):
    assert _released_at_once(world, D("8")) == ["released", "released"]

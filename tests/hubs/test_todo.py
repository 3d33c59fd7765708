"""Each role's home is what waits for it, drawn from the state of the hub, and each order page
shows where the order stands and the one next step of whoever looks at it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from customs.models import Declaration
from customs.services.inspection import declaration_document_upload, documents_request
from hubs.models import Order
from hubs.selectors import order_progress
from hubs.todo import onboarding_steps, todos_for
from logistics.services.parcels import ParcelRequest, parcel_create, parcel_drop_off_book
from tests import factories

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _actions(user, organization, order=None):
    return [item.action for item in todos_for(user=user, organization=organization, order=order)]


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/home/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_seller_is_told_to_pack_then_book_then_bring_the_parcel(client, journey):
    world = journey.world
    order = journey.pay(journey.business_order(quantity=2))
    owner = world.seller_owner
    assert "Pack and print labels" in _actions(owner, world.seller)
    assert order.reference in _home(client, owner)

    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Next step" in page and "Pack and print labels" in page

    parcel = journey.pack(order)
    assert _actions(owner, world.seller, order) == ["Book the drop-off"]

    at = timezone.now() + timedelta(hours=3)
    parcel_drop_off_book(parcel=parcel, at=at, actor=owner)
    (item,) = todos_for(user=owner, organization=world.seller, order=order)
    facility = parcel.facility
    assert item.action == "See the parcel"
    # where to bring it: the facility and its address (its hub's city if it has none)
    assert f"{facility.name}, {facility.address or facility.hub.name}, on" in item.title
    assert facility.hub.name in item.title

    journey.receive(parcel)
    assert _actions(owner, world.seller, order) == []
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "Where it stands" in page


def test_a_partly_packed_order_still_asks_for_the_rest(journey):
    world = journey.world
    order = journey.pay(journey.business_order(quantity=3))
    line = order.lines.get()
    parcel_create(
        order=order,
        request=ParcelRequest(
            weight_kg=line.unit_weight_kg,
            length_cm=10,
            width_cm=10,
            height_cm=10,
            items={line.pk: 1},
        ),
        actor=world.seller_owner,
    )
    assert "Pack and print labels" in _actions(world.seller_owner, world.seller, order)


def test_the_buyer_is_told_to_pay_then_to_confirm(client, journey):
    order = journey.business_order()
    buyer = order.buyer_owner
    assert _actions(buyer, order.buyer) == ["Pay now"]
    client.force_login(buyer)
    page = client.get(f"/orders/{order.reference}/").content.decode()
    # the primary action is to pay; cancelling is there but folded away
    assert page.index("Pay now") < page.index("Cancel the order")
    assert "<details" in page

    order = journey.pay(order)
    assert _actions(buyer, order.buyer) == []
    parcel = journey.ship(order)
    journey.deliver(parcel)
    assert _actions(buyer, order.buyer) == ["Confirm receipt"]
    # the seller has nothing to do meanwhile, and is told what the order waits for
    client.force_login(journey.world.seller_owner)
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "it waits for the buyer to confirm receipt" in page


def test_the_progress_shows_steps_passed_and_the_one_waited_for(journey):
    order = journey.business_order()
    steps = order_progress(order=order, transitions=list(order.transitions.all()))
    assert [s.state for s in steps[:3]] == ["done", "current", "todo"]

    order = journey.pay(order)
    parcel = journey.ship(order)
    journey.deliver(parcel)
    order.refresh_from_db()
    states = [s.state for s in order_progress(order=order, transitions=order.transitions.all())]
    assert states == ["done"] * 5 + ["current", "todo"]


def test_a_disputed_order_waits_for_nothing_on_its_journey():
    order = Order(status=Order.Status.DISPUTED)
    transitions = [type("T", (), {"to_status": s})() for s in ("placed", "paid", "disputed")]
    states = [s.state for s in order_progress(order=order, transitions=transitions)]
    assert states == ["done", "done"] + ["todo"] * 5


@pytest.fixture
def held_for_documents(red_lane):
    return red_lane["seller"], red_lane["owner"], red_lane["officer"], red_lane["declaration"]


def test_documents_customs_asks_for_wait_on_the_traders_home_until_sent(
    client, held_for_documents, django_capture_on_commit_callbacks
):
    seller, owner, officer, declaration = held_for_documents
    assert declaration.lane == "red"
    # the officer's home counts the red lane
    assert "red lane" in _home(client, officer)

    with django_capture_on_commit_callbacks(execute=True):
        documents_request(declaration=declaration, documents="Form E", actor=officer)
    assert _actions(owner, seller) == ["Send the documents"]
    assert declaration.reference in _home(client, owner)

    declaration_document_upload(
        declaration=Declaration.objects.get(pk=declaration.pk),
        title="Form E",
        upload=SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf"),
        actor=owner,
    )
    assert _actions(owner, seller) == []


def test_officers_see_their_queues(client, kul):
    factories.OrganizationFactory(kyc_status="submitted")
    mdec = factories.UserFactory(official_role="mdec_officer")
    page = _home(client, mdec)
    assert "1 organisation(s) wait for verification." in page
    assert "/organisations/?status=submitted" in page


def test_a_new_sme_sees_its_first_steps_until_all_are_done(client, kul):
    organization = factories.OrganizationFactory(home_hub=kul)
    owner = factories.member(organization)
    steps = onboarding_steps(organization=organization)
    assert [s["done"] for s in steps] == [False] * 5
    page = _home(client, owner)
    assert "0 of 5 steps done" in page and "Get verified" in page

    seller = factories.SellerFactory(home_hub=kul)
    factories.ProductFactory(seller=seller)
    done = [s["done"] for s in onboarding_steps(organization=seller)]
    assert done == [True, True, False, False, True]

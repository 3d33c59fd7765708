"""The logistics pages (parcels and labels, floor, flights and manifests, public tracking) and
tracking over the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ewtp.common.models import WebhookDelivery
from ewtp.common.webhook_endpoints import webhook_endpoint_create
from hubs.models import Order
from hubs.services.organizations import organization_api_client_create
from logistics.models import Flight, Parcel
from logistics.services.consolidation import consolidations_build
from logistics.services.floor import parcel_export_release, parcel_receive
from tests import factories
from tests.conftest import issue_token

from .conftest import flight, pack

pytestmark = pytest.mark.django_db


def parcels_page(world):
    return f"/logistics/orders/{world['order'].reference}/parcels/"


def test_the_seller_packs_in_the_portal_and_prints_the_label(client, world):
    client.force_login(world["seller_user"])
    line = world["order"].lines.get()
    page = client.get(parcels_page(world))
    assert page.status_code == 200 and page.context["form"] is not None
    response = client.post(
        parcels_page(world),
        {
            "weight_kg": "1.250",
            "length_cm": 30,
            "width_cm": 20,
            "height_cm": 10,
            f"line_{line.pk}": 2,
        },
    )
    assert response.status_code == 302
    parcel = Parcel.objects.get()
    assert parcel.items.get().quantity == 2
    label = client.get(f"/logistics/parcels/{parcel.waybill}/label.pdf")
    assert label["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF") and len(label.content) > 1000


def test_a_bad_parcel_is_a_form_error_and_creates_nothing(client, world):
    client.force_login(world["seller_user"])
    line = world["order"].lines.get()
    response = client.post(
        parcels_page(world),
        {"weight_kg": "0", "length_cm": 30, "width_cm": 20, "height_cm": 10, f"line_{line.pk}": 99},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "weight_kg" in form.errors and f"line_{line.pk}" in form.errors
    assert not Parcel.objects.exists()


def test_strangers_see_no_parcels_or_labels(client, world):
    parcel = pack(world)
    client.force_login(factories.member(factories.SellerFactory()))
    assert client.get(parcels_page(world)).status_code == 404
    assert client.get(f"/logistics/parcels/{parcel.waybill}/label.pdf").status_code == 404


def test_the_operator_scans_receives_and_weighs_on_the_floor(client, world):
    parcel = pack(world, weight="2.000")
    client.force_login(world["operator"])
    found = client.get(f"/logistics/floor/?waybill={parcel.waybill.lower()}")
    assert found.context["parcel"] == parcel
    client.post("/logistics/floor/", {"waybill": parcel.waybill, "action": "receive"})
    response = client.post(
        "/logistics/floor/",
        {"waybill": parcel.waybill, "action": "weigh", "measured_kg": "3.000"},
        follow=True,
    )
    assert "outside the tolerance" in response.content.decode()
    parcel.refresh_from_db()
    assert (parcel.status, parcel.weight_flagged) == ("received", True)
    bad = client.get("/logistics/floor/?waybill=KUL000000017")
    assert bad.context["parcel"] is None and bad.context["scan"].errors["waybill"]


def test_sellers_do_not_work_the_floor(client, world):
    client.force_login(world["seller_user"])
    assert client.get("/logistics/floor/").status_code == 403
    assert client.get("/logistics/flights/").status_code == 403


def test_flights_page_schedule_upload_cancel_and_manifests(client, world):
    client.force_login(world["operator"])
    csv_file = (
        "carrier,flight_number,origin,destination,departs_local,arrives_local,capacity_kg,"
        "capacity_pieces\nMH,MH360,KUL,HGH,2030-01-05 09:00,2030-01-05 14:10,2000,400\n"
    )
    client.post(
        "/logistics/flights/",
        {"upload": "1", "file": SimpleUploadedFile("s.csv", csv_file.encode(), "text/csv")},
    )
    assert Flight.objects.filter(number="MH360").exists()
    parcel = parcel_export_release(
        parcel=parcel_receive(parcel=pack(world), actor=world["operator"])
    )
    client.post("/logistics/flights/", {"consolidate": "1"})
    scheduled = Flight.objects.get(number="MH360")
    assert scheduled.loaded_pieces == 1
    manifest = client.get(f"/logistics/flights/{scheduled.public_id}/manifest.csv")
    assert parcel.waybill in manifest.content.decode()
    pdf = client.get(f"/logistics/flights/{scheduled.public_id}/manifest.pdf")
    assert pdf.content.startswith(b"%PDF")
    client.post(
        "/logistics/flights/",
        {"cancel": "1", "flight": str(scheduled.public_id), "reason": "Typhoon"},
    )
    scheduled.refresh_from_db()
    assert scheduled.status == "cancelled"


def test_the_public_page_shows_the_status_and_nothing_personal(client, world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    order = world["order"]
    page = client.get(f"/track/{parcel.waybill}/").content.decode()
    assert "Received at the hub" in page and 'name="proof"' in page
    assert "RCS" not in page  # the journey's places and times wait for the recipient's proof
    for secret in (
        order.buyer.legal_name,
        order.seller.legal_name,
        order.reference,
        str(order.total.amount),
        world["operator"].email,
    ):
        assert secret not in page
    assert (
        "No parcel with this number" in client.get("/track/?waybill=KUL999999990").content.decode()
    )


def test_the_recipient_sees_the_timeline_with_the_order_reference(client, world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    order = world["order"]
    page = client.post(f"/track/{parcel.waybill}/", {"proof": order.reference.lower()})
    content = page.content.decode()
    assert page.status_code == 200 and "RCS" in content and "KUL" in content
    for secret in (order.buyer.legal_name, order.seller.legal_name, world["operator"].email):
        assert secret not in content


def test_tracking_over_the_api_for_the_orders_parties_only(api, world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    own = organization_api_client_create(
        organization=world["order"].seller, name="ERP", actor=world["seller_user"]
    )
    token = issue_token(api, own).json()["access_token"]
    response = api.get(f"/api/v1/tracking/{parcel.waybill}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["code"] for e in body["events"]] == ["RCS"]
    assert (body["origin"], body["destination"]) == ("KUL", "HGH")
    channel = factories.api_client(kind="channel", name="Shop", scopes=["tracking:read"])
    token = issue_token(api, channel).json()["access_token"]
    other = api.get(f"/api/v1/tracking/{parcel.waybill}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert other.status_code == 404


def test_parcel_and_flight_pages_cost_the_same_queries_whatever_their_length(client, world):
    client.force_login(world["seller_user"])
    flight(world)

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    pack(world)
    few = count(parcels_page(world))
    for _ in range(4):
        parcel_export_release(parcel=parcel_receive(parcel=pack(world), actor=world["operator"]))
    consolidations_build()
    assert count(parcels_page(world)) == few
    client.force_login(world["operator"])
    flights_few = count("/logistics/flights/")
    for hours in (30, 40, 50):
        flight(world, hours=hours, number=f"MH{hours}")
    assert count("/logistics/flights/") == flights_few


def test_each_new_event_is_a_signed_webhook_to_the_orders_channel(world, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    channel = factories.api_client(kind="channel", name="Shop", scopes=["tracking:read"]).client
    Order.objects.filter(pk=world["order"].pk).update(channel=channel)
    webhook_endpoint_create(
        api_client=channel, url="http://shop.example/hooks", events=["parcel.tracking"]
    )
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    delivery = WebhookDelivery.objects.get(event="parcel.tracking")
    assert delivery.payload["waybill"] == parcel.waybill
    assert (delivery.payload["code"], delivery.payload["place"]) == ("RCS", "KUL")


def test_times_are_shown_in_the_local_time_of_each_place(client, world):
    parcel = parcel_receive(parcel=pack(world), actor=world["operator"])
    event = parcel.events.get()
    proof = {"proof": world["order"].reference}
    page = client.post(f"/track/{parcel.waybill}/", proof).content.decode()
    kuala_lumpur = event.occurred_at.astimezone(world["kul"].zone)  # UTC+8
    assert kuala_lumpur.strftime("%Y-%m-%d %H:%M") in page
    assert "KUL time" in page

"""A listing whose HS code has no import line in force at a destination its hub ships to is
saved, with a warning that says what it means for orders there (portal and API)."""

import pytest
from django.contrib.messages import get_messages

from hubs.services.organizations import organization_api_client_create
from tests.conftest import issue_token
from tests.hubs.test_catalogue import GOOD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_cn_line_for_t_shirts", "eroads"),
]


def test_the_portal_saves_the_listing_and_warns(client, seller_owner):
    client.force_login(seller_owner)
    response = client.post("/products/new/", {**GOOD, "hs_code": "6109.10"})
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert len(warnings) == 1
    assert "China has no import tariff line in force for HS 610910" in warnings[0]
    assert "orders to HGH will wait for customs" in warnings[0]


def test_a_code_with_a_line_at_every_destination_has_no_warning(client, seller_owner):
    client.force_login(seller_owner)
    response = client.post("/products/new/", GOOD)  # silk scarves: lines in MY and CN
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_the_api_answers_the_listing_with_its_warnings(api, seller_owner):
    seller = seller_owner.memberships.get().organization
    issued = organization_api_client_create(organization=seller, name="ERP", actor=seller_owner)
    token = issue_token(api, issued).json()["access_token"]
    body = {
        key: value
        for key, value in GOOD.items()
        if key not in ("is_active", "title_zh", "description_zh", "description_ms", "title_ms")
    }
    body |= {"hs_code": "610910", "stock": 40}
    created = api.post(
        "/api/v1/products/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert created.status_code == 201, created.content
    (warning,) = created.json()["warnings"]
    assert "HS 610910" in warning
    changed = api.patch(
        f"/api/v1/products/{created.json()['id']}",
        {"hs_code": "621410"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["warnings"] == []

"""What a signed-in user or an API client is shown is never stored by a cache; public pages
keep theirs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hubs.models import ProductImage
from tests import factories

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("path", ["/home/", "/organisation/", "/products/", "/no-such-page/"])
def test_pages_for_a_signed_in_user_are_not_stored(client, seller_owner, path):
    client.force_login(seller_owner)
    assert "no-store" in directives(client.get(path))


def test_a_refused_write_of_a_signed_in_user_is_not_stored_either(client, seller_owner):
    client.force_login(seller_owner)
    response = client.post("/organisation/edit/", {"legal_name": ""})
    assert "no-store" in directives(response)


@pytest.mark.parametrize("path", ["/", "/signup/"])
def test_public_pages_keep_their_caching_for_visitors(client, kul, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in directives(response)


def test_api_responses_to_a_bearer_token_are_not_stored(api, bank_token):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {bank_token}"}
    for response in (
        api.get("/api/v1/ping", **auth),
        api.get("/api/v1/hubs/", **auth),
        api.get("/api/v1/orders/", **auth),  # refused: no scope
        api.get("/api/v1/no-such-endpoint", **auth),
        api.post("/api/v1/orders/", "[" * 100, content_type="application/json", **auth),
    ):
        assert "no-store" in directives(response), response.status_code


def test_a_wrong_bearer_token_is_not_stored_either(api):
    response = api.get("/api/v1/ping", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert "no-store" in directives(response)


def test_a_view_that_decides_its_own_caching_keeps_it(client, seller_owner):
    """A product image may stay an hour in the user's own browser, never in a shared cache."""
    product = factories.ProductFactory(seller=seller_owner.memberships.get().organization)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    image = ProductImage.objects.create(
        product=product, image=SimpleUploadedFile("p.png", png, "image/png")
    )
    client.force_login(seller_owner)
    response = client.get(f"/images/{image.public_id}/")
    assert directives(response) == {"private", "max-age=3600"}

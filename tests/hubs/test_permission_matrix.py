"""Every page and endpoint of onboarding, catalogue and orders, for every kind of caller.

Organisation A sells to organisation B; C is a stranger to both. Allowed callers get their
page; the others get 403 (a page they may never see) or 404 (an object that is not theirs),
and nothing of A ever appears in a stranger's lists.
"""

import pytest
from django.core.files.base import ContentFile

from hubs.models import KycDocument, ProductImport
from hubs.services.organizations import organization_api_client_create
from hubs.services.placement import LineRequest, OrderRequest, order_place
from tests import factories
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
PERSONAS = ["owner", "staff", "stranger", "officer", "customs", "anonymous"]


@pytest.fixture
def alpha_batik(kul, hgh):
    """Alpha Batik's product, order (bought by Beta Trading), KYC document and import job,
    and a user of each persona."""
    factories.open_eroads()
    a = factories.SellerFactory(legal_name="Alpha Batik Sdn. Bhd.")
    b = factories.BuyerFactory(legal_name="Beta Trading Co., Ltd.")
    c = factories.SellerFactory(legal_name="Gamma Crafts Sdn. Bhd.")
    users = {
        "owner": factories.member(a, "owner"),
        "staff": factories.member(a, "staff"),
        "stranger": factories.member(c, "owner"),
        "officer": factories.UserFactory(official_role="mdec_officer"),
        "customs": factories.UserFactory(official_role="customs_officer", official_hub=kul),
        "anonymous": None,
    }
    product = factories.ProductFactory(seller=a, sku="ALPHA-SECRET-SKU")
    order = order_place(
        request=OrderRequest(
            seller=a, destination_hub=hgh, buyer=b, lines=[LineRequest(product.pk, 1)]
        ),
        actor=factories.member(b),
    )
    document = KycDocument(
        organization=a,
        kind="registration",
        original_name="cert.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
    )
    document.file.save("cert", ContentFile(b"%PDF-1.4\n"), save=True)
    job = ProductImport.objects.create(
        seller=a, original_name="alpha.csv", file=ContentFile(b"x", name="a.csv")
    )
    return {
        "a": a,
        "users": users,
        "product": product,
        "order": order,
        "document": document,
        "job": job,
    }


def urls(alpha_batik):
    a, product, order = alpha_batik["a"], alpha_batik["product"], alpha_batik["order"]
    return {
        "/organisation/": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        "/organisation/edit/": {
            "owner": 200,
            "staff": 403,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        "/organisation/verification/": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        "/organisation/api-clients/": {
            "owner": 200,
            "staff": 403,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        f"/documents/{alpha_batik['document'].public_id}/": {
            "owner": 200,
            "staff": 200,
            "stranger": 404,
            "officer": 200,
            "customs": 404,
            "anonymous": 404,
        },
        "/organisations/": {
            "owner": 403,
            "staff": 403,
            "stranger": 403,
            "officer": 200,
            "customs": 403,
        },
        f"/organisations/{a.public_id}/": {
            "owner": 403,
            "staff": 403,
            "stranger": 403,
            "officer": 200,
            "customs": 403,
        },
        "/products/": {"owner": 200, "staff": 200, "stranger": 200, "officer": 403, "customs": 403},
        "/products/new/": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        f"/products/{product.public_id}/": {
            "owner": 200,
            "staff": 200,
            "stranger": 404,
            "officer": 403,
            "customs": 403,
        },
        "/products/hs-search/?q=silk": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        "/products/imports/": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        f"/products/imports/{alpha_batik['job'].public_id}/": {
            "owner": 200,
            "staff": 200,
            "stranger": 404,
            "officer": 403,
            "customs": 403,
        },
        "/catalogue/": {
            "owner": 200,
            "staff": 200,
            "stranger": 200,
            "officer": 403,
            "customs": 403,
        },
        "/cart/": {"owner": 200, "staff": 200, "stranger": 200, "officer": 403, "customs": 403},
        "/orders/": {"owner": 200, "staff": 200, "stranger": 200, "officer": 200, "customs": 200},
        f"/orders/{order.reference}/": {
            "owner": 200,
            "staff": 200,
            "stranger": 404,
            "officer": 200,
            "customs": 404,
            "anonymous": 404,
        },
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_answers_each_persona_as_it_should(client, alpha_batik, persona):
    user = alpha_batik["users"][persona]
    if user is not None:
        client.force_login(user)
    for url, expected in urls(alpha_batik).items():
        status = expected.get(persona, 302)  # anonymous: to the sign-in page unless stated
        response = client.get(url)
        assert response.status_code == status, (
            f"{persona} GET {url}: {response.status_code} != {status}"
        )
        if persona == "stranger" and status == 200 and not url.startswith("/catalogue"):
            page = response.content.decode()
            for secret in ("Alpha Batik", "ALPHA-SECRET-SKU", alpha_batik["order"].reference):
                assert secret not in page, f"{url} shows {secret} to a stranger"


@pytest.mark.parametrize("persona", ["staff", "stranger", "officer", "anonymous"])
def test_writes_are_refused_to_those_who_may_not(client, alpha_batik, persona):
    user = alpha_batik["users"][persona]
    if user is not None:
        client.force_login(user)
    product = alpha_batik["product"]
    attempts = [
        (f"/products/{product.public_id}/toggle/", {}),
        (f"/orders/{alpha_batik['order'].reference}/", {"reason": "x"}),
        ("/organisation/invite/", {"email": "x@example.com", "role": "staff"}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        if persona == "staff" and url.startswith("/products/"):
            assert response.status_code == 302  # staff manage the catalogue
            client.post(url, data)  # and back
            continue
        if persona == "staff" and url.startswith("/orders/"):
            assert response.status_code == 302  # staff work the orders
            continue
        assert response.status_code in (302, 403, 404), (
            f"{persona} POST {url}: {response.status_code}"
        )
        if persona == "anonymous":
            assert response.status_code in (302, 404)
    product.refresh_from_db()
    alpha_batik["order"].refresh_from_db()
    assert product.is_active
    if persona != "staff":
        assert (
            alpha_batik["order"].status == "placed"
        )  # no stranger, officer or anonymous cancelled it


@pytest.fixture
def api_callers(api, alpha_batik):
    def token(issued):
        return bearer(api, issued)

    seller_client = organization_api_client_create(
        organization=alpha_batik["a"], name="ERP", actor=alpha_batik["users"]["owner"]
    )
    stranger_org = alpha_batik["users"]["stranger"].memberships.get().organization
    stranger_client = organization_api_client_create(
        organization=stranger_org, name="ERP", actor=alpha_batik["users"]["stranger"]
    )
    return {
        "seller": token(seller_client),
        "stranger": token(stranger_client),
        "channel": token(
            factories.api_client(
                kind="channel", name="Shop", scopes=["orders:read", "orders:write", "products:read"]
            )
        ),
        "bank": token(factories.api_client(kind="bank", name="Bank", scopes=["statements:read"])),
        "anonymous": {},
    }


def test_every_endpoint_answers_each_caller_as_it_should(api, alpha_batik, api_callers):
    product, order = alpha_batik["product"], alpha_batik["order"]
    matrix = {
        "/api/v1/organization": {"seller": 200, "stranger": 200, "channel": 403, "bank": 403},
        "/api/v1/products/": {"seller": 200, "stranger": 200, "channel": 403, "bank": 403},
        f"/api/v1/products/{product.public_id}": {
            "seller": 200,
            "stranger": 404,
            "channel": 403,
            "bank": 403,
        },
        "/api/v1/listings/": {"seller": 200, "stranger": 200, "channel": 200, "bank": 403},
        "/api/v1/orders/": {"seller": 200, "stranger": 200, "channel": 200, "bank": 403},
        f"/api/v1/orders/{order.reference}": {
            "seller": 200,
            "stranger": 404,
            "channel": 404,
            "bank": 403,
        },
    }
    for url, expected in matrix.items():
        for caller, headers in api_callers.items():
            status = expected.get(caller, 401)
            response = api.get(url, **headers)
            assert response.status_code == status, (
                f"{caller} GET {url}: {response.status_code} != {status}"
            )
            if caller in ("stranger", "channel") and status == 200 and "listings" not in url:
                body = response.content.decode()
                assert "ALPHA-SECRET-SKU" not in body and order.reference not in body


def test_strangers_cannot_write_to_anothers_objects_over_the_api(api, alpha_batik, api_callers):
    product, order = alpha_batik["product"], alpha_batik["order"]
    stranger = api_callers["stranger"]
    assert (
        api.patch(
            f"/api/v1/products/{product.public_id}", {"stock": 0}, format="json", **stranger
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/products/{product.public_id}", **stranger).status_code == 404
    assert (
        api.post(
            f"/api/v1/orders/{order.reference}/cancel",
            {"reason": "x"},
            format="json",
            **api_callers["channel"],
        ).status_code
        == 404
    )
    product.refresh_from_db()
    order.refresh_from_db()
    assert (product.stock, product.is_active, order.status) == (99, True, "placed")

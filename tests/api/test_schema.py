"""The OpenAPI document is valid OpenAPI 3 and the docs need nothing from outside."""

import re
import uuid

import pytest
import yaml
from openapi_spec_validator import validate

from hubs.services.organizations import organization_api_client_create
from payments.services.fx import fx_rates_load
from tests import factories
from tests.api.test_schemathesis import BANK_SCOPES
from tests.conftest import issue_token

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)  # raises on any violation of the OpenAPI 3 schema
    assert "/api/v1/ping" in spec["paths"]
    assert "/api/v1/hubs/" in spec["paths"]
    flows = spec["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/api/v1/oauth/token/"
    assert "hubs:read" in flows["clientCredentials"]["scopes"]


def test_docs_load_only_from_the_hub(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    external = [
        url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url.startswith("http")
    ]
    assert external == []
    assert "script-src 'self'" in response["Content-Security-Policy"]


def _document(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_list_answers_one_page_as_documented(client):
    document = _document(client)
    schemas = document["components"]["schemas"]
    lists = [
        (path, operation)
        for path, method, operation in _operations(document)
        if method == "get" and any(p["name"] == "cursor" for p in operation.get("parameters", []))
    ]
    assert {path for path, _ in lists} >= {
        "/api/v1/orders/",
        "/api/v1/products/",
        "/api/v1/listings/",
        "/api/v1/declarations/",
        "/api/v1/credit/applications/",
        "/api/v1/payouts/batches/",
        "/api/v1/payouts/batches/{public_id}/payouts/",
        "/api/v1/hubs/",
    }
    for path, operation in lists:
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schemas[ref.rsplit("/", 1)[1]]
        assert page["required"] == ["next", "previous", "results"], path
        assert page["properties"]["results"]["type"] == "array", path


def test_every_operation_documents_its_refusals_as_problems(client):
    for path, method, operation in _operations(_document(client)):
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "405", "406", "413", "429"):
            assert "application/problem+json" in responses[status]["content"], (path, status)
        names = {p["name"] for p in operation.get("parameters", [])}
        assert ("422" in responses) == ("Idempotency-Key" in names), (path, method)
        if method != "get":
            assert {"409", "415"} <= responses.keys(), (path, method)


def test_the_idempotency_key_is_documented_as_the_hub_checks_it(client):
    keys = [
        p["schema"]
        for _path, _method, operation in _operations(_document(client))
        for p in operation.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    ]
    assert keys
    assert all(key["minLength"] == 1 and key["maxLength"] == 255 for key in keys)


PLACEHOLDERS = {  # a path parameter of an example's operation: well-formed, naming nothing
    "reference": "EW-22222222",
    "public_id": "00000000-0000-4000-8000-000000000000",
    "endpoint_id": "00000000-0000-4000-8000-000000000000",
    "currency": "MYR",
    "waybill": "KUL000000000",
    "key": "exports",
    "code": "XXX-NONE",
}


@pytest.fixture
def example_callers(api, kul, hgh, tariff, django_capture_on_commit_callbacks):
    """A bank and an organisation (a verified seller at Kuala Lumpur), each with every scope
    of its kind; the tariff and the day's rates the examples' declarations and quotes need."""
    with django_capture_on_commit_callbacks(execute=True):
        fx_rates_load()  # the customs rates are derived from them after the commit
    factories.open_eroads()
    seller = factories.SellerFactory()
    owner = factories.member(seller)
    clients = [
        factories.api_client(kind="bank", scopes=BANK_SCOPES),
        organization_api_client_create(organization=seller, name="ERP", actor=owner),
    ]
    callers = []
    for credentials in clients:
        response = issue_token(api, credentials)
        scopes = set(response.json()["scope"].split())
        callers.append((scopes, f"Bearer {response.json()['access_token']}"))
    return callers


def test_every_example_is_taken_or_names_what_does_not_exist(api, example_callers):
    """Each request example of the document, sent as it is by a client with the scopes its
    operation needs: never refused as invalid (400, 422) and never a 500. A 404 (the
    example's order or seller does not exist here) or a 409 is an answer about the data."""
    document = api.get("/api/schema/", {"format": "json"}).json()
    sent = 0
    for path, method, operation in _operations(document):
        examples = (
            operation.get("requestBody", {})
            .get("content", {})
            .get("application/json", {})
            .get("examples", {})
        )
        if not examples:
            continue
        needed = set(operation["security"][0]["oauth2"])
        caller = next(auth for scopes, auth in example_callers if needed <= scopes)
        url = path.format(**PLACEHOLDERS)
        for name, example in examples.items():
            response = getattr(api, method)(
                url,
                example["value"],
                format="json",
                HTTP_AUTHORIZATION=caller,
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )
            assert response.status_code not in (400, 422), (path, name, response.content)
            assert response.status_code < 500, (path, name, response.content)
            sent += 1
    assert sent >= 10

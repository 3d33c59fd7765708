"""The OpenAPI document is valid OpenAPI 3 and the docs need nothing from outside."""

import re

import pytest
import yaml
from openapi_spec_validator import validate

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

"""A replay under an Idempotency-Key is the first response again, byte for byte: a client that
signs, hashes or simply compares what it got sees no difference."""

import pytest
from rest_framework.renderers import JSONRenderer

from ewtp.common.models import IdempotencyKey

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls_for_kernel_tests")]
URL = "/api/v1/test-records"


@pytest.fixture
def post(api, bank_token):
    def send(body, key):
        return api.post(
            URL,
            body,
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {bank_token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    return send


def same_response(first, replay):
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.status_code == first.status_code
    assert replay["Content-Type"] == first["Content-Type"]
    assert replay.content == first.content


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"note": "pay", "amount": {"amount": "10.50", "currency": "MYR"}}, 201),
        ({"note": "conflict"}, 409),  # a refusal is replayed as it was
        ({"note": "x" * 30}, 400),  # field errors, problem+json
    ],
)
def test_a_replay_sends_the_first_responses_bytes(post, body, status):
    first = post(body, key="k-1")
    replay = post(body, key="k-1")
    assert first.status_code == status
    same_response(first, replay)


def test_the_bytes_are_kept_not_rendered_again(post, monkeypatch):
    first = post({"note": "pay"}, key="k-2")
    # a deploy that renders JSON differently must not change what a replay sends
    monkeypatch.setattr(JSONRenderer, "compact", False)
    monkeypatch.setattr(JSONRenderer, "ensure_ascii", True)
    replay = post({"note": "pay"}, key="k-2")
    same_response(first, replay)
    assert bytes(IdempotencyKey.objects.get(key="k-2").response_content) == first.content


def test_a_key_stored_before_bytes_were_kept_still_replays(post):
    first = post({"note": "pay"}, key="k-3")
    IdempotencyKey.objects.filter(key="k-3").update(
        response_content=None,
        response_body={"data": first.json(), "content_type": "application/json", "headers": {}},
    )
    replay = post({"note": "pay"}, key="k-3")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"

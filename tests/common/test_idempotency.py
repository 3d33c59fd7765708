import pytest

from ewtp.common.models import AuditEntry, IdempotencyKey

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls_for_kernel_tests")]
URL = "/api/v1/test-records"


@pytest.fixture
def post(api, bank_token):
    def send(body, key=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bank_token}"}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return api.post(URL, body, format="json", **headers)

    return send


def recorded():
    return AuditEntry.objects.filter(action="tests.recorded").count()


def test_same_key_and_body_replays_the_first_response(post):
    first = post({"note": "pay"}, key="k-1")
    second = post({"note": "pay"}, key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert recorded() == 1


def test_same_key_with_another_body_is_refused_and_changes_nothing(post):
    post({"note": "pay"}, key="k-1")
    response = post({"note": "pay twice"}, key="k-1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert recorded() == 1


def test_duplicate_while_the_first_is_in_flight_gets_409(post):
    post({"note": "pay"}, key="k-2")
    # as if the first request had claimed the key and were still running
    IdempotencyKey.objects.filter(key="k-2").update(status=IdempotencyKey.Status.IN_FLIGHT)

    response = post({"note": "pay"}, key="k-2")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_flight"
    assert recorded() == 1


def test_without_a_key_each_post_acts(post):
    post({"note": "a"})
    post({"note": "a"})
    assert recorded() == 2


def test_keys_are_scoped_to_the_caller(api, post):
    from tests import factories
    from tests.conftest import issue_token

    other = factories.api_client(name="Other Bank")
    other_token = issue_token(api, other).json()["access_token"]
    post({"note": "pay"}, key="shared")
    response = api.post(
        URL,
        {"note": "pay"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert recorded() == 2


def test_invalid_body_is_not_stored_so_a_corrected_retry_works(post):
    bad = post({"note": "x" * 50}, key="k-3")
    assert bad.status_code == 400
    good = post({"note": "fixed"}, key="k-3")
    assert good.status_code == 201
    assert recorded() == 1


def test_a_crash_releases_the_key(post):
    with pytest.raises(RuntimeError):
        post({"note": "boom"}, key="k-4")
    assert not IdempotencyKey.objects.filter(key="k-4").exists()


def test_an_empty_or_oversized_key_is_a_clear_400(post):
    for key in ["  ", "k" * 256]:
        response = post({"note": "pay"}, key=key)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert recorded() == 0

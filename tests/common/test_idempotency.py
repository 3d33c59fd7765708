import pytest
from django.db import connection

from ewtp.common.models import AuditEntry, IdempotencyKey

pytestmark = [pytest.mark.urls("tests.common.urls_for_kernel_tests")]
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


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response(post):
    first = post({"note": "pay"}, key="k-1")
    second = post({"note": "pay"}, key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert recorded() == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_refused_and_changes_nothing(post):
    post({"note": "pay"}, key="k-1")
    response = post({"note": "pay twice"}, key="k-1")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert recorded() == 1


@pytest.mark.django_db
def test_a_key_left_in_flight_by_a_killed_process_is_taken_over(post):
    post({"note": "pay"}, key="k-2")
    # as if the process had died after claiming the key: its work rolled back with its lock
    AuditEntry.objects.filter(action="tests.recorded").delete()
    IdempotencyKey.objects.filter(key="k-2").update(status=IdempotencyKey.Status.IN_FLIGHT)

    response = post({"note": "pay"}, key="k-2")

    assert response.status_code == 201
    assert recorded() == 1


@pytest.mark.django_db
def test_without_a_key_each_post_acts(post):
    post({"note": "a"})
    post({"note": "a"})
    assert recorded() == 2


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_a_refusal_is_stored_and_replayed_too(post):
    bad = post({"note": "x" * 50}, key="k-3")
    again = post({"note": "x" * 50}, key="k-3")
    assert bad.status_code == again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
    assert again.json() == bad.json()
    assert post({"note": "fixed"}, key="k-3").status_code == 422  # a new request needs a new key


@pytest.mark.django_db
def test_a_business_conflict_is_replayed_not_re_executed(post):
    first = post({"note": "conflict"}, key="k-5")
    assert first.status_code == 409
    assert post({"note": "conflict"}, key="k-5").json() == first.json()
    assert post({"note": "pay"}, key="k-5").status_code == 422


@pytest.mark.django_db
def test_a_crash_rolls_back_and_leaves_the_key_to_a_retry(post, monkeypatch):
    with pytest.raises(RuntimeError):
        post({"note": "boom"}, key="k-4")
    row = IdempotencyKey.objects.get(key="k-4")
    assert row.status == IdempotencyKey.Status.IN_FLIGHT
    assert recorded() == 0


@pytest.mark.django_db
def test_an_empty_or_oversized_key_is_a_clear_400(post):
    for key in ["  ", "k" * 256]:
        response = post({"note": "pay"}, key=key)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert recorded() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_gets_409_and_the_work_runs_once(bank_token):
    import threading

    from rest_framework.test import APIClient

    results, barrier = [], threading.Barrier(2)

    def send():
        barrier.wait()
        try:
            response = APIClient().post(
                URL,
                {"note": "slow"},
                format="json",
                HTTP_AUTHORIZATION=f"Bearer {bank_token}",
                HTTP_IDEMPOTENCY_KEY="race",
            )
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [201, 409]
    assert AuditEntry.objects.filter(action="tests.recorded").count() == 1

"""What a stranger may call without an account is rate-limited: the OAuth token endpoint (per
address, and refused secrets per client id), password reset (per address and per e-mail,
revealing no account) and public tracking (per address, and postcode guesses per parcel).
Every refusal is a 429 with Retry-After."""

import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from ewtp.common.throttles import KeyedThrottle, throttle_check
from hubs.models import Order, Organization
from logistics.services.floor import parcel_receive
from tests import factories
from tests.conftest import basic_auth, issue_token
from tests.logistics.conftest import pack, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def limit_of(settings, scope: str) -> int:
    return int(settings.THROTTLE_RATES[scope].split("/")[0])


def token_request(api, client_id, secret, address="127.0.0.1"):
    return api.post(
        "/api/v1/oauth/token/",
        urlencode({"grant_type": "client_credentials"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client_id, secret),
        REMOTE_ADDR=address,
    )


def assert_throttled_problem(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


# --- The OAuth token endpoint --------------------------------------------------------------


def test_token_requests_from_one_address_are_limited(api, settings, bank_credentials):
    for _ in range(limit_of(settings, "oauth_token_address")):
        assert issue_token(api, bank_credentials).status_code == 200

    refused = issue_token(api, bank_credentials)

    assert_throttled_problem(refused)
    elsewhere = token_request(
        api, bank_credentials.client_id, bank_credentials.client_secret, "198.51.100.7"
    )
    assert elsewhere.status_code == 200


def test_wrong_secrets_lock_the_client_id_from_every_address(api, settings, bank_credentials):
    client_id = bank_credentials.client_id
    for attempt in range(limit_of(settings, "oauth_token_client")):
        wrong = token_request(api, client_id, "guess", f"203.0.113.{attempt}")
        assert wrong.status_code == 401

    # the right secret from a fresh address is refused too, before it is checked
    refused = token_request(api, client_id, bank_credentials.client_secret, "198.51.100.7")

    assert_throttled_problem(refused)
    other = factories.api_client(name="Other Bank")
    assert token_request(api, other.client_id, other.client_secret).status_code == 200


def test_credentials_in_basic_and_in_the_body_at_once_are_refused(api, bank_credentials):
    """Else a decoy id in Basic takes the failure count while the body's id is checked."""
    response = api.post(
        "/api/v1/oauth/token/",
        urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": bank_credentials.client_id,
                "client_secret": "guess",
            }
        ),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth("decoy", "decoy"),
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_wrong_secrets_in_the_body_count_against_the_client_id(api, settings, bank_credentials):
    def in_body(secret):
        return api.post(
            "/api/v1/oauth/token/",
            urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": bank_credentials.client_id,
                    "client_secret": secret,
                }
            ),
            content_type="application/x-www-form-urlencoded",
        )

    for _ in range(limit_of(settings, "oauth_token_client")):
        assert in_body("guess").status_code == 401
    assert_throttled_problem(in_body(bank_credentials.client_secret))


def test_the_client_id_is_let_in_again_when_the_window_has_passed(api, settings, bank_credentials):
    client_id = bank_credentials.client_id
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(limit_of(settings, "oauth_token_client")):
            token_request(api, client_id, "guess")
        retry_after = int(token_request(api, client_id, "guess")["Retry-After"])
        clock.shift(timedelta(seconds=retry_after))
        again = token_request(api, client_id, bank_credentials.client_secret)
    assert again.status_code == 200


def test_a_partner_fetching_many_tokens_is_not_slowed_by_its_own_successes(
    api, settings, bank_credentials
):
    for _ in range(limit_of(settings, "oauth_token_client") + 2):
        assert issue_token(api, bank_credentials).status_code == 200


def test_revoking_is_limited_like_the_token_endpoint(api, settings, bank_credentials):
    for _ in range(limit_of(settings, "oauth_token_client")):
        api.post(
            "/api/v1/oauth/revoke/",
            urlencode({"token": "x"}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth(bank_credentials.client_id, "guess"),
        )
    assert_throttled_problem(
        token_request(api, bank_credentials.client_id, bank_credentials.client_secret)
    )


# --- Password reset ------------------------------------------------------------------------


def reset(client, email, address="127.0.0.1"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)


def test_reset_links_for_one_email_are_limited_without_revealing_the_account(
    client, settings, sme_owner
):
    answers = {}
    for email in (sme_owner.email, "nobody@example.com"):
        statuses = [
            reset(client, email, f"203.0.113.{n}").status_code
            for n in range(limit_of(settings, "password_reset_email"))
        ]
        refused = reset(client, email.upper(), "198.51.100.7")  # same account, any spelling
        answers[email] = (statuses, refused.status_code, refused.context["form"].errors)
        assert int(refused["Retry-After"]) > 0

    known, unknown = answers.values()
    assert known == unknown  # the same answers whether or not the account exists
    assert known[1] == 429
    assert len(mail.outbox) == limit_of(settings, "password_reset_email")


def test_reset_links_from_one_address_are_limited(client, settings):
    for n in range(limit_of(settings, "password_reset_address")):
        assert reset(client, f"person{n}@example.com").status_code == 302

    refused = reset(client, "someone-else@example.com")

    assert refused.status_code == 429
    assert "try again in" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0


# --- Public tracking -----------------------------------------------------------------------


def test_tracking_lookups_from_one_address_are_limited(client, settings):
    for n in range(limit_of(settings, "tracking_address")):
        assert client.get(f"/track/?waybill=KUL{n:09d}").status_code == 200

    refused = client.get("/track/?waybill=KUL000000999")

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "looked up many parcels" in refused.content.decode()
    assert client.get("/track/?waybill=KUL000000999", REMOTE_ADDR="198.51.100.7").status_code == 200
    # the empty form is not a lookup
    assert client.get("/track/").status_code == 200


def test_the_refusal_is_told_in_the_visitors_language(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "tracking_address": "1/min"}
    client.get("/track/?waybill=KUL000000001")

    refused = client.get("/track/?waybill=KUL000000002", HTTP_ACCEPT_LANGUAGE="ms")

    assert refused.status_code == 429
    assert "Anda telah menjejaki banyak bungkusan" in refused.content.decode()


@pytest.fixture
def received(world):  # noqa: F811 - the fixture imported above
    return parcel_receive(parcel=pack(world), actor=world["operator"])


def track(client, parcel, proof, address="127.0.0.1"):
    return client.post(f"/track/{parcel.waybill}/", {"proof": proof}, REMOTE_ADDR=address)


def test_the_buyers_postcode_shows_the_journey(client, received):
    Organization.objects.filter(pk=received.order.buyer_id).update(postcode="310 012")
    assert "RCS" in track(client, received, "310012").content.decode()
    wrong = track(client, received, "310013")
    assert "RCS" not in wrong.content.decode() and wrong.context["proof_form"].errors


def test_a_consumers_postcode_in_the_address_shows_the_journey(client, received):
    channel = factories.api_client(kind="channel", name="Shop").client
    Order.objects.filter(pk=received.order_id).update(
        buyer=None,
        channel=channel,
        consumer_name="Li Na",
        consumer_address="18 Wensan Road, Xihu District\nHangzhou 310012",
    )
    assert "RCS" in track(client, received, "310012").content.decode()
    for not_the_postcode in ("18", "3100", "10012", "Wensan"):
        assert "RCS" not in track(client, received, not_the_postcode).content.decode()


def test_postcode_guesses_for_one_parcel_are_limited_from_every_address(client, settings, received):
    Organization.objects.filter(pk=received.order.buyer_id).update(postcode="310012")
    for n in range(limit_of(settings, "tracking_proof")):
        track(client, received, f"3100{n:02d}", f"203.0.113.{n}")

    refused = track(client, received, "310012", "198.51.100.7")

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "RCS" not in refused.content.decode()
    # the order reference cannot be guessed, so its holder is never kept out
    proven = track(client, received, received.order.reference, "198.51.100.8")
    assert proven.status_code == 200 and "RCS" in proven.content.decode()


# --- The throttle itself -------------------------------------------------------------------


def test_the_count_is_kept_in_the_shared_cache(monkeypatch, settings):
    """Against the configured cache (Redis when REDIS_URL is set), with a key of its own."""
    monkeypatch.setattr(SimpleRateThrottle, "cache", cache)
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "tracking_address": "2/min"}
    key = f"test-{uuid.uuid4()}"
    cache_key = KeyedThrottle("tracking_address", key).get_cache_key()
    try:
        checks = [throttle_check(KeyedThrottle("tracking_address", key)) for _ in range(3)]
        assert checks[:2] == [None, None] and 0 < checks[2] <= 60
        assert len(cache.get(cache_key)) == 2
        assert key not in cache_key  # keys are hashed: no address or e-mail in the cache
    finally:
        cache.delete(cache_key)


def test_an_unknown_scope_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        KeyedThrottle("no_such_scope", "x")


@pytest.mark.parametrize("rate", ["30/minutes", "0/min", "30", "thirty/min", "30/min "])
def test_a_mistyped_rate_stops_the_process(monkeypatch, rate):
    from ewtp.settings.base import throttle_rate

    monkeypatch.setenv("THROTTLE_TEST_RATE", rate)
    with pytest.raises(ImproperlyConfigured):
        throttle_rate("THROTTLE_TEST_RATE", "1/min")

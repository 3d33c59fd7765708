"""The sign-in lockout cannot be escaped by changing the address: a client is believed about
its address only through a trusted proxy, and an account is locked from every address once
failures from many of them add up."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.utils import timezone

from ewtp.common.http import client_ip, client_network, proxy_networks
from tests.factories import TEST_PASSWORD
from tests.test_production_settings import PRODUCTION_ENV, ROOT

pytestmark = pytest.mark.django_db

# ewtp/settings/production.py's default: loopback and the private ranges
PRODUCTION_PROXIES = [
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
]
production_like = override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=PRODUCTION_PROXIES)


def sign_in(client, email, password, address, forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": email, "password": password}, **headers)


def request(address, forwarded=None):
    headers = {"REMOTE_ADDR": address}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


# --- Whose address ---------------------------------------------------------------------------


@production_like
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # a client on the internet connecting directly is not believed about itself
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),
        ("203.0.113.5", "10.0.0.1, 127.0.0.1", "203.0.113.5"),
        # the proxy's appended entry is the client; what the client wrote left of it is not
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # two proxies: each appends the address it saw
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 172.16.0.9", "198.51.100.1"),
        # a proxy that appended nothing (its own health check) or garbage is the caller
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        # a dual-stack socket's IPv4 peer
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("2001:db8::7", "198.51.100.1", "2001:db8::7"),
    ],
)
def test_the_client_is_the_first_address_that_is_not_a_trusted_proxy(peer, forwarded, client):
    assert client_ip(request(peer, forwarded)) == client


@override_settings(TRUSTED_PROXIES=[])
def test_without_proxies_the_header_is_never_read():
    assert client_ip(request("10.0.0.2", "198.51.100.1")) == "10.0.0.2"


def test_an_ipv6_caller_counts_by_its_64():
    first = client_network(request("2001:db8:1:2::1"))
    assert first == client_network(request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::"
    assert client_network(request("2001:db8:1:3::1")) != first
    assert client_network(request("203.0.113.5")) == "203.0.113.5"


@pytest.mark.parametrize("entry", ["10.0.0.1/8", "proxy.internal", "10.0.0.0/33"])
def test_a_mistyped_proxy_network_stops_the_process(entry):
    with pytest.raises(ImproperlyConfigured):
        proxy_networks(["127.0.0.1", entry])


def test_the_retired_proxy_count_setting_is_refused_at_start_up():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


# --- The lockout -----------------------------------------------------------------------------


@production_like
def test_a_forwarded_for_header_from_the_client_does_not_reset_the_lockout(
    client, settings, sme_owner
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, sme_owner.email, "wrong", "203.0.113.5", f"198.51.100.{attempt}")

    response = sign_in(client, sme_owner.email, TEST_PASSWORD, "203.0.113.5", "198.51.100.99")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}


@production_like
def test_a_real_proxys_appended_address_is_the_one_locked(client, settings, sme_owner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, sme_owner.email, "wrong", "10.0.0.2", "1.2.3.4, 203.0.113.9")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = sign_in(client, sme_owner.email, TEST_PASSWORD, "10.0.0.2", "203.0.113.9")
    assert locked.status_code == 429
    # the owner, through the same proxy from elsewhere, signs in
    owner = sign_in(client, sme_owner.email, TEST_PASSWORD, "10.0.0.2", "198.51.100.7")
    assert owner.status_code == 302


def spray(client, email, addresses, per_address):
    for n in range(addresses):
        for _ in range(per_address):
            sign_in(client, email, "wrong", f"203.0.113.{n}")


@production_like
def test_spraying_addresses_locks_the_account_from_everywhere(client, settings, sme_owner):
    addresses = settings.AXES_ACCOUNT_FAILURE_LIMIT // settings.AXES_FAILURE_LIMIT
    spray(client, sme_owner.email, addresses - 1, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, sme_owner.email, TEST_PASSWORD, "198.51.100.7").status_code == 302
    client.logout()

    spray(client, sme_owner.email, addresses, settings.AXES_FAILURE_LIMIT)

    refused = sign_in(client, sme_owner.email, TEST_PASSWORD, "198.51.100.8")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


@production_like
def test_hammering_from_one_address_does_not_lock_the_account_elsewhere(
    client, settings, sme_owner
):
    spray(client, sme_owner.email, 1, settings.AXES_ACCOUNT_FAILURE_LIMIT + 5)

    assert sign_in(client, sme_owner.email, TEST_PASSWORD, "203.0.113.0").status_code == 429
    assert sign_in(client, sme_owner.email, TEST_PASSWORD, "198.51.100.7").status_code == 302


@production_like
def test_the_account_is_unlocked_after_the_cool_off(client, settings, sme_owner):
    addresses = settings.AXES_ACCOUNT_FAILURE_LIMIT // settings.AXES_FAILURE_LIMIT
    with time_machine.travel(timezone.now(), tick=False) as clock:
        spray(client, sme_owner.email, addresses, settings.AXES_FAILURE_LIMIT)
        assert sign_in(client, sme_owner.email, TEST_PASSWORD, "198.51.100.7").status_code == 429
        clock.shift(settings.AXES_COOLOFF_TIME + timedelta(seconds=1))
        assert sign_in(client, sme_owner.email, TEST_PASSWORD, "198.51.100.7").status_code == 302

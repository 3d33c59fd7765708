"""Sign-in with e-mail, lockout after repeated failures, password reset, sign-out."""

import re

import pytest
from django.core import mail

from ewtp.common.models import AuditEntry
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_sign_in_with_email_in_any_case(client, sme_owner):
    response = sign_in(client, sme_owner.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    assert AuditEntry.objects.filter(
        action="hubs.user.logged_in", target_id=str(sme_owner.pk)
    ).exists()


def test_bad_sign_in_shows_a_clear_form_error(client, sme_owner):
    response = sign_in(client, sme_owner.email, "wrong password")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "not-an-email", "password": "x"},
        {"username": "a@b.c" * 100, "password": ""},
    ],
)
def test_malformed_sign_in_is_a_form_error_not_a_crash(client, data):
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert response.context["form"].errors


def test_lockout_after_repeated_failures(client, sme_owner, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, sme_owner.email, "wrong password").status_code == 200
    assert sign_in(client, sme_owner.email, "wrong password").status_code == 429

    locked = sign_in(client, sme_owner.email, TEST_PASSWORD)

    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_lock_the_account_from_another_address(client, sme_owner, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, sme_owner.email, "wrong password")
    response = client.post(
        "/accounts/login/",
        {"username": sme_owner.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 302


def test_password_reset_by_email(client, sme_owner):
    response = client.post("/accounts/password_reset/", {"email": sme_owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password-7", "new_password2": "a-new-long-password-7"},
    )
    assert done.status_code == 302
    assert sign_in(client, sme_owner.email, "a-new-long-password-7").status_code == 302


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_sign_out(client, sme_owner):
    client.force_login(sme_owner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/home/").status_code == 302


def test_changing_the_case_of_the_address_does_not_dodge_the_lockout(client, sme_owner, settings):
    settings.AXES_ENABLED = True
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        variant = sme_owner.email.upper() if attempt % 2 else sme_owner.email
        sign_in(client, variant, "wrong password")
    assert sign_in(client, sme_owner.email.swapcase(), TEST_PASSWORD).status_code == 429


def test_behind_a_proxy_lockout_follows_the_client_not_the_proxy(client, sme_owner, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": sme_owner.email, "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )
    # the real user, coming through the same proxy from elsewhere, still signs in
    response = client.post(
        "/accounts/login/",
        {"username": sme_owner.email, "password": TEST_PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        **proxy,
    )
    assert response.status_code == 302
    # and the attacker cannot escape by forging a hop to the left of the proxy's entry
    client.logout()
    forged = client.post(
        "/accounts/login/",
        {"username": sme_owner.email, "password": TEST_PASSWORD},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
        **proxy,
    )
    assert forged.status_code == 429


def test_addresses_differing_only_in_case_are_one_account(sme_owner):
    from django.db import IntegrityError

    from hubs.models import User

    assert User.objects.create_user(email="New.Person@Example.com", password="x" * 12).email == (
        "new.person@example.com"
    )
    with pytest.raises(IntegrityError):
        User.objects.bulk_create([User(email=sme_owner.email.upper(), password="x")])

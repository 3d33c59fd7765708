"""Uploads larger than a page takes are refused on their Content-Length, before a byte of the
body is read: a 60 MB file costs the hub nothing, and the person is told why in their language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ewtp.common.middleware import UPLOAD_FORM_ALLOWANCE
from hubs.models import KycDocument, ProductImport
from tests import factories

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
MULTIPART = "multipart/form-data; boundary=BoUnDaRy"
KYC_PAGE = "/organisation/verification/"
IMPORT_PAGE = "/products/imports/"
CUSTOMS_DOCUMENT_PAGE = "/customs/mine/DEC-ANY/"


class UnreadableBody:
    """A request body that fails the test as soon as anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the request body was read")

    readline = read


def post_announcing(client, path, size, content_type=MULTIPART, **headers):
    """POST that announces ``size`` bytes and sends a body nobody may read."""
    return client.generic(
        "POST",
        path,
        b"-",
        content_type=content_type,
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": UnreadableBody()},
        **headers,
    )


@pytest.mark.parametrize("path", [KYC_PAGE, IMPORT_PAGE, CUSTOMS_DOCUMENT_PAGE])
def test_a_60_mb_upload_is_refused_unread(client, seller_owner, path):
    client.force_login(seller_owner)
    response = post_announcing(client, path, 60 * MB)
    assert response.status_code == 413
    assert "Too large to send" in response.content.decode()
    assert not KycDocument.objects.exists() and not ProductImport.objects.exists()


def test_the_refusal_comes_before_the_csrf_check_reads_the_form(seller_owner):
    client = Client(enforce_csrf_checks=True)  # the CSRF check would read the whole body
    client.force_login(seller_owner)
    assert post_announcing(client, KYC_PAGE, 60 * MB).status_code == 413


def test_each_upload_page_has_its_own_limit(client, seller_owner, settings):
    client.force_login(seller_owner)
    just_over_kyc = settings.KYC_MAX_UPLOAD_BYTES + UPLOAD_FORM_ALLOWANCE + 1
    assert post_announcing(client, KYC_PAGE, just_over_kyc).status_code == 413
    just_over_import = settings.PRODUCT_IMPORT_MAX_BYTES + UPLOAD_FORM_ALLOWANCE + 1
    assert post_announcing(client, IMPORT_PAGE, just_over_import).status_code == 413
    # every other page: the general limit
    too_much = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    assert post_announcing(client, "/products/new/", too_much).status_code == 413


def test_a_file_within_the_limit_and_its_form_still_arrives(client, kul, settings):
    settings.KYC_MAX_UPLOAD_BYTES = 100 * 1024
    client.force_login(factories.member(factories.OrganizationFactory(home_hub=kul)))
    pdf = b"%PDF-1.4\n" + b"0" * (100 * 1024 - 9)  # exactly the limit
    response = client.post(
        KYC_PAGE,
        {"kind": "registration", "file": SimpleUploadedFile("r.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 302
    assert KycDocument.objects.get().size == 100 * 1024


def test_the_page_names_the_file_limit_in_the_users_language(client, seller_owner, settings):
    settings.KYC_MAX_UPLOAD_BYTES = 10 * MB
    client.force_login(seller_owner)
    client.cookies["django_language"] = "ms"
    response = post_announcing(client, KYC_PAGE, 60 * MB)
    page = response.content.decode()
    assert response.status_code == 413
    assert "Terlalu besar untuk dihantar" in page
    assert "Halaman ini menerima fail sehingga 10" in page
    assert "Tiada apa-apa yang disimpan atau diubah." in page
    assert f'href="{KYC_PAGE}"' in page  # back to the form
    assert seller_owner.email in page  # still the signed-in page, header and all


def test_the_page_in_chinese(client, seller_owner):
    client.force_login(seller_owner)
    client.cookies["django_language"] = "zh-hans"
    page = post_announcing(client, IMPORT_PAGE, 60 * MB).content.decode()
    assert "内容过大，无法发送" in page
    assert "没有保存或更改任何内容。" in page


def test_an_api_body_over_the_limit_is_a_413_problem(api, bank_token, settings):
    response = post_announcing(
        api,
        "/api/v1/payments/incoming",
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {bank_token}",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "too_large"


def test_a_missing_or_nonsense_content_length_reads_nothing(client, seller_owner):
    client.force_login(seller_owner)
    for length in ("", "abc", "-5"):
        response = post_announcing(client, "/language/", length, content_type="text/plain")
        assert response.status_code == 400  # the language form: nothing chosen

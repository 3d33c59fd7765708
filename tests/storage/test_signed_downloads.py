"""Private uploads in object storage: the hub checks who asks, then redirects to a URL that the
object store honours for five minutes (ewtp/common/private_files.py), against moto's S3 server
on loopback.

moto checks the signature of no pre-signed URL, so the signature is checked here, computed
anew from the secret key (AWS Signature Version 4): the expiry is one of the signed values.
"""

import hashlib
import hmac
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from customs.models import Declaration
from customs.services.inspection import declaration_document_upload, documents_request
from hubs.models import KycDocument, ProductImage
from hubs.services.catalogue import product_image_thumbnail_make
from tests import factories

from .conftest import REGION, SECRET_KEY, s3_client

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def sigv4_query_signature(url: str, secret_key: str) -> str:
    """The signature a pre-signed GET ``url`` must carry if it was signed with ``secret_key``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "X-Amz-Signature"]
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query)
    )
    fields = dict(query)
    canonical_request = "\n".join(
        ["GET", parts.path, canonical_query, f"host:{parts.netloc}", "", "host", "UNSIGNED-PAYLOAD"]
    )
    date, scope = fields["X-Amz-Date"], fields["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def signed_target(response, *, origin: str, key: str, bucket: str) -> dict[str, str]:
    """The signed URL a redirect points at, checked: on ``origin``, for the object ``key``,
    signed with the hub's secret key for 300 seconds from now. Returns its query."""
    assert response.status_code == 302
    # the redirect carries a credential: neither the browser nor a proxy keeps it
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}" == origin
    assert url.path == f"/{bucket}/{key}"
    query = dict(parse_qsl(url.query))
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Credential"].endswith(f"/{REGION}/s3/aws4_request")
    assert query["X-Amz-Expires"] == "300"
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)
    assert query["X-Amz-Signature"] == sigv4_query_signature(response["Location"], SECRET_KEY)
    return query


def kyc_upload(client):
    return client.post(
        "/organisation/verification/",
        {"kind": "registration", "file": SimpleUploadedFile("deed.pdf", PDF)},
    )


def test_a_kyc_document_is_a_short_lived_signed_url_to_a_private_object(
    client, sme_owner, mdec_officer, s3_uploads, s3_endpoint, s3_bucket
):
    s3_uploads()
    client.force_login(sme_owner)
    assert kyc_upload(client).status_code == 302
    document = KycDocument.objects.get()
    stored = s3_client(s3_endpoint).get_object(Bucket=s3_bucket, Key=document.file.name)
    assert stored["Body"].read() == PDF

    for person in (sme_owner, mdec_officer):
        client.force_login(person)
        response = client.get(f"/documents/{document.public_id}/")
        query = signed_target(
            response, origin=s3_endpoint, key=document.file.name, bucket=s3_bucket
        )
    filename = f'inline; filename="{document.public_id}.pdf"'
    assert query["response-content-type"] == "application/pdf"
    assert query["response-content-disposition"] == filename
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == filename

    # the object itself answers no one without a signature
    anonymous = requests.get(f"{s3_endpoint}/{s3_bucket}/{document.file.name}", timeout=10)
    assert anonymous.status_code == 403
    assert PDF not in anonymous.content


def test_the_permission_is_checked_before_any_url_is_signed(client, sme_owner, s3_uploads):
    s3_uploads()
    client.force_login(sme_owner)
    kyc_upload(client)
    url = f"/documents/{KycDocument.objects.get().public_id}/"
    client.force_login(factories.MembershipFactory().user)  # another organisation
    refused = client.get(url)
    assert refused.status_code == 404 and "Location" not in refused
    client.logout()
    assert client.get(url).status_code == 404


def test_signed_urls_name_the_endpoint_browsers_reach(
    client, sme_owner, s3_uploads, s3_endpoint, s3_bucket
):
    """The hub talks to the store at one address (127.0.0.1 here, a compose service name in
    production) and signs for the one browsers reach (localhost here)."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    s3_uploads(STORAGE_S3_PUBLIC_ENDPOINT_URL=public)
    client.force_login(sme_owner)
    kyc_upload(client)
    document = KycDocument.objects.get()
    response = client.get(f"/documents/{document.public_id}/")
    signed_target(response, origin=public, key=document.file.name, bucket=s3_bucket)
    assert requests.get(response["Location"], timeout=10).content == PDF


def test_a_customs_document_is_a_signed_url_for_the_declarant_and_the_officer(
    client, red_lane, s3_uploads, s3_endpoint, s3_bucket, django_capture_on_commit_callbacks
):
    s3_uploads()
    declaration, owner, officer = red_lane["declaration"], red_lane["owner"], red_lane["officer"]
    with django_capture_on_commit_callbacks(execute=True):
        documents_request(declaration=declaration, documents="Form E", actor=officer)
    document = declaration_document_upload(
        declaration=Declaration.objects.get(pk=declaration.pk),
        title="Form E",
        upload=SimpleUploadedFile("form-e.pdf", PDF),
        actor=owner,
    )
    url = f"/customs/declarations/{declaration.reference}/documents/{document.public_id}"
    for person in (owner, officer):
        client.force_login(person)
        query = signed_target(
            client.get(url), origin=s3_endpoint, key=document.file.name, bucket=s3_bucket
        )
        assert query["response-content-type"] == "application/pdf"
    client.force_login(factories.member(factories.SellerFactory()))
    assert client.get(url).status_code == 404


def test_a_listing_picture_and_its_thumbnail_live_in_the_bucket(
    client, seller_owner, s3_uploads, s3_endpoint, s3_bucket
):
    s3_uploads()
    picture = io.BytesIO()
    Image.new("RGB", (600, 400), "red").save(picture, format="PNG")
    product = factories.ProductFactory(seller=seller_owner.memberships.get().organization)
    image = ProductImage.objects.create(
        product=product, image=SimpleUploadedFile("photo.png", picture.getvalue())
    )
    # the worker's side: read from the bucket, the thumbnail written back to it
    image = product_image_thumbnail_make(image_id=image.pk)
    assert image.thumbnail
    client.force_login(seller_owner)
    response = client.get(f"/images/{image.public_id}/thumbnail/")
    query = signed_target(response, origin=s3_endpoint, key=image.thumbnail.name, bucket=s3_bucket)
    assert query["response-content-type"] == "image/jpeg"
    assert query["response-cache-control"] == "private, max-age=3600"
    thumbnail = Image.open(io.BytesIO(requests.get(response["Location"], timeout=10).content))
    assert max(thumbnail.size) < 600

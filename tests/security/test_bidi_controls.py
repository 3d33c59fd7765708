"""Names and titles people give things may not carry Unicode's text-direction controls, which
make a name display as something it is not; every script's own letters stay welcome."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from customs.services.filing import declaration_create
from customs.services.inspection import declaration_document_upload
from ewtp.common.api_clients import api_client_create
from ewtp.common.errors import ApplicationError
from ewtp.common.validators import BIDI_CONTROLS, no_bidi_controls
from hubs.forms.organizations import AcceptInvitationForm
from hubs.models import Order, Organization, Product
from hubs.services.organizations import organization_api_client_create
from tests import factories
from tests.conftest import bearer, issue_token
from tests.customs.test_declarations import request as declaration_request
from tests.hubs.test_onboarding import SIGNUP as ONBOARDING_SIGNUP

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # right-to-left override
RLI = "\u2067"  # right-to-left isolate
RLM = "\u200f"  # right-to-left mark
SPOOFED = f"Acme{RLO}gpj.exe"  # displays as "Acmeexe.jpg"
# names in other scripts need no controls: Arabic, Chinese, Malay (Jawi is Arabic script)
ARABIC = "\u0634\u0631\u0643\u0629 \u0627\u0644\u0646\u0648\u0631"
CHINESE = "\u676d\u5dde\u897f\u6e56\u8336\u53f6"


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS))
def test_each_control_is_refused(control):
    with pytest.raises(ValidationError) as refused:
        no_bidi_controls(f"Batik{control} Nusantara")
    assert refused.value.code == "bidi_controls"


def test_the_twelve_controls_are_those_of_unicode():
    expected = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
    assert expected | {"\u200e", "\u200f", "\u061c"} == BIDI_CONTROLS


@pytest.mark.parametrize("name", [ARABIC, CHINESE, "Kraf Borneo Sdn. Bhd.", "Ng\u00e2n h\u00e0ng"])
def test_names_in_any_script_pass(name):
    no_bidi_controls(name)


@pytest.mark.parametrize(
    ("language", "words"), [("ms", "Buang aksara arah teks"), ("zh-hans", "文字方向控制字符")]
)
def test_the_message_is_translated(language, words):
    with pytest.raises(ValidationError) as refused:
        no_bidi_controls(SPOOFED)
    with translation.override(language):
        assert words in refused.value.messages[0]


SIGNUP = {**ONBOARDING_SIGNUP, "owner_email": "siti@kraf.example"}


@pytest.mark.parametrize(
    "field", ["legal_name", "contact_name", "payout_account_name", "owner_name"]
)
def test_sign_up_refuses_a_spoofed_name(client, kul, field):
    response = client.post("/signup/", {**SIGNUP, "home_hub": kul.pk, field: SPOOFED})
    assert response.status_code == 200
    assert "text-direction" in " ".join(response.context["form"].errors[field])
    assert not Organization.objects.exists()


def test_sign_up_takes_an_arabic_script_name(client, kul):
    response = client.post("/signup/", {**SIGNUP, "home_hub": kul.pk, "legal_name": ARABIC})
    assert response.status_code == 302
    assert Organization.objects.get().legal_name == ARABIC


def test_the_profile_form_refuses_a_spoofed_account_name(client, seller_owner):
    organization = seller_owner.memberships.get().organization
    client.force_login(seller_owner)
    form = client.get("/organisation/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    response = client.post("/organisation/edit/", {**data, "payout_account_name": f"Kraf{RLM}"})
    assert response.status_code == 200
    assert "payout_account_name" in response.context["form"].errors
    organization.refresh_from_db()
    assert RLM not in organization.payout_account_name


@pytest.mark.parametrize("field", ["title_en", "title_ms", "title_zh"])
def test_the_product_form_refuses_a_spoofed_title_in_every_language(client, seller_owner, field):
    client.force_login(seller_owner)
    good = {**factories.LISTING_FORM, "title_zh": CHINESE}
    response = client.post("/products/new/", {**good, field: f"Scarf {RLI}x"})
    assert response.status_code == 200
    assert "text-direction" in " ".join(response.context["form"].errors[field])
    assert not Product.objects.exists()
    assert client.post("/products/new/", good).status_code == 302  # the same, without it


def test_accepting_an_invitation_refuses_a_spoofed_full_name():
    form = AcceptInvitationForm(
        data={"full_name": SPOOFED, "password1": "a-long-pass-12", "password2": "a-long-pass-12"},
        email="new@example.com",
    )
    assert not form.is_valid()
    assert form.errors.as_data()["full_name"][0].code == "bidi_controls"


@pytest.fixture
def as_seller(api, seller_owner):
    organization = seller_owner.memberships.get().organization
    issued = organization_api_client_create(
        organization=organization, name="ERP", actor=seller_owner
    )
    return bearer(api, issued)


def errors_of(response) -> dict:
    return {error["field"]: error["code"] for error in response.json()["errors"]}


@pytest.mark.parametrize("field", ["legal_name", "payout_account_name", "contact_name"])
def test_the_api_refuses_a_spoofed_organisation_name(api, as_seller, field):
    response = api.patch("/api/v1/organization", {field: SPOOFED}, format="json", **as_seller)
    assert response.status_code == 400
    assert errors_of(response)[field] == "bidi_controls"
    assert not Organization.objects.filter(**{f"{field}__contains": RLO}).exists()


@pytest.mark.parametrize("field", ["title_en", "title_ms", "title_zh"])
def test_the_api_refuses_a_spoofed_product_title(api, as_seller, field):
    body = {**factories.PRODUCT_BODY, field: SPOOFED}
    response = api.post("/api/v1/products/", body, format="json", **as_seller)
    assert response.status_code == 400
    assert errors_of(response)[field] == "bidi_controls"
    assert not Product.objects.exists()


def test_the_api_refuses_a_spoofed_consumer_name(api, kul, hgh):
    factories.open_eroads()
    product = factories.ProductFactory(stock=5)
    channel = factories.api_client(kind="channel", name="ShopCN", scopes=["orders:write"])
    token = issue_token(api, channel).json()["access_token"]
    body = {
        "seller": str(product.seller.public_id),
        "destination_hub": "HGH",
        "lines": [{"product": str(product.public_id), "quantity": 1}],
        "consumer": {
            "name": f"Chen{RLO} Jing",
            "address": "18 Wensan Road, Hangzhou",
            "country": "CN",
            "id_reference": "11010519491231002X",
        },
    }
    response = api.post(
        "/api/v1/orders/", body, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert errors_of(response)["consumer.name"] == "bidi_controls"
    assert not Order.objects.exists()


def test_an_api_client_name_is_refused_with_the_field():
    with pytest.raises(ApplicationError) as refused:
        api_client_create(name=f"ERP{RLM}", kind="bank", scopes=[])
    assert (refused.value.code, refused.value.extra) == ("bidi_controls", {"field": "name"})


def test_the_api_keys_page_refuses_a_spoofed_key_name(client, seller_owner):
    organization = seller_owner.memberships.get().organization
    client.force_login(seller_owner)
    response = client.post("/organisation/api-clients/", {"name": SPOOFED}, follow=True)
    assert "text-direction" in response.content.decode()
    assert not organization.api_clients.exists()


def test_a_customs_document_title_is_refused_with_the_field(kul, hgh, tariff):
    seller = factories.SellerFactory(home_hub=kul)
    declaration = declaration_create(
        request=declaration_request(hgh, organization=seller, waybill="HGH1"), actor_label="t"
    )
    pdf = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")
    with pytest.raises(ApplicationError) as refused:
        declaration_document_upload(
            declaration=declaration,
            title=f"Invoice{RLO}fdp.exe",
            upload=pdf,
            actor=factories.member(seller),
        )
    assert (refused.value.code, refused.value.extra) == ("bidi_controls", {"field": "title"})
    assert not declaration.documents.exists()

"""The words of trade are explained in plain language, and pages that use them link there."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "term"),
    [("en", "Escrow"), ("ms", "Eskrow"), ("zh-hans", "托管")],
)
def test_anyone_reads_what_the_words_mean_in_their_language(client, language, term):
    client.cookies["django_language"] = language
    page = client.get("/help/words/").content.decode()
    assert term in page
    for anchor in ("hs-code", "incoterms", "escrow", "waybills", "tracking-codes", "lanes"):
        assert f'id="{anchor}"' in page
    assert "/help/words/" in client.get("/").content.decode()  # the footer of every page


def test_an_order_page_explains_its_incoterm(client, journey):
    order = journey.business_order()
    client.force_login(order.buyer_owner)
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "/help/words/#incoterms" in page

"""Each role sees its own navigation; every other page answers 403, never a leak."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubs.roles import Role, roles_of
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = [
    "sme_owner",
    "sme_staff",
    "mdec_officer",
    "customs_officer",
    "hub_operator",
    "admin_user",
    "no_role_user",
]

SME_NAV = [
    "Home",
    "My organisation",
    "My products",
    "Catalogue",
    "Stock",
    "Orders",
    "Declarations",
    "Statement",
    "Insights",
    "Credit",
    "Hubs and e-roads",
]
# staff work the catalogue and the orders; the organisation's money is the owners'
SME_STAFF_NAV = [item for item in SME_NAV if item not in ("Statement", "Insights", "Credit")]
NAV = {
    "sme_owner": SME_NAV,
    "sme_staff": SME_STAFF_NAV,
    "mdec_officer": [
        "Home",
        "Orders",
        "Organisations",
        "Dashboards",
        "Credit portfolio",
        "Treasury",
        "Flights",
        "Hubs and e-roads",
        "E-road",
    ],
    "customs_officer": [
        "Home",
        "Customs workbench",
        "Bonded ledger",
        "Tariff",
        "Hubs and e-roads",
    ],
    "hub_operator": ["Home", "Hub floor", "Warehouse floor", "Flights", "Hubs and e-roads"],
    "admin_user": [
        "Home",
        "Orders",
        "Organisations",
        "Dashboards",
        "Credit portfolio",
        "Treasury",
        "Tariff",
        "Flights",
        "Hubs and e-roads",
        "E-road",
        "Administration",
    ],
    "no_role_user": ["Home", "Hubs and e-roads"],
}

# page → personas allowed (everyone else: 403)
PAGES = {
    "/organisation/": {"sme_owner", "sme_staff"},
    "/organisations/": {"mdec_officer", "admin_user"},
    "/admin/": {"admin_user"},
    "/dashboards/exports/": {"mdec_officer", "admin_user"},
    "/insights/": {"sme_owner"},
    "/payments/treasury/": {"mdec_officer", "admin_user"},
    "/payments/treasury/reconciliation/": {"mdec_officer", "admin_user"},
    "/eroad/": {"mdec_officer", "admin_user"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_navigation_matches_the_role(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get("/home/")
    assert response.status_code == 200
    assert [item.label for item in response.context["nav_items"]] == NAV[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES)
def test_pages_are_open_only_to_their_roles(client, request, persona, page):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(page)
    if persona in PAGES[page]:
        assert response.status_code == 200
    elif page == "/admin/":
        assert response.status_code == 302  # the admin's own sign-in page
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("page", ["/home/", "/organisation/", "/organisations/", "/hubs/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_roles_are_derived_from_memberships_and_postings(sme_owner, customs_officer, admin_user):
    assert roles_of(sme_owner) == {Role.SME_OWNER}
    assert roles_of(customs_officer) == {Role.CUSTOMS_OFFICER}
    assert Role.ADMIN in roles_of(admin_user)
    sme_owner.is_active = False
    sme_owner._roles_cache = None
    assert roles_of(sme_owner) == frozenset()


def test_officials_of_a_hub_are_listed_only_to_that_hub_and_overseers(client, customs_officer, hgh):
    other_hub_officer = factories.UserFactory(official_role="customs_officer", official_hub=hgh)
    client.force_login(customs_officer)
    assert client.get("/hubs/KUL/").context["officials"] is not None
    assert client.get("/hubs/HGH/").context["officials"] is None
    client.force_login(other_hub_officer)
    assert client.get("/hubs/KUL/").context["officials"] is None


def test_unknown_hub_is_404(client, sme_owner):
    client.force_login(sme_owner)
    assert client.get("/hubs/XXX/").status_code == 404


def test_organisation_list_runs_a_constant_number_of_queries(client, mdec_officer, kul):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/organisations/").status_code == 200
        return len(ctx)

    client.force_login(mdec_officer)
    factories.MembershipFactory()
    few = count()
    for _ in range(15):
        factories.MembershipFactory(organization__home_hub=kul)
    assert count() == few


def test_hub_list_runs_a_constant_number_of_queries(client, sme_owner, kul, hgh):
    from hubs.services.network import eroad_open, hub_open

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/hubs/").status_code == 200
        return len(ctx)

    client.force_login(sme_owner)
    few = count()
    for code in ["SIN", "BKK", "PVG"]:
        eroad_open(origin=kul, destination=hub_open(iata_code=code), transit_days=2)
    assert count() == few
